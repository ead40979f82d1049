"""Feedback routes: creator pages (`urlpatterns`, namespace `feedback:`, mounted at /feedback/) and the JSON API
(`api_urlpatterns`, mounted under /api/ by codecapsule/urls.py, with or without a trailing slash)."""

from django.urls import path, re_path

from feedback import api, views
from feedback.finetune import views as finetune_views
from feedback.insights import api as insights_api
from feedback.training import api as training_api

app_name = "feedback"

urlpatterns: list = [
    path("", views.dashboard, name="dashboard"),  # feedback/views.py: charts, patterns, training-set size, jobs
    path("fine-tuning/start", finetune_views.finetune_start, name="finetune_start"),  # staff, POST
    path("fine-tuning/<uuid:job_id>/", finetune_views.finetune_detail, name="finetune_detail"),  # status + events
    path("fine-tuning/<uuid:job_id>/use", finetune_views.finetune_use, name="finetune_use"),  # staff, POST
    # staff: the JSONL the job uploaded, from file storage (S3 in production)
    path("fine-tuning/<uuid:job_id>/training-data.jsonl", finetune_views.finetune_training_data, name="finetune_training_data"),
]

api_urlpatterns: list = [
    re_path(r"^feedback/edit/?$", api.EditEventView.as_view(), name="api-feedback-edit"),
    re_path(r"^feedback/insights/?$", insights_api.InsightsView.as_view(), name="api-feedback-insights"),
    re_path(r"^feedback/training-data/?$", training_api.TrainingDataView.as_view(), name="api-feedback-training-data"),
]
