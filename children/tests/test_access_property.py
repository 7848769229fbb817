"""Property: a person sees (or may change) an item if and only if a live grant
covers its scope. The oracle below restates the rules independently of
children/access.py, from DESIGN.md."""

from datetime import date, timedelta

from django.http import Http404
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.models import Practice, PracticeStaff, User
from children import access
from children.models import (
    ALL_SCOPES,
    CareTeamMember,
    Child,
    Guardianship,
    PracticeEnrollment,
    scopes_to_text,
)
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

TODAY = date.today()
# (model, scopes that let you see it, scope that lets you change it; None = owners only)
SPEC = [
    (Condition, {"summary", "health"}, "health", lambda c: Condition(child=c, name="x")),
    (
        Medication,
        {"summary", "health"},
        "health",
        lambda c: Medication(child=c, name="x", dose="1", schedule="d"),
    ),
    (Allergy, {"summary", "health"}, "health", lambda c: Allergy(child=c, substance="x")),
    (Equipment, {"summary", "health"}, "health", lambda c: Equipment(child=c, name="x")),
    (
        Immunization,
        {"health"},
        "health",
        lambda c: Immunization(child=c, vaccine="x", given_on=TODAY),
    ),
    (
        Measurement,
        {"health"},
        "health",
        lambda c: Measurement(child=c, kind="weight", value=1, measured_on=TODAY),
    ),
    (Service, {"health"}, "health", lambda c: Service(child=c, name="x")),
    (Coverage, {"coverage"}, "coverage", lambda c: Coverage(child=c, payer="x", member_id="1")),
    (JournalEntry, {"journal"}, "journal", lambda c: JournalEntry(child=c, title="x")),
    (Document, {"documents"}, "documents", lambda c: Document(child=c, title="x", file="x")),
    (CareTeamMember, {"summary"}, None, lambda c: CareTeamMember(child=c, name="x", role="pcp")),
]

grants = st.lists(
    st.fixed_dictionaries(
        {
            "how": st.sampled_from(
                ["owner", "caregiver", "team", "practice", "practice_inactive_staff"]
            ),
            "child": st.integers(0, 1),
            "scopes": st.sets(st.sampled_from(ALL_SCOPES), max_size=4),
            "write": st.booleans(),
            "starts": st.integers(-3, 2),
            "ends": st.none() | st.integers(-2, 3),
            "revoked": st.booleans(),
        }
    ),
    max_size=4,
)


def live(g: dict) -> bool:
    return not g["revoked"] and g["starts"] <= 0 and (g["ends"] is None or g["ends"] >= 0)


class AccessPropertyTest(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(grants=grants, operator=st.booleans())
    def test_sees_item_iff_live_grant_covers_scope(
        self, grants: list[dict], operator: bool
    ) -> None:
        user = User.objects.create_user(email="p@example.org", is_staff=operator)
        children = [Child.objects.create(first_name=n, birth_date=date(2015, 1, 1)) for n in "AB"]
        items = {model: [make(c) for c in children] for model, _, _, make in SPEC}
        for objs in items.values():
            for obj in objs:
                obj.save()
        for i, g in enumerate(grants):
            child = children[g["child"]]
            fields = {
                "scopes": scopes_to_text(g["scopes"]),
                "can_write": g["write"],
                "starts_on": TODAY + timedelta(days=g["starts"]),
                "ends_on": None if g["ends"] is None else TODAY + timedelta(days=g["ends"]),
            }
            if g["how"] in ("owner", "caregiver"):
                grant = Guardianship.objects.create(child=child, user=user, role=g["how"], **fields)
            elif g["how"] == "team":
                grant = CareTeamMember.objects.create(
                    child=child, user=user, name="me", role="pcp", **fields
                )
            else:
                practice = Practice.objects.create(name=f"P{i}")
                PracticeStaff.objects.create(
                    practice=practice, user=user, role="nurse", is_active=g["how"] == "practice"
                )
                grant = PracticeEnrollment.objects.create(child=child, practice=practice, **fields)
            if g["revoked"]:
                type(grant).objects.filter(pk=grant.pk).update(revoked_at="2020-01-01T00:00:00Z")

        def covering(child_index: int) -> list[dict]:
            return [
                g
                for g in grants
                if g["child"] == child_index
                and live(g)
                and g["how"] != "practice_inactive_staff"
                # Operators get nothing through practice staff lists.
                and not (operator and g["how"] == "practice")
            ]

        for model, view_scopes, edit_scope, _ in SPEC:
            for action in ("view", "edit"):
                expected = set()
                for index, obj in enumerate(items[model]):
                    for g in covering(index):
                        if (
                            g["how"] == "owner"
                            or action == "view"
                            and g["scopes"] & view_scopes
                            or (
                                action == "edit"
                                and edit_scope
                                and edit_scope in g["scopes"]
                                and g["write"]
                            )
                        ):
                            expected.add(obj.pk)
                mine = {obj.pk for obj in items[model]}  # a team grant is a CareTeamMember row too
                got = (
                    set(
                        access.scoped(model.objects.all(), user, action).values_list(
                            "pk", flat=True
                        )
                    )
                    & mine
                )
                assert got == expected, (model.__name__, action, grants)
                if action == "view":
                    # Exports and the FHIR API read an authorized child's rows this way.
                    access.forget(user)
                    through_child = set()
                    for c in children:
                        through_child |= set(
                            access.child_rows(c, model, user).values_list("pk", flat=True)
                        )
                    assert through_child & mine == expected, (model.__name__, "child_rows", grants)
                # The per-child check agrees with the queryset, whether or not
                # the child was opened through get_child_for's owner shortcut.
                access.forget(user)
                fresh = [access.perms_for(user, c) for c in children]
                for index, c in enumerate(children):
                    access.forget(user)
                    try:
                        access.get_child_for(user, c.uuid, access.RECORD_VIEW)
                    except Http404:
                        assert fresh[index] == frozenset()
                    else:
                        assert access.perms_for(user, c) == fresh[index]
                access.forget(user)
                for obj in items[model]:
                    perms = access.perms_for(user, obj.child)
                    allowed = (
                        access.can_view(perms, model)
                        if action == "view"
                        else access.edit_perm(model) in perms
                    )
                    assert allowed == (obj.pk in expected), (model.__name__, action, grants)
