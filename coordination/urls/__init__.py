"""Coordination URLs, one module per part (as ``models``, ``views``, ``forms``)."""

from . import calendar, meetings, messages, paperwork, plan, referrals, tasks, visits

app_name = "coordination"

urlpatterns = [
    *visits.urlpatterns,
    *tasks.urlpatterns,
    *referrals.urlpatterns,
    *paperwork.urlpatterns,
    *plan.urlpatterns,
    *meetings.urlpatterns,
    *messages.urlpatterns,
    *calendar.urlpatterns,
]
