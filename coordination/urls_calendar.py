"""URLs for the calendar pages (included by coordination/urls.py)."""

from django.urls import URLPattern, path

from . import views_calendar

urlpatterns: list[URLPattern] = [
    path("calendar/", views_calendar.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views_calendar.calendar_feed, name="calendar-feed"),
]
