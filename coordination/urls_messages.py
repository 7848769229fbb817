"""URLs for the messages pages (included by coordination/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
