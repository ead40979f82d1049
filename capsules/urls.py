"""Capsule routes: creator pages (`urlpatterns`, namespaced `capsules:`) and the JSON API (`api_urlpatterns`,
mounted under /api/ by codecapsule/urls.py)."""

from django.urls import path, re_path

from capsules import api

app_name = "capsules"

urlpatterns: list = []  # creator dashboard pages: capsules/views.py

# DRF views: capsules/api.py. Paths match with or without a trailing slash (the contract writes
# /api/capsules/<id>), so no APPEND_SLASH redirect ever turns a POST into a GET.
api_urlpatterns: list = [
    re_path(r"^capsules/?$", api.CapsuleListView.as_view(), name="api-capsule-list"),
    re_path(r"^capsules/(?P<capsule_id>[^/]+)/?$", api.CapsuleDetailView.as_view(), name="api-capsule-detail"),
]
