"""URLs for the calendar: the page that makes the private link, and the feed."""

from django.urls import URLPattern, path

from ..views import calendar as views_calendar

urlpatterns: list[URLPattern] = [
    path("calendar/", views_calendar.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views_calendar.calendar_feed, name="calendar-feed"),
]
