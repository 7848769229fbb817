"""URLs for the calendar pages (included by coordination/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
