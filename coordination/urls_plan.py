"""URLs for the plan pages (included by coordination/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
