"""Who may see or change what: the one rule book.

Invariants this module protects (and ``tests/test_access_*`` prove):

* A person reaches a child only through a live grant: a ``Guardianship``
  (owner or caregiver), a ``CareTeamMember`` linked to their account, or a
  ``PracticeEnrollment`` of a practice where they are active staff. A grant is
  live from ``starts_on`` to ``ends_on`` and until ``revoked_at``; revocation
  takes effect on the next request.
* Owners have every permission; everyone else has ``<scope>.view`` for each
  shared scope and ``<scope>.edit`` as well when the grant allows writing.
  ``record.view`` means "has some live grant on this child".
* Owner-only actions (sharing, the access log, the child's profile, the team
  list) are never granted to anyone else.
* Operators (``is_staff``) have no standing access to any child: grants made
  to them by name still count, but being listed as staff of a practice (which
  they could do themselves in the admin) does not.
* Not visible means 404; visible but not allowed means 403.

Views, forms, downloads and exports call these functions; nothing else
filters child data by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PracticeStaff

from .models import ALL_SCOPES, CareTeamMember, Child, Guardianship, PracticeEnrollment
from .queries import ANY_DAY, ANY_USER, named_sql

RECORD_VIEW = "record.view"
OWNER_ONLY = frozenset(
    {
        "child.edit",
        "child.delete",
        "sharing.manage",
        "audit.view",
        "team.edit",
        "record.export",
        "record.import",
    }
)
ALL_PERMS = frozenset(
    {RECORD_VIEW}
    | {f"{s}.view" for s in ALL_SCOPES}
    | {f"{s}.edit" for s in ALL_SCOPES}
    | OWNER_ONLY
)

# Which scopes let a person see a kind of record, and which one lets them
# change it. The emergency summary shows conditions, allergies, medicines,
# equipment and the team, so those are visible with `summary` too.
MODEL_RULES: dict[str, tuple[tuple[str, ...], str]] = {
    "records.condition": (("health", "summary"), "health.edit"),
    "records.medication": (("health", "summary"), "health.edit"),
    "records.allergy": (("health", "summary"), "health.edit"),
    "records.equipment": (("health", "summary"), "health.edit"),
    "records.immunization": (("health",), "health.edit"),
    "records.measurement": (("health",), "health.edit"),
    "records.service": (("health",), "health.edit"),
    "records.coverage": (("coverage",), "coverage.edit"),
    "records.journalentry": (("journal",), "journal.edit"),
    "records.document": (("documents",), "documents.edit"),
    "children.careteammember": (("summary",), "team.edit"),
    "coordination.visit": (("visits",), "visits.edit"),
    "coordination.visitquestion": (("visits",), "visits.edit"),
    "coordination.task": (("plan",), "plan.edit"),
    "coordination.referral": (("plan",), "plan.edit"),
    "coordination.paperworkrequest": (("plan",), "plan.edit"),
    # Messages: the scope is the door; which threads are behind it is
    # visible_threads() (a team member sees only threads addressed to them).
    "coordination.thread": (("messages",), "messages.edit"),
    "coordination.message": (("messages",), "messages.edit"),
    "coordination.careplan": (("plan",), "plan.edit"),
    "coordination.careplanversion": (("plan",), "plan.edit"),
    "coordination.goal": (("plan",), "plan.edit"),
    "coordination.need": (("plan",), "plan.edit"),
    "coordination.planproposal": (("plan",), "plan.edit"),
    "coordination.meeting": (("plan",), "plan.edit"),
    "coordination.agendaitem": (("plan",), "plan.edit"),
}

_CACHE_ATTR = "_homebase_perms"
_IDS_ATTR = "_homebase_visible_ids"
THREAD = "coordination.thread"  # named, not imported: coordination is a higher layer


# Live grants ---------------------------------------------------------------


def live_grant(on: date | None = None) -> Q:
    """The one definition of a grant in force on ``on`` (today by default).

    Started, not ended, not revoked. ``GrantQuerySet.live()`` filters with it,
    ``Grant.is_live()`` evaluates it on a row in memory (``holds``), and the
    two raw statements (the child page's owner test, the menu's unread count)
    are compiled from ORM queries that use it (``_named_sql``): there is no
    second copy to drift.
    """
    on = on or timezone.localdate()
    return Q(revoked_at__isnull=True, starts_on__lte=on) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def view_perms(model: type[models.Model]) -> tuple[str, ...]:
    scopes, _ = MODEL_RULES[model._meta.label_lower]
    return tuple(f"{s}.view" for s in scopes)


def edit_perm(model: type[models.Model]) -> str:
    return MODEL_RULES[model._meta.label_lower][1]


def _has_scope(scopes: Iterable[str] | None, write: bool) -> Q:
    q = Q()
    if scopes is not None:
        any_scope = Q(pk__in=[])
        for scope in scopes:
            any_scope |= Q(scopes__contains=f",{scope},")
        q &= any_scope
    if write:
        q &= Q(can_write=True)
    return q


def _split(perms: Iterable[str]) -> tuple[set[str] | None, bool, bool]:
    """Turn wanted perms into (scopes or None for any, needs write, owner only)."""
    perms = list(perms)
    if any(p in OWNER_ONLY for p in perms):
        return set(), False, True
    if RECORD_VIEW in perms:
        return None, False, False
    scopes = {p.split(".")[0] for p in perms}
    write = all(p.endswith(".edit") for p in perms)
    return scopes, write, False


def _practice_grants(user: Any) -> QuerySet[PracticeEnrollment]:
    """Live enrollments that reach ``user`` as active staff of the practice.

    Never an operator's: they could list themselves as staff in the admin.
    """
    if user.is_staff:
        return PracticeEnrollment.objects.none()
    return PracticeEnrollment.objects.live().filter(
        practice__staff__user=user, practice__staff__is_active=True
    )


def visible_children(user: Any, perm: str | Iterable[str] = RECORD_VIEW) -> QuerySet[Child]:
    """Children on which ``user`` holds any of ``perm`` through a live grant."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Child.objects.none()
    perms = [perm] if isinstance(perm, str) else list(perm)
    scopes, write, owner_only = _split(perms)
    owners = Guardianship.objects.live().filter(user=user, role=Guardianship.Role.OWNER)
    q = Q(id__in=owners.values("child_id"))
    if not owner_only:
        grant = _has_scope(scopes, write)
        caregivers = Guardianship.objects.live().filter(
            grant, user=user, role=Guardianship.Role.CAREGIVER
        )
        team = CareTeamMember.objects.live().filter(grant, user=user)
        q |= Q(id__in=caregivers.values("child_id"))
        q |= Q(id__in=team.values("child_id"))
        q |= Q(id__in=_practice_grants(user).filter(grant).values("child_id"))
    return Child.objects.filter(q)


