"""URLs for referrals: the shared item pages, one referral, its steps and its end."""

from typing import Any

from django.urls import path

from children.items.urls import item_urlpatterns

from ..registry import REFERRALS
from ..views import referrals as views

R = "children/<uuid:child_id>/referrals/<uuid:item_id>/"

urlpatterns: list[Any] = [
    path(R, views.referral_detail, name="referral-detail"),
    path(f"{R}step/", views.referral_step, name="referral-step"),
    path(f"{R}end/", views.referral_end, name="referral-end"),
    *item_urlpatterns([REFERRALS]),
]
