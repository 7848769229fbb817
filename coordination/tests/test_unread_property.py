"""The menu's unread count (one fixed SQL statement) agrees with the rule in access.visible_threads."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from children.models import CareTeamMember, Guardianship, scopes_to_text
from coordination.models import Message, Thread, ThreadRead
from coordination.services.messages import unread_total, unread_total_orm

pytestmark = pytest.mark.django_db

grant = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["owner", "caregiver", "member", "none"]),
        "messages": st.booleans(),
        "state": st.sampled_from(["live", "revoked", "ended", "future"]),
        "participant": st.booleans(),
    }
)
threads = st.lists(
    st.fixed_dictionaries(
        {
            "grant": st.integers(0, 2),
            "messages": st.lists(st.tuples(st.booleans(), st.integers(0, 5)), max_size=4),
            "read_after": st.one_of(st.none(), st.integers(0, 5)),
        }
    ),
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(grants=st.lists(grant, min_size=3, max_size=3), spec=threads)
def test_unread_sql_matches_the_access_rule(cast, grants, spec):
    user, other = cast["viewer"], cast["owner"]
    today = timezone.localdate()
    now = timezone.now()
    children = [cast["child"], cast["other_child"], cast["child"]]
    Guardianship.objects.filter(user=user).delete()
    CareTeamMember.objects.filter(user=user).update(user=None)
    members = []
    for child, g in zip(children, grants, strict=True):
        dates = {
            "live": {},
            "revoked": {"revoked_at": now},
            "ended": {"ends_on": today - timedelta(days=1)},
            "future": {"starts_on": today + timedelta(days=1)},
        }[g["state"]]
        scopes = scopes_to_text(["summary", "messages"] if g["messages"] else ["summary"])
        if (
            g["kind"] in ("owner", "caregiver")
            and not Guardianship.objects.filter(user=user, child=child).exists()
        ):
            Guardianship.objects.create(
                child=child, user=user, role=g["kind"], scopes=scopes, **dates
            )
        member = CareTeamMember.objects.create(
            child=child,
            name="Someone",
            role="pcp",
            user=user if g["kind"] == "member" else None,
            scopes=scopes,
            **dates,
        )
        members.append((member, g["participant"]))
    Thread.objects.all().delete()
    for t in spec:
        member, participant = members[t["grant"]]
        thread = Thread.objects.create(child=member.child, subject="s")
        if participant:
            thread.participants.add(member)
        for mine, minutes in t["messages"]:
            msg = Message.objects.create(
                child=member.child,
                thread=thread,
                author=user if mine else other,
                author_name="x",
                body="b",
            )
            Message.objects.filter(pk=msg.pk).update(created_at=now - timedelta(minutes=minutes))
        if t["read_after"] is not None:
            ThreadRead.objects.create(
                child=member.child,
                thread=thread,
                user=user,
                last_read_at=now - timedelta(minutes=t["read_after"]) + timedelta(seconds=1),
            )
    assert unread_total(user) == unread_total_orm(user)