def perms_for(user: Any, child: Child) -> frozenset[str]:
    """Every permission ``user`` holds on ``child`` (cached for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cache: dict[int, frozenset[str]] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if child.pk in cache:
        return cache[child.pk]
    grants: list[Any] = list(Guardianship.objects.live().filter(user=user, child=child))
    if any(g.role == Guardianship.Role.OWNER for g in grants):
        cache[child.pk] = ALL_PERMS
        return ALL_PERMS
    grants += list(CareTeamMember.objects.live().filter(user=user, child=child))
    grants += list(_practice_grants(user).filter(child=child))
    perms: set[str] = set()
    for grant in grants:
        perms.add(RECORD_VIEW)
        for scope in grant.scope_list:
            perms.add(f"{scope}.view")
            if grant.can_write:
                perms.add(f"{scope}.edit")
    cache[child.pk] = frozenset(perms)
    return cache[child.pk]


def how_shared(user: Any, child_ids: Iterable[int]) -> tuple[dict[int, str], set[int]]:
    """How ``user`` reaches each of the children (in words), and which ones they own.

    For the home page; the same live grants as ``visible_children``.
    """
    ids = list(child_ids)
    how: dict[int, str] = {}
    owned: set[int] = set()
    for g in Guardianship.objects.live().filter(user=user, child_id__in=ids):
        how[g.child_id] = g.get_role_display()
        if g.role == Guardianship.Role.OWNER:
            owned.add(g.child_id)
    for m in CareTeamMember.objects.live().filter(user=user, child_id__in=ids):
        how.setdefault(m.child_id, m.get_role_display())
    for e in _practice_grants(user).filter(child_id__in=ids).select_related("practice"):
        how.setdefault(e.child_id, _("staff of %(practice)s") % {"practice": e.practice.name})
    return how, owned


def forget(user: Any) -> None:
    """Drop the per-request cache after a grant changes."""
    user.__dict__.pop(_CACHE_ATTR, None)
    user.__dict__.pop(_IDS_ATTR, None)


def can(user: Any, perm: str, child: Child) -> bool:
    return perm in perms_for(user, child)


def can_view(perms: frozenset[str], model: type[models.Model]) -> bool:
    return any(p in perms for p in view_perms(model))


@lru_cache(maxsize=4)
def _child_sql(vendor: str) -> tuple[str, dict[str, Any]]:
    """The child page's first statement, built once per process and database."""
    owners = Guardianship.objects.live(ANY_DAY).filter(
        user_id=ANY_USER, role=Guardianship.Role.OWNER
    )
    owned, constants = named_sql(owners.values("child_id"))
    table = connection.ops.quote_name(Child._meta.db_table)
    sql = f"SELECT c.*, c.id IN ({owned}) AS is_owner FROM {table} c WHERE c.uuid = %(uuid)s"  # noqa: S608
    return sql, constants


