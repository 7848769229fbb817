"""URLs for the shared plan of care."""

from django.urls import path

from ..views import plan as v

P = "children/<uuid:child_id>/plan/"

urlpatterns = [
    path(P, v.plan_detail, name="plan"),
    path(P + "about/", v.plan_about, name="plan-about"),
    path(P + "goals/add/", v.goal_create, name="plan-goal-create"),
    path(P + "goals/<uuid:item_id>/", v.goal_update, name="plan-goal-update"),
    path(P + "goals/<uuid:item_id>/delete/", v.goal_delete, name="plan-goal-delete"),
    path(P + "needs/add/", v.need_create, name="plan-need-create"),
    path(P + "needs/<uuid:item_id>/", v.need_update, name="plan-need-update"),
    path(P + "needs/<uuid:item_id>/delete/", v.need_delete, name="plan-need-delete"),
    path(P + "proposals/<uuid:item_id>/accept/", v.proposal_accept, name="plan-proposal-accept"),
    path(P + "proposals/<uuid:item_id>/decline/", v.proposal_decline, name="plan-proposal-decline"),
    path(P + "agree/", v.plan_agree, name="plan-agree"),
    path(P + "versions/", v.plan_history, name="plan-history"),
    path(P + "versions/<int:number>/", v.plan_version, name="plan-version"),
    path(P + "share/", v.plan_share, name="plan-share"),
    path(P + "share/<uuid:link_id>/revoke/", v.plan_share_revoke, name="plan-share-revoke"),
    path("plan/shared/<str:token>/", v.plan_shared, name="plan-shared"),
]
