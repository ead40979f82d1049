"""Generation routes: creator pages under /create/ (`urlpatterns`, namespaced `generation:`) and the JSON API
(`api_urlpatterns`, mounted under /api/ by codecapsule/urls.py, with or without a trailing slash)."""

from django.urls import path, re_path

from generation import api, views

app_name = "generation"

urlpatterns: list = [
    path("", views.generation_create, name="create"),
    path("languages/", views.generation_languages, name="languages"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<uuid:job_id>/take/", views.job_take_suggestion, name="job_take_suggestion"),
    path("metrics/", views.metrics, name="metrics"),
]

api_urlpatterns: list = [
    re_path(r"^generate-and-validate/?$", api.GenerateView.as_view(), name="api-generate"),
    re_path(r"^generation-jobs/(?P<job_id>[^/]+)/?$", api.GenerationJobDetailView.as_view(), name="api-generation-job"),
    re_path(r"^generation-jobs/(?P<job_id>[^/]+)/take/?$", api.TakeSuggestionView.as_view(), name="api-generation-job-take"),
]