def _child_and_ownership(user: Any, child_uuid: UUID | str) -> tuple[Child, bool]:
    """The child, and whether ``user`` is a live owner of it, in one statement.

    Every child page starts here, so this is one fixed SQL statement instead
    of an ORM query compiled per request; it is compiled once from the ORM
    rule itself (``live_grant``).
    """
    try:
        value = UUID(str(child_uuid))
    except ValueError:
        raise Http404 from None
    signed_in = getattr(user, "is_authenticated", False) and user.is_active
    sql, constants = _child_sql(connection.vendor)
    params = {
        **constants,
        "user": user.pk if signed_in else None,
        "today": connection.ops.adapt_datefield_value(timezone.localdate()),
        "uuid": Child._meta.get_field("uuid").get_db_prep_value(value, connection),
    }
    found = list(Child.objects.raw(sql, params))
    if not found:
        raise Http404
    return found[0], bool(signed_in and found[0].is_owner)  # type: ignore[attr-defined]


def get_child_for(user: Any, child_uuid: UUID | str, perm: str | Iterable[str]) -> Child:
    """The child, if ``user`` holds one of ``perm``.

    404 when the child is not visible to the user at all, or the scope the
    page belongs to is not shared with them; 403 when they can see it but
    may not do this (a read-only grant trying to write, a non-owner sharing).
    """
    wanted = [perm] if isinstance(perm, str) else list(perm)
    child, is_owner = _child_and_ownership(user, child_uuid)
    if is_owner:
        user.__dict__.setdefault(_CACHE_ATTR, {})[child.pk] = ALL_PERMS
    perms = perms_for(user, child)
    if RECORD_VIEW not in perms:
        raise Http404
    if any(p in perms for p in wanted):
        return child
    if not any(p in OWNER_ONLY for p in wanted):
        seen = {p.split(".")[0] + ".view" for p in wanted}
        if not seen & perms:
            raise Http404
    raise PermissionDenied


