from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from capsules.urls import api_urlpatterns as capsule_api_urls
from codecapsule.errors import api_not_found
from codecapsule.health import healthz
from feedback.urls import api_urlpatterns as feedback_api_urls
from generation.urls import api_urlpatterns as generation_api_urls
from judges.urls import api_urlpatterns as judge_api_urls
from playlists.urls import api_urlpatterns as playlist_api_urls

api_urlpatterns = [
    path("auth/", include("codecapsule.auth_urls")),
    *judge_api_urls,
    *capsule_api_urls,
    *generation_api_urls,
    *playlist_api_urls,
    *feedback_api_urls,
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^", api_not_found),  # keep last
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # load balancers (codecapsule/health.py)
    path("admin/", admin.site.urls),
    path("accounts/", include("codecapsule.account_urls")),
    path("api/", include(api_urlpatterns)),
    path("create/", include("generation.urls")),
    path("feedback/", include("feedback.urls")),
    path("", include("playlists.urls")),
    path("", include("capsules.urls")),
]
