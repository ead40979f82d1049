"""Capsule routes: creator pages (`urlpatterns`, namespaced `capsules:`) and the JSON API (`api_urlpatterns`,
mounted under /api/ by codecapsule/urls.py)."""

from django.urls import path, re_path

from capsules import api, views
from codecapsule.views import home

app_name = "capsules"

urlpatterns: list = [
    path("", home, name="home"),  # the site's landing page; mounted here because codecapsule/urls.py includes us at ""
    path("capsules/", views.capsule_list, name="list"),
    path("capsules/new/", views.capsule_new, name="new"),
    path("capsules/<uuid:capsule_id>/", views.capsule_detail, name="detail"),
    path("capsules/<uuid:capsule_id>/edit/", views.capsule_edit, name="edit"),
    path("capsules/<uuid:capsule_id>/delete/", views.capsule_delete, name="delete"),
]

# DRF views: capsules/api.py. Paths match with or without a trailing slash (the contract writes
# /api/capsules/<id>), so no APPEND_SLASH redirect ever turns a POST into a GET.
api_urlpatterns: list = [
    re_path(r"^capsules/?$", api.CapsuleListView.as_view(), name="api-capsule-list"),
    re_path(r"^capsules/(?P<capsule_id>[^/]+)/?$", api.CapsuleDetailView.as_view(), name="api-capsule-detail"),
]