def get_item(child: Child, model: type[models.Model], item_uuid: UUID | str) -> Any:
    """A row of ``model`` that belongs to the already-authorized ``child``."""
    try:
        return model._default_manager.get(child=child, uuid=item_uuid)
    except (model.DoesNotExist, ValueError):  # type: ignore[attr-defined]
        raise Http404 from None


def current_version(item: Any) -> int:
    """The saved version of an already-authorized row (someone may have saved since)."""
    return type(item)._default_manager.values_list("version", flat=True).get(pk=item.pk)


def scoped(qs: QuerySet[Any], user: Any, action: str = "view") -> QuerySet[Any]:
    """Rows of ``qs`` (any child-owned model) that ``user`` may view or edit."""
    perms = view_perms(qs.model) if action == "view" else (edit_perm(qs.model),)
    return qs.filter(child__in=visible_children(user, perms))


def child_rows(child: Child, model: type[models.Model], user: Any | None) -> QuerySet[Any]:
    """Rows of ``model`` on the already-authorized ``child`` that ``user`` may view.

    For lists, exports and the FHIR API. ``user`` None is a system actor (a
    management command run by whoever runs the server and already holds the
    database): it reads every row.
    """
    rows = model._default_manager.filter(child=child)
    if user is None:
        return rows
    # The child is authorized: its permissions decide (``scoped`` would give the
    # same rows through ``visible_children``; the property test checks they agree).
    return rows if can_view(perms_for(user, child), model) else rows.none()


def rows_on_children(user: Any, model: type[models.Model], ids: Iterable[int]) -> QuerySet[Any]:
    """Rows of ``model`` on those of the children ``ids`` whose rules let ``user`` see them.

    For pages that count rows across many children (the home page's badges):
    one access query per distinct set of scopes (``visible_child_ids``).
    """
    return model._default_manager.filter(child_id__in=visible_child_ids(user, model, ids))


def offered(qs: QuerySet[Any], user: Any, *, child: Child, keep: Any = None) -> QuerySet[Any]:
    """Rows of ``qs`` on ``child`` that a form may offer ``user``, plus ``keep``: what is
    already saved stays offered, so someone who may not see every choice keeps it."""
    kept: list[Any] = [keep] if isinstance(keep, models.Model) else list(keep or ())
    kept_here = [row.pk for row in kept if row is not None and row.child_id == child.pk]
    choices = scoped(qs.filter(child=child), user)
    if kept_here:
        choices = qs.model._default_manager.filter(
            Q(pk__in=choices.values("pk")) | Q(pk__in=kept_here), child=child
        )
    return choices


