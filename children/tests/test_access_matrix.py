"""The role-by-URL matrix: every URL, every role, the status it must get.

A new URL fails `test_every_url_is_classified` until it has rows here or is
on PUBLIC_URLS (pages that hold no child data).
"""

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Practice, PracticeInvitation, PracticeStaff, User
from children.models import CareTeamMember, Invitation
from conftest import sign_in
from coordination.models import (
    AgendaItem,
    CalendarFeed,
    CarePlan,
    Goal,
    Meeting,
    Need,
    PaperworkRequest,
    PlanProposal,
    Referral,
    Task,
    Visit,
    VisitQuestion,
)
from coordination.models.messages import Message, Thread
from coordination.services import plan as services_plan
from interop.models import ApiToken, ImportBatch
from records.models import (
    Allergy,
    Condition,
    Coverage,
    Document,
    Equipment,
    Immunization,
    JournalEntry,
    Measurement,
    Medication,
    Service,
)

ROLES = (
    "anonymous",
    "owner",
    "caregiver",
    "viewer",
    "editor",
    "team_other",
    "coordinator",
    "other_family",
    "operator",
)


def profile(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


#                     anon owner care  view  edit  t_oth coord other oper
ANY_GRANT = profile(302, 200, 200, 200, 200, 200, 200, 404, 404)
OWNER_ONLY = profile(302, 200, 403, 403, 403, 403, 403, 404, 404)
OWNER_ONLY_DONE = profile(302, 302, 403, 403, 403, 403, 403, 404, 404)
SIGNED_IN = profile(302, 200, 200, 200, 200, 200, 200, 200, 200)
HEALTH_VIEW = profile(302, 200, 200, 200, 200, 404, 200, 404, 404)
HEALTH_EDIT = profile(302, 200, 200, 403, 200, 404, 200, 404, 404)
HEALTH_EDIT_DONE = profile(302, 302, 302, 403, 302, 404, 302, 404, 404)
COVERAGE_VIEW = profile(302, 200, 404, 404, 404, 404, 200, 404, 404)
COVERAGE_EDIT = COVERAGE_VIEW
COVERAGE_EDIT_DONE = profile(302, 302, 404, 404, 404, 404, 302, 404, 404)
JOURNAL_VIEW = profile(302, 200, 200, 404, 404, 200, 404, 404, 404)
JOURNAL_EDIT = profile(302, 200, 200, 404, 404, 403, 404, 404, 404)
JOURNAL_EDIT_DONE = profile(302, 302, 302, 404, 404, 403, 404, 404, 404)
DOCUMENTS_VIEW = profile(302, 200, 404, 404, 404, 404, 404, 404, 404)
DOCUMENTS_EDIT_DONE = profile(302, 302, 404, 404, 404, 404, 404, 404, 404)
TEAM_VIEW = profile(302, 200, 200, 200, 200, 404, 200, 404, 404)
TEAM_EDIT = OWNER_ONLY
TEAM_EDIT_DONE = OWNER_ONLY_DONE
VISITS_VIEW = profile(302, 200, 404, 200, 200, 404, 404, 404, 404)
VISITS_EDIT = profile(302, 200, 404, 403, 200, 404, 404, 404, 404)
VISITS_EDIT_DONE = profile(302, 302, 404, 403, 302, 404, 404, 404, 404)
PLAN_VIEW = profile(302, 200, 200, 200, 200, 404, 404, 404, 404)
PLAN_EDIT = profile(302, 200, 200, 403, 200, 404, 404, 404, 404)
PLAN_EDIT_DONE = profile(302, 302, 302, 403, 302, 404, 404, 404, 404)
# Only the owner shares messages in the cast; the POSTs send an empty form back (200).
MESSAGES_VIEW = profile(302, 200, 404, 404, 404, 404, 404, 404, 404)
# Only owners change the care plan directly and decide on proposals.
PLAN_OWNER = profile(302, 200, 403, 403, 403, 404, 404, 404, 404)
PLAN_OWNER_DONE = profile(302, 302, 403, 403, 403, 404, 404, 404, 404)
INVITED = profile(200, 403, 403, 403, 200, 403, 403, 403, 403)  # invitation sent to editor@
PUBLIC_REDIRECT = profile(302, 302, 302, 302, 302, 302, 302, 302, 302)
PUBLIC_OK = profile(200, 200, 200, 200, 200, 200, 200, 200, 200)
PRACTICE_EDIT = profile(302, 403, 403, 403, 403, 403, 200, 403, 403)  # its administrators


# The operator pages: anonymous people are sent to the site's sign-in,
# everyone else signed in gets a 404 (accounts/admin_site.py).
def operator(status: int) -> dict[str, int]:
    return profile(302, 404, 404, 404, 404, 404, 404, 404, status)


# A practice's staff pages: its administrators only (the cast's coordinator is
# made an administrator of Sunrise Pediatrics in `world`).
PRACTICE_ADMIN = profile(302, 403, 403, 403, 403, 403, 200, 403, 403)
PRACTICE_ADMIN_DONE = profile(302, 403, 403, 403, 403, 403, 302, 403, 403)
STAFF_INVITED = profile(200, 403, 403, 403, 200, 403, 403, 403, 403)  # sent to editor@
STAFF_INVITED_DONE = profile(200, 403, 403, 403, 302, 403, 403, 403, 403)
# The FHIR API reads only a Bearer token: a signed-in session without one is refused.
API_WITHOUT_TOKEN = profile(401, 401, 401, 401, 401, 401, 401, 401, 401)
OWN_TOKEN = profile(302, 200, 404, 404, 404, 404, 404, 404, 404)  # the owner's token
OWN_TOKEN_DONE = profile(302, 302, 404, 404, 404, 404, 404, 404, 404)

# url name -> {method: expected per role}. For record kinds, POSTs send an
# empty form: allowed people get the form back with errors (200), deletes
# redirect (302).
RECORD_KINDS = {
    "conditions": (HEALTH_VIEW, HEALTH_EDIT, HEALTH_EDIT_DONE),
    "medicines": (HEALTH_VIEW, HEALTH_EDIT, HEALTH_EDIT_DONE),
    "allergies": (HEALTH_VIEW, HEALTH_EDIT, HEALTH_EDIT_DONE),
    "equipment": (HEALTH_VIEW, HEALTH_EDIT, HEALTH_EDIT_DONE),
    "immunizations": (HEALTH_VIEW, HEALTH_EDIT, HEALTH_EDIT_DONE),
    "measurements": (HEALTH_VIEW, HEALTH_EDIT, HEALTH_EDIT_DONE),
    "services": (HEALTH_VIEW, HEALTH_EDIT, HEALTH_EDIT_DONE),
    "insurance": (COVERAGE_VIEW, COVERAGE_EDIT, COVERAGE_EDIT_DONE),
    "journal": (JOURNAL_VIEW, JOURNAL_EDIT, JOURNAL_EDIT_DONE),
    "documents": (DOCUMENTS_VIEW, DOCUMENTS_VIEW, DOCUMENTS_EDIT_DONE),
    "team": (TEAM_VIEW, TEAM_EDIT, TEAM_EDIT_DONE),
}
COORDINATION_KINDS = {
    "visits": (VISITS_VIEW, VISITS_EDIT, VISITS_EDIT_DONE),
    "tasks": (PLAN_VIEW, PLAN_EDIT, PLAN_EDIT_DONE),
    "referrals": (PLAN_VIEW, PLAN_EDIT, PLAN_EDIT_DONE),
    "paperwork": (PLAN_VIEW, PLAN_EDIT, PLAN_EDIT_DONE),
    "meetings": (PLAN_VIEW, PLAN_EDIT, PLAN_EDIT_DONE),
}

MATRIX: dict[str, dict[str, dict[str, int]]] = {
    "home": {"GET": PUBLIC_OK},
    "healthz": {"GET": PUBLIC_OK},
    "children:create": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "children:overview": {"GET": ANY_GRANT},
    "children:profile": {"GET": ANY_GRANT},
    "children:update": {"GET": OWNER_ONLY, "POST": OWNER_ONLY},
    "children:delete": {"GET": OWNER_ONLY, "POST": OWNER_ONLY_DONE},
    "children:sharing": {"GET": OWNER_ONLY},
    "children:invite": {"GET": OWNER_ONLY, "POST": OWNER_ONLY},
    "children:enroll": {"GET": OWNER_ONLY, "POST": OWNER_ONLY},
    "children:grant-update": {"GET": OWNER_ONLY, "POST": OWNER_ONLY},
    "children:grant-revoke": {"GET": OWNER_ONLY, "POST": OWNER_ONLY_DONE},
    "children:invitation-cancel": {"POST": OWNER_ONLY_DONE},
    "children:access-log": {"GET": OWNER_ONLY},
    "children:invitation-accept": {"GET": INVITED},
    "fhir:export": {"GET": OWNER_ONLY},
    "fhir:export-download": {"GET": OWNER_ONLY},
    "fhir:import": {"GET": OWNER_ONLY, "POST": OWNER_ONLY},
    "fhir:import-new": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    # An import batch is seen only by the person who started it.
    "fhir:import-batch": {"GET": profile(302, 200, 404, 404, 404, 404, 404, 404, 404)},
    "fhir:import-confirm": {"POST": profile(302, 302, 404, 404, 404, 404, 404, 404, 404)},
    "fhir:import-cancel": {"POST": profile(302, 302, 404, 404, 404, 404, 404, 404, 404)},
    "fhir:tokens": {"GET": ANY_GRANT, "POST": ANY_GRANT},
    "fhir:token-revoke": {"GET": OWN_TOKEN, "POST": OWN_TOKEN_DONE},
    "fhir:api-metadata": {"GET": PUBLIC_OK},
    "fhir:api-search": {"GET": API_WITHOUT_TOKEN},
    "fhir:api-read": {"GET": API_WITHOUT_TOKEN},
    "fhir:api-everything": {"GET": API_WITHOUT_TOKEN},
    "records:document-download": {"GET": DOCUMENTS_VIEW},
    "accounts:profile": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:language": {"POST": PUBLIC_REDIRECT},
    "accounts:practice-list": {"GET": SIGNED_IN},
    "accounts:practice-detail": {"GET": SIGNED_IN},
    "accounts:practice-create": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts:practice-update": {"GET": PRACTICE_EDIT, "POST": PRACTICE_EDIT},
    "accounts:practice-staff": {"GET": PRACTICE_ADMIN},
    "accounts:practice-staff-invite": {"GET": PRACTICE_ADMIN, "POST": PRACTICE_ADMIN},
    "accounts:practice-staff-update": {"GET": PRACTICE_ADMIN, "POST": PRACTICE_ADMIN},
    "accounts:practice-staff-invitation-cancel": {"POST": PRACTICE_ADMIN_DONE},
    "accounts:staff-invitation": {"GET": STAFF_INVITED, "POST": STAFF_INVITED_DONE},
    # The operator pages. The admin's own login never checks a password: it
    # sends to allauth's sign-in, or to the index once signed in.
    "admin:index": {"GET": operator(200)},
    "admin:login": {"GET": operator(302), "POST": operator(302)},
    "admin:logout": {"POST": operator(302)},
    "admin:password_change": {"GET": operator(302), "POST": operator(302)},
    "admin:password_change_done": {"GET": operator(200)},
    "admin:jsi18n": {"GET": operator(200)},
    "admin:app_list": {"GET": operator(200)},
    "admin:autocomplete": {"GET": operator(403)},
    "admin:view_on_site": {"GET": operator(302)},
    "admin:accounts_user_changelist": {"GET": operator(200)},
    "admin:accounts_user_add": {"GET": operator(403), "POST": operator(403)},
    "admin:accounts_user_change": {"GET": operator(200), "POST": operator(200)},
    "admin:accounts_user_delete": {"GET": operator(403), "POST": operator(403)},
    "admin:accounts_user_history": {"GET": operator(200)},
    "admin:accounts_practice_changelist": {"GET": operator(200)},
    "admin:accounts_practice_add": {"GET": operator(200), "POST": operator(200)},
    "admin:accounts_practice_change": {"GET": operator(200), "POST": operator(200)},
    "admin:accounts_practice_delete": {"GET": operator(200)},
    "admin:accounts_practice_history": {"GET": operator(200)},
    "admin:accounts_practice_invite_admin": {"GET": operator(200), "POST": operator(200)},
    "admin:mfa_authenticator_changelist": {"GET": operator(200)},
    "admin:mfa_authenticator_add": {"GET": operator(403)},
    "admin:mfa_authenticator_change": {"GET": operator(200), "POST": operator(403)},
    "admin:mfa_authenticator_delete": {"GET": operator(200)},
    "admin:mfa_authenticator_history": {"GET": operator(200)},
    "admin:account_emailaddress_changelist": {"GET": operator(200)},
    "admin:account_emailaddress_add": {"GET": operator(403)},
    "admin:account_emailaddress_change": {"GET": operator(200), "POST": operator(403)},
    "admin:account_emailaddress_delete": {"GET": operator(403)},
    "admin:account_emailaddress_history": {"GET": operator(200)},
    "coordination:my-tasks": {"GET": SIGNED_IN},
    "coordination:visit-detail": {"GET": VISITS_VIEW},
    "coordination:visit-sheet": {"GET": VISITS_VIEW},
    "coordination:visit-record": {"GET": VISITS_EDIT, "POST": VISITS_EDIT},
    "coordination:question-add": {"POST": VISITS_EDIT_DONE},
    "coordination:question-move": {"POST": VISITS_EDIT_DONE},
    "coordination:question-delete": {"POST": VISITS_EDIT_DONE},
    "coordination:task-status": {"POST": PLAN_EDIT_DONE},
    "coordination:referral-detail": {"GET": PLAN_VIEW},
    "coordination:referral-step": {"POST": PLAN_EDIT},
    "coordination:referral-end": {"POST": PLAN_EDIT_DONE},
    "coordination:paperwork-queue": {"GET": SIGNED_IN},
    "coordination:paperwork-detail": {"GET": PLAN_VIEW},
    "coordination:paperwork-start": {"POST": PLAN_EDIT_DONE},
    "coordination:paperwork-complete": {"POST": PLAN_EDIT},
    "coordination:my-messages": {"GET": SIGNED_IN},
    "coordination:thread-list": {"GET": MESSAGES_VIEW},
    "coordination:thread-create": {"GET": MESSAGES_VIEW, "POST": MESSAGES_VIEW},
    "coordination:thread-detail": {"GET": MESSAGES_VIEW},
    "coordination:message-add": {"POST": MESSAGES_VIEW},
    "coordination:meeting-detail": {"GET": PLAN_VIEW},
    "coordination:meeting-agenda": {"GET": PLAN_EDIT, "POST": PLAN_EDIT},
    "coordination:meeting-agenda-move": {"POST": PLAN_EDIT_DONE},
    "coordination:meeting-agenda-delete": {"POST": PLAN_EDIT_DONE},
    "coordination:meeting-record": {"GET": PLAN_EDIT, "POST": PLAN_EDIT},
    "coordination:plan": {"GET": PLAN_VIEW},
    "coordination:plan-about": {"GET": PLAN_EDIT, "POST": PLAN_EDIT},
    "coordination:plan-goal-create": {"GET": PLAN_EDIT, "POST": PLAN_EDIT},
    "coordination:plan-goal-update": {"GET": PLAN_EDIT, "POST": PLAN_EDIT},
    "coordination:plan-goal-delete": {"GET": PLAN_OWNER, "POST": PLAN_OWNER_DONE},
    "coordination:plan-need-create": {"GET": PLAN_EDIT, "POST": PLAN_EDIT},
    "coordination:plan-need-update": {"GET": PLAN_EDIT, "POST": PLAN_EDIT},
    "coordination:plan-need-delete": {"GET": PLAN_OWNER, "POST": PLAN_OWNER_DONE},
    "coordination:plan-proposal-accept": {"POST": PLAN_OWNER_DONE},
    "coordination:plan-proposal-decline": {"POST": PLAN_OWNER_DONE},
    "coordination:plan-agree": {"POST": PLAN_OWNER_DONE},
    "coordination:plan-history": {"GET": PLAN_VIEW},
    "coordination:plan-version": {"GET": PLAN_VIEW},
    "coordination:plan-share": {"GET": PLAN_OWNER, "POST": PLAN_OWNER},
    "coordination:plan-share-revoke": {"POST": PLAN_OWNER_DONE},
    "coordination:plan-shared": {"GET": PUBLIC_OK},
    "coordination:calendar": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    # The token is the credential (the owner's feed here): it opens for anyone holding it.
    "coordination:calendar-feed": {"GET": PUBLIC_OK},
}
for _ns, _kinds in (("records", RECORD_KINDS), ("coordination", COORDINATION_KINDS)):
    for _slug, (_view, _edit, _done) in _kinds.items():
        MATRIX[f"{_ns}:{_slug}-list"] = {"GET": _view}
        MATRIX[f"{_ns}:{_slug}-create"] = {"GET": _edit, "POST": _edit}
        MATRIX[f"{_ns}:{_slug}-update"] = {"GET": _edit, "POST": _edit}
        MATRIX[f"{_ns}:{_slug}-delete"] = {"GET": _edit, "POST": _done}

# Pages that hold no child data: django-allauth's sign-in, sign-up, password
# and two-step sign-in pages (allauth tests them).
PUBLIC_PREFIXES = ("account_", "mfa_")

TOKEN = "matrix-invitation-token"


@pytest.fixture
def world(cast: dict[str, Any]) -> dict[str, Any]:
    child = cast["child"]
    today = timezone.localdate()
    items = {
        "conditions": Condition.objects.create(child=child, name="Epilepsy"),
        "medicines": Medication.objects.create(
            child=child, name="Keppra", dose="5 ml", schedule="twice a day"
        ),
        "allergies": Allergy.objects.create(child=child, substance="Latex"),
        "equipment": Equipment.objects.create(child=child, name="Wheelchair"),
        "immunizations": Immunization.objects.create(child=child, vaccine="Flu", given_on=today),
        "measurements": Measurement.objects.create(
            child=child, kind="weight", value=20, unit="kg", measured_on=today
        ),
        "services": Service.objects.create(child=child, name="Physical therapy"),
        "insurance": Coverage.objects.create(
            child=child,
            payer="Medicaid",
            member_id="M1",
            is_medicaid=True,
            renewal_on=today + timedelta(days=90),
        ),
        "journal": JournalEntry.objects.create(child=child, title="First steps"),
        "team": CareTeamMember.objects.create(child=child, name="Dr. No Account", role="pcp"),
    }
    document = Document(child=child, title="Report", content_type="application/pdf", size=9)
    document.file.save("report.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    document.save()
    items["documents"] = document
    visit = Visit.objects.create(
        child=child, starts_at=timezone.now() + timedelta(days=3), purpose="Seizure check"
    )
    items["visits"] = visit
    items["questions"] = VisitQuestion.objects.create(
        child=child, visit=visit, text="Can we lower the dose?", position=1
    )
    items["tasks"] = Task.objects.create(child=child, title="Book the EEG")
    items["referrals"] = Referral.objects.create(
        child=child, to_specialty="Orthopedics", reason="Hip"
    )
    items["paperwork"] = PaperworkRequest.objects.create(
        child=child,
        kind="necessity",
        title="Wheelchair letter",
        asked_of=items["team"],
        due_on=today + timedelta(days=10),
    )
    items["meetings"] = Meeting.objects.create(
        child=child, starts_at=timezone.now() + timedelta(days=7), purpose="School year plan"
    )
    items["agenda"] = AgendaItem.objects.create(
        child=child, meeting=items["meetings"], text="Seating", position=1
    )
    plan = CarePlan.objects.create(child=child, strengths="Loves music")
    items["goal"] = Goal.objects.create(child=child, plan=plan, text="Walk 10 steps")
    items["need"] = Need.objects.create(child=child, plan=plan, text="Respite")
    version = services_plan._publish(actor="system:test", plan=plan, note="")
    items["proposal"] = PlanProposal.objects.create(
        child=child, plan=plan, kind="goal_add", data={"text": "Swim"}, base_number=1
    )
    items["plan_link"], items["plan_token"] = services_plan.share_link_create(
        actor=cast["owner"], version=version, label="Camp", days=7
    )
    items["thread"] = Thread.objects.create(child=child, subject="Night seizures")
    items["thread"].participants.add(items["team"])
    Message.objects.create(
        child=child, thread=items["thread"], author_name="Owner", body="Worse this week."
    )
    CalendarFeed.objects.create(user=cast["owner"], token_hash=CalendarFeed.hash_token(TOKEN))
    import_batch = ImportBatch.objects.create(
        child=child, created_by=cast["owner"], kind="fhir", file_digest="0" * 64
    )
    items["fhir_token"] = ApiToken.objects.create(
        user=cast["owner"], child=child, name="App", token_hash="1" * 64, scopes="patient/*.read"
    )
    invitation = Invitation.objects.create(
        child=child,
        email="editor@example.org",
        kind="team",
        scopes=",summary,",
        token_hash=Invitation.hash_token(TOKEN),
        expires_at=timezone.now() + timedelta(days=3),
        invited_by=cast["owner"],
    )
    # The coordinator administers Sunrise Pediatrics (for the staff pages);
    # the role does not change what staff see of enrolled children.
    staff_member = PracticeStaff.objects.get(user=cast["coordinator"])
    staff_member.role = PracticeStaff.Role.ADMIN
    staff_member.save()
    staff_invitation = PracticeInvitation.objects.create(
        practice=cast["practice"],
        email="editor@example.org",
        role=PracticeStaff.Role.NURSE,
        token_hash=PracticeInvitation.hash_token(TOKEN),
        invited_by=cast["coordinator"],
        expires_at=timezone.now() + timedelta(days=3),
    )
    return {
        **cast,
        "items": items,
        "invitation": invitation,
        "import_batch": import_batch,
        "staff_member": staff_member,
        "staff_invitation": staff_invitation,
    }


def admin_url_for(name: str, w: dict[str, Any]) -> str:
    """The operator pages, each pointed at a real row where it takes one."""
    rows = {
        "accounts_user": w["owner"].pk,
        "accounts_practice": w["practice"].pk,
        "mfa_authenticator": Authenticator.objects.filter(user=w["coordinator"]).first().pk,
        "account_emailaddress": EmailAddress.objects.get(user=w["owner"]).pk,
    }
    short = name.removeprefix("admin:")
    if short == "app_list":
        return reverse(name, args=["accounts"])
    if short == "view_on_site":
        content_type = ContentType.objects.get_for_model(Practice)
        return reverse(name, args=[content_type.pk, w["practice"].pk])
    model, _sep, action = short.rpartition("_")
    if model == "accounts_practice_invite":
        return reverse(name, args=[w["practice"].pk])
    if model in rows and action in ("change", "delete", "history"):
        return reverse(name, args=[rows[model]])
    return reverse(name)


def url_for(name: str, w: dict[str, Any]) -> str:
    child = w["child"].uuid
    items = w["items"]
    if name.startswith("admin:"):
        return admin_url_for(name, w)
    if name == "accounts:staff-invitation":
        return reverse(name, args=[TOKEN])
    if name == "accounts:practice-staff-update":
        return reverse(name, args=[w["practice"].uuid, w["staff_member"].uuid])
    if name == "accounts:practice-staff-invitation-cancel":
        return reverse(name, args=[w["practice"].uuid, w["staff_invitation"].uuid])
    if name == "coordination:calendar":
        return reverse(name)
    if name == "coordination:calendar-feed":
        return reverse(name, args=[TOKEN])
    if name == "coordination:my-messages":
        return reverse(name)
    if name in ("coordination:thread-detail", "coordination:message-add"):
        return reverse(name, args=[child, items["thread"].uuid])
    if name.startswith("coordination:plan"):
        if name == "coordination:plan-shared":
            return reverse(name, args=[items["plan_token"]])
        if name.startswith(("coordination:plan-goal-", "coordination:plan-need-")):
            key = name.split("-")[1]
            if not name.endswith("-create"):
                return reverse(name, args=[child, items[key].uuid])
        if name.startswith("coordination:plan-proposal-"):
            return reverse(name, args=[child, items["proposal"].uuid])
        if name == "coordination:plan-version":
            return reverse(name, args=[child, 1])
        if name == "coordination:plan-share-revoke":
            return reverse(name, args=[child, items["plan_link"].uuid])
        return reverse(name, args=[child])
    if name in ("coordination:question-move", "coordination:question-delete"):
        return reverse(name, args=[child, items["visits"].uuid, items["questions"].uuid])
    if name in (
        "coordination:visit-detail",
        "coordination:visit-sheet",
        "coordination:visit-record",
        "coordination:question-add",
    ):
        return reverse(name, args=[child, items["visits"].uuid])
    if name in ("coordination:meeting-agenda-move", "coordination:meeting-agenda-delete"):
        return reverse(name, args=[child, items["meetings"].uuid, items["agenda"].uuid])
    if name in (
        "coordination:meeting-detail",
        "coordination:meeting-agenda",
        "coordination:meeting-record",
    ):
        return reverse(name, args=[child, items["meetings"].uuid])
    if name == "coordination:task-status":
        return reverse(name, args=[child, items["tasks"].uuid])
    if name in (
        "coordination:referral-detail",
        "coordination:referral-step",
        "coordination:referral-end",
    ):
        return reverse(name, args=[child, items["referrals"].uuid])
    if name in ("coordination:my-tasks", "coordination:paperwork-queue"):
        return reverse(name)
    if name in (
        "coordination:paperwork-detail",
        "coordination:paperwork-start",
        "coordination:paperwork-complete",
    ):
        return reverse(name, args=[child, items["paperwork"].uuid])
    if name.startswith(("records:", "coordination:")) and name != "records:document-download":
        slug, action = name.split(":")[1].rsplit("-", 1)
        if action in ("list", "create"):
            return reverse(name, args=[child])
        return reverse(name, args=[child, w["items"][slug].uuid])
    if name == "records:document-download":
        return reverse(name, args=[child, w["items"]["documents"].uuid])
    if name in ("children:grant-update", "children:grant-revoke"):
        viewer_grant = CareTeamMember.objects.get(user=w["viewer"])
        return reverse(name, args=[child, "team", viewer_grant.uuid])
    if name == "children:invitation-cancel":
        return reverse(name, args=[child, w["invitation"].uuid])
    if name == "children:invitation-accept":
        return reverse(name, args=[TOKEN])
    if name.startswith("accounts:practice-") and name not in (
        "accounts:practice-list",
        "accounts:practice-create",
    ):
        return reverse(name, args=[w["practice"].uuid])
    if name in ("fhir:export", "fhir:export-download", "fhir:import"):
        return reverse(name, args=[child])
    if name in ("fhir:import-batch", "fhir:import-confirm", "fhir:import-cancel"):
        return reverse(name, args=[w["import_batch"].uuid])
    if name == "fhir:tokens":
        return reverse(name, args=[child])
    if name == "fhir:token-revoke":
        return reverse(name, args=[child, items["fhir_token"].uuid])
    if name == "fhir:api-search":
        return reverse(name, args=["Condition"])
    if name == "fhir:api-read":
        return reverse(name, args=["Condition", str(items["conditions"].uuid)])
    if name == "fhir:api-everything":
        return reverse(name, args=[str(child)])
    if name.startswith("children:") and name != "children:create":
        return reverse(name, args=[child])
    return reverse(name)


CASES = [
    pytest.param(name, method, role, expected[role], id=f"{name}-{method}-{role}")
    for name, methods in MATRIX.items()
    for method, expected in methods.items()
    for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "role", "status"), CASES)
def test_matrix(
    client: Any, world: dict[str, Any], name: str, method: str, role: str, status: int
) -> None:
    if role != "anonymous":
        sign_in(client, world[role])
    url = url_for(name, world)
    response = client.get(url) if method == "GET" else client.post(url, {})
    assert response.status_code == status, f"{role} {method} {url}"


def _names(patterns: list[Any], namespace: str | None = None) -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            found |= _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return found


def test_every_url_is_classified() -> None:
    names = _names(get_resolver().url_patterns)
    unclassified = sorted(n for n in names if n not in MATRIX and not n.startswith(PUBLIC_PREFIXES))
    assert not unclassified, f"Add these URLs to the access matrix: {unclassified}"
    unknown = sorted(n for n in MATRIX if n not in names)
    assert not unknown, f"The matrix names URLs that no longer exist: {unknown}"


def test_anonymous_is_sent_to_sign_in(client: Any, world: dict[str, Any]) -> None:
    response = client.get(url_for("children:overview", world))
    assert response["Location"].startswith(reverse("account_login"))


def _first_allowed_role(expected: dict[str, int]) -> str | None:
    return next((r for r in ROLES if r != "anonymous" and expected.get(r) == 200), None)


def test_every_signed_in_page_is_private_no_store(client: Any, world: dict[str, Any]) -> None:
    """(d)(7): no browser or proxy keeps a copy of a page seen while signed in."""
    checked = 0
    for name, methods in MATRIX.items():
        role = _first_allowed_role(methods.get("GET", {}))
        if role is None:
            continue
        client.logout()
        sign_in(client, world[role])
        response = client.get(url_for(name, world))
        assert response.status_code == 200, name
        cache_control = response.get("Cache-Control", "")
        assert "no-store" in cache_control and "private" in cache_control, (
            f"{name} as {role}: Cache-Control {cache_control!r}"
        )
        checked += 1
    assert checked > 100


def test_pages_opened_by_a_link_token_are_not_stored(client: Any, world: dict[str, Any]) -> None:
    """Share links, the calendar feed and invitations carry a child's data without a session."""
    for name in (
        "coordination:plan-shared",
        "coordination:calendar-feed",
        "children:invitation-accept",
        "accounts:staff-invitation",
    ):
        response = client.get(url_for(name, world))
        assert response.status_code == 200, name
        assert "no-store" in response.get("Cache-Control", ""), name


# Operator escalation ----------------------------------------------------------
#
# What an operator tried in the hardening review, and what else an operator
# account could try to reach a child: each must fail.

ADMIN_URLS = sorted(n for n in MATRIX if n.startswith("admin:"))


@pytest.mark.parametrize("name", ADMIN_URLS)
def test_operator_without_a_second_factor_is_sent_to_set_one_up(
    client: Any, world: dict[str, Any], name: str
) -> None:
    Authenticator.objects.filter(user=world["operator"]).delete()
    sign_in(client, world["operator"], second_factor=False)
    method = "GET" if "GET" in MATRIX[name] else "POST"
    url = url_for(name, world)
    response = client.get(url) if method == "GET" else client.post(url, {})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index"), name


@pytest.mark.parametrize("name", ADMIN_URLS)
def test_operator_who_did_not_use_the_second_factor_is_refused(
    client: Any, world: dict[str, Any], name: str
) -> None:
    sign_in(client, world["operator"], second_factor=False)
    method = "GET" if "GET" in MATRIX[name] else "POST"
    url = url_for(name, world)
    response = client.get(url) if method == "GET" else client.post(url, {})
    assert response.status_code == 403, name
    assert reverse("mfa_reauthenticate") in response.content.decode()


def _practice_form(practice: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "name": practice.name,
        "phone": practice.phone,
        "after_hours_phone": practice.after_hours_phone,
        "nurse_line": practice.nurse_line,
        "staff-TOTAL_FORMS": "1",
        "staff-INITIAL_FORMS": "1",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1000",
    }
    return data | extra


def _add_staff_through_the_practice_form(client: Any, w: dict[str, Any]) -> None:
    member = PracticeStaff.objects.get(user=w["coordinator"])
    data = _practice_form(
        w["practice"],
        **{
            "staff-TOTAL_FORMS": "2",
            "staff-0-id": str(member.pk),
            "staff-0-practice": str(w["practice"].pk),
            "staff-0-role": "billing",
            "staff-1-practice": str(w["practice"].pk),
            "staff-1-user": str(w["other_family"].pk),
            "staff-1-role": "admin",
            "staff-1-is_active": "on",
        },
    )
    client.post(url_for("admin:accounts_practice_change", w), data)
    assert not PracticeStaff.objects.filter(user=w["other_family"]).exists()
    assert PracticeStaff.objects.get(pk=member.pk).role == PracticeStaff.Role.ADMIN


def _set_a_password(client: Any, w: dict[str, Any]) -> None:
    url = reverse("admin:accounts_user_change", args=[w["owner"].pk]) + "password/"
    before = w["owner"].password
    response = client.post(
        url, {"password1": "new pass phrase 1", "password2": "new pass phrase 1"}
    )
    assert response.status_code in (302, 404)
    w["owner"].refresh_from_db()
    assert w["owner"].password == before


def _create_an_account(client: Any, w: dict[str, Any]) -> None:
    response = client.post(
        url_for("admin:accounts_user_add", w),
        {"email": "new@example.org", "password1": "x" * 20, "password2": "x" * 20},
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="new@example.org").exists()


def _mark_an_email_verified(client: Any, w: dict[str, Any]) -> None:
    address = EmailAddress.objects.get(user=w["owner"])
    EmailAddress.objects.filter(pk=address.pk).update(verified=False)
    client.post(
        url_for("admin:account_emailaddress_changelist", w),
        {"action": "make_verified", "_selected_action": [str(address.pk)]},
    )
    client.post(url_for("admin:account_emailaddress_change", w), {"verified": "on"})
    assert not EmailAddress.objects.get(pk=address.pk).verified


def _change_someones_email(client: Any, w: dict[str, Any]) -> None:
    client.post(
        url_for("admin:accounts_user_change", w),
        {"email": "takeover@example.org", "name": "Owner", "language": "en", "is_active": "on"},
    )
    w["owner"].refresh_from_db()
    assert w["owner"].email == "owner@example.org"


def _see_a_second_factor_secret(client: Any, w: dict[str, Any]) -> None:
    authenticator = Authenticator.objects.get(user=w["coordinator"], type="totp")
    page = client.get(url_for("admin:mfa_authenticator_change", w)).content.decode()
    assert "Coordinator" in page or "coordinator@example.org" in page
    assert authenticator.data["secret"] not in page
    assert authenticator.data["secret"].startswith("fernet:")


def _manage_a_practices_staff(client: Any, w: dict[str, Any]) -> None:
    for name in ("accounts:practice-staff", "accounts:practice-staff-invite"):
        assert client.get(url_for(name, w)).status_code == 403
    response = client.post(
        url_for("accounts:practice-staff-invite", w),
        {"email": "operator@example.org", "role": "admin"},
    )
    assert response.status_code == 403


def _join_a_practice_by_invitation(client: Any, w: dict[str, Any]) -> None:
    from accounts import staff

    _invitation, token = staff.staff_invite(
        actor=w["coordinator"],
        practice=w["practice"],
        email=w["operator"].email,
        role=PracticeStaff.Role.NURSE,
    )
    response = client.post(reverse("accounts:staff-invitation", args=[token]))
    assert response.status_code == 403
    assert not PracticeStaff.objects.filter(user=w["operator"]).exists()


def _invite_an_administrator_without_a_reason(client: Any, w: dict[str, Any]) -> None:
    response = client.post(
        url_for("admin:accounts_practice_invite_admin", w), {"email": "boss@example.org"}
    )
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert not PracticeInvitation.objects.filter(email="boss@example.org").exists()


def _open_the_childs_pages(client: Any, w: dict[str, Any]) -> None:
    for name in ("children:overview", "children:access-log", "records:documents-list"):
        assert client.get(url_for(name, w)).status_code == 404


ESCALATIONS = {
    "add staff through the practice form": _add_staff_through_the_practice_form,
    "set someone's password": _set_a_password,
    "create an account": _create_an_account,
    "mark an email address verified": _mark_an_email_verified,
    "change someone's email address": _change_someones_email,
    "read a two-step secret": _see_a_second_factor_secret,
    "manage a practice's staff on the practice pages": _manage_a_practices_staff,
    "join a practice through an invitation": _join_a_practice_by_invitation,
    "invite an administrator without a reason": _invite_an_administrator_without_a_reason,
    "open the child's pages": _open_the_childs_pages,
}


@pytest.mark.parametrize("attempt", ESCALATIONS, ids=list(ESCALATIONS))
def test_operator_escalation_fails(client: Any, world: dict[str, Any], attempt: str) -> None:
    sign_in(client, world["operator"])
    assert client.get(reverse("admin:index")).status_code == 200
    ESCALATIONS[attempt](client, world)


CHILD_DATA = ("Maya", "Epilepsy", "Keppra", "Latex", "Seizure check", "Night seizures")


def test_nothing_in_the_operator_pages_leads_to_a_childs_data(
    client: Any, world: dict[str, Any]
) -> None:
    """Follow every link under /operator/ as the operator: no child's data, no child's page."""
    sign_in(client, world["operator"])
    child_uuid = str(world["child"].uuid)
    start = reverse("admin:index")
    seen, queue = {start}, [start]
    while queue:
        url = queue.pop()
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        for text in (*CHILD_DATA, child_uuid):
            assert text not in page, f"{text!r} on {url}"
        for link in re.findall(r'href="([^"#]+)', page):
            link = html.unescape(link)
            assert not link.startswith("/children/"), f"{url} links to {link}"
            if link.startswith(start) and "logout" not in link and link not in seen:
                seen.add(link)
                queue.append(link)
    assert len(seen) > 20
