"""Capsule routes: creator pages (`urlpatterns`, namespaced `capsules:`) and the JSON API (`api_urlpatterns`,
mounted under /api/ by codecapsule/urls.py)."""

from django.urls import path

app_name = "capsules"

urlpatterns: list = []  # creator dashboard pages: capsules/views.py

api_urlpatterns: list = []  # DRF views: capsules/api.py