def tasks_for_person(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Tasks (already ``scoped``) a person keeps track of: a guardian every task of
    the child, anyone else only the tasks given to them."""
    guardian_of = Guardianship.objects.live().filter(user=user).values("child_id")
    return qs.filter(
        Q(child__in=guardian_of) | Q(owner_guardian__user=user) | Q(owner_member__user=user)
    )


def visible_child_ids(user: Any, model: type[models.Model], among: Iterable[int]) -> list[int]:
    """Which of the children ``among`` let ``user`` view rows of ``model``.

    One query per distinct set of scopes, remembered for the request (with the
    permissions cache), so pages that count several kinds of rows across many
    children (the home page) compile one access query per scope, not per kind.
    """
    among = sorted(set(among))
    perms = view_perms(model)
    cache: dict[Any, list[int]] = user.__dict__.setdefault(_IDS_ATTR, {})
    key = (perms, tuple(among))
    if key not in cache:
        cache[key] = list(
            visible_children(user, perms).filter(id__in=among).values_list("id", flat=True)
        )
    return cache[key]


# Actions -------------------------------------------------------------------


def can_complete_task(user: Any, perms: frozenset[str], task: Any) -> bool:
    """Whoever may change the plan, and the person the task is given to."""
    owners = {
        getattr(task.owner_guardian, "user_id", None),
        getattr(task.owner_member, "user_id", None),
    }
    return _plan_editor_or_assignee(user, perms, owners)


def can_work_on_paperwork(user: Any, perms: frozenset[str], paperwork: Any) -> bool:
    """Whoever may change the plan, and the team member the paperwork is asked of."""
    return _plan_editor_or_assignee(user, perms, {getattr(paperwork.asked_of, "user_id", None)})


def can_decide_plan(perms: frozenset[str]) -> bool:
    """Owners change the care plan directly and decide on proposals; other editors propose."""
    return "sharing.manage" in perms and "plan.edit" in perms


def _plan_editor_or_assignee(user: Any, perms: frozenset[str], assignees: set[Any]) -> bool:
    if "plan.edit" in perms:
        return True
    return "plan.view" in perms and user.pk in assignees - {None}


def can_edit_practice(user: Any, practice: Any) -> bool:
    """The practice's administrators; the person who listed it, until others use it.

    Its after-hours and nurse lines appear on every linked child's overview,
    so one family must not be able to change another family's emergency numbers.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if practice.staff.filter(user=user, role=PracticeStaff.Role.ADMIN, is_active=True).exists():
        return True
    if practice.created_by_id != user.pk:
        return False
    linked = set(practice.team_members.values_list("child_id", flat=True)) | set(
        practice.enrollments.values_list("child_id", flat=True)
    )
    owned = set(visible_children(user, "child.edit").values_list("pk", flat=True))
    return linked <= owned


def get_own_upload(user: Any, uploads: QuerySet[Any], upload_uuid: UUID | str) -> Any:
    """An upload (an import batch) that ``user`` started, or 404 for anyone else. Its
    child, if any, is then authorized like any child page (``record.import``)."""
    signed_in = getattr(user, "is_authenticated", False)
    upload = uploads.filter(uuid=upload_uuid, created_by=user).first() if signed_in else None
    if upload is None:
        raise Http404
    return upload


def get_shared(links: QuerySet[Any], token: str) -> Any:
    """The row a secret link names (its ``token_hash``) while the link is live, else 404:
    the token is the credential of someone without an account (the caller logs it)."""
    link = links.filter(token_hash=links.model.hash_token(token)).first()
    if link is None or not link.is_live:
        raise Http404
    return link


# The family and the team, as choices -----------------------------------------


def is_guardian(user: Any, child: Child | int) -> bool:
    """Whether ``user`` is a live guardian (owner or caregiver) of ``child``."""
    return Guardianship.objects.live().filter(user=user, child=child).exists()


def owners_to_tell(child: Child | int) -> QuerySet[Guardianship]:
    """The live owners of ``child`` with an active account (told when the team writes)."""
    return Guardianship.objects.live().filter(
        child=child, role=Guardianship.Role.OWNER, user__is_active=True
    )


def family_choices(user: Any, child: Child, keep: Iterable[Any] = ()) -> QuerySet[Guardianship]:
    """The child's live guardians a form on ``child`` may offer (meeting guests, task owners).

    Anyone with a grant on the child may name the family; ``keep`` (people
    already chosen) stays offered.
    """
    if RECORD_VIEW not in perms_for(user, child):
        return Guardianship.objects.none()
    kept = [g.pk for g in keep if g.child_id == child.pk]
    return (
        Guardianship.objects.filter(
            Q(pk__in=Guardianship.objects.live().filter(child=child).values("pk")) | Q(pk__in=kept),
            child=child,
        )
        .select_related("user")
        .order_by("user__name", "pk")
    )


def team_choices(user: Any, child: Child, keep: Any = None) -> QuerySet[CareTeamMember]:
    """Team members a form on ``child`` may offer (a prescriber, meeting guests).

    ``keep`` (the value or values already saved) stays offered (``offered``).
    """
    return offered(CareTeamMember.objects.all(), user, child=child, keep=keep).order_by("name")


# Messages ------------------------------------------------------------------


def message_grants(
    user: Any, child: Child | None = None, on: date | None = None
) -> QuerySet[CareTeamMember]:
    """The user's (or user id's) live team grants that share messages, on ``child`` or anywhere."""
    grants = CareTeamMember.objects.live(on).filter(_has_scope(("messages",), False), user=user)
    return grants if child is None else grants.filter(child=child)


def can_start_thread(user: Any, child: Child, perms: frozenset[str]) -> bool:
    """Who may start a conversation: someone who will be able to read it afterwards.

    ``messages.edit``, and either a guardian (who sees every thread) or a team
    member whose own grant shares messages (they become a participant).
    Practice staff reaching the child only through an enrollment may not.
    """
    if "messages.edit" not in perms:
        return False
    if is_guardian(user, child):
        return True
    return message_grants(user, child).exists()


def _visible_threads(user_id: Any, child: Child | None, on: date | None = None) -> QuerySet[Any]:
    thread = apps.get_model(THREAD)
    guardians = Guardianship.objects.live(on).filter(
        Q(role=Guardianship.Role.OWNER) | _has_scope(("messages",), False), user_id=user_id
    )
    members = message_grants(user_id, child, on)
    threads = thread._default_manager.all()
    if child is not None:
        guardians = guardians.filter(child=child)
        threads = threads.filter(child=child)
    addressed = thread.participants.through._default_manager.filter(
        careteammember__in=members, careteammember__child=models.F("thread__child")
    ).values("thread_id")
    return threads.filter(Q(child__in=guardians.values("child_id")) | Q(pk__in=addressed))


def visible_threads(user: Any, child: Child | None = None) -> QuerySet[Any]:
    """Message threads ``user`` may read, on ``child`` or on every child.

    * Guardians see every thread of the child: owners, and caregivers whose
      grant shares ``messages``.
    * A team member whose grant shares ``messages`` sees only the threads
      addressed to them (their ``CareTeamMember`` is a participant). Other
      people's conversations with the family stay private.
    * Practice staff reaching the child through an enrollment see none: a
      practice shares the record, not the family's conversations. Staff who
      write with the family are added to the team with the messages scope,
      and then see the threads they are a participant of.
    * Starting a thread needs ``messages.edit`` (the view asks
      ``get_child_for``). Replying needs only to see the thread, so a
      read-only grant that shares messages may answer a conversation it is
      part of.

    A thread the user may not see is a 404, like any other record.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return apps.get_model(THREAD)._default_manager.none()
    return _visible_threads(user.pk, child)


@lru_cache(maxsize=4)
def visible_threads_sql(vendor: str) -> tuple[str, dict[str, Any]]:
    """``visible_threads`` on every child as SQL selecting thread ids.

    For the one raw statement that counts unread messages on every page: it
    is compiled once from ``visible_threads`` itself, with ``%(user)s`` and
    ``%(today)s`` to fill in, and the rule's constants returned with it.
    """
    return named_sql(_visible_threads(ANY_USER, None, ANY_DAY).values("pk"))


def get_thread(user: Any, child: Child, thread_uuid: UUID | str) -> Any:
    """A thread of the already-authorized ``child`` that ``user`` may read, or 404."""
    try:
        return visible_threads(user, child).get(uuid=thread_uuid)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def can_read_thread(user: Any, thread: Any) -> bool:
    return visible_threads(user, thread.child).filter(pk=thread.pk).exists()


def message_recipient_choices(user: Any, child: Child) -> QuerySet[CareTeamMember]:
    """Team members a new thread may be addressed to: a live grant that shares
    messages and an account to read it with (not the writer themself).

    Only offered to someone who may see the team (``summary``): the list names
    the child's team members and their roles."""
    team = (
        CareTeamMember.objects.live()
        .filter(_has_scope(("messages",), False), child=child, user__isnull=False)
        .exclude(user=user)
    )
    return scoped(team, user).order_by("name")
