"""Judge routes, mounted under /api/ by codecapsule/urls.py (with or without a trailing slash)."""

from django.urls import re_path

from judges import api

api_urlpatterns = [
    re_path(r"^capsules/(?P<capsule_id>[^/]+)/validate/?$", api.CapsuleValidateView.as_view(), name="api-capsule-validate"),
    re_path(r"^capsules/(?P<capsule_id>[^/]+)/attempts/?$", api.CapsuleAttemptView.as_view(), name="api-capsule-attempts"),
]
