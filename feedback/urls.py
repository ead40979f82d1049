"""Feedback routes: the JSON API (`api_urlpatterns`, mounted under /api/ by codecapsule/urls.py, with or without
a trailing slash). The creator pages (the /feedback/ dashboard) come with issue #7 part 6."""

from django.urls import re_path

from feedback import api

api_urlpatterns: list = [
    re_path(r"^feedback/edit/?$", api.EditEventView.as_view(), name="api-feedback-edit"),
]
