"""Races and round-trips that only PostgreSQL shows (the CI runs the suite there too)."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone as dj_tz

from children import access, services
from children.audit import RequestContext, _context, audit_record, audit_verify
from children.models import Guardianship

pytestmark = pytest.mark.skipif(
    "postgresql" not in connection.vendor and connection.vendor != "postgresql",
    reason="PostgreSQL only",
)


def _in_threads(*funcs):
    errors = []

    def run(f):
        try:
            f()
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f,)) for f in funcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_owners_revoking_each_other_leave_an_owner(cast, monkeypatch):
    child, a = cast["child"], cast["owner"]
    b = cast["caregiver"]
    Guardianship.objects.filter(child=child, user=b).update(role="owner")
    ga = Guardianship.objects.get(child=child, user=a)
    gb = Guardianship.objects.get(child=child, user=b)
    audit_record(actor="system:seed", verb="view", what="seed")  # make sure the head row exists
    barrier = threading.Barrier(2, timeout=5)
    real_now = dj_tz.now
    seen = threading.local()

    class SlowTZ:
        def __getattr__(self, name):
            return getattr(dj_tz, name)

        def now(self):
            if not getattr(seen, "waited", False):
                seen.waited = True
                barrier.wait()  # both have passed the "another owner exists" check
            return real_now()

    monkeypatch.setattr(services, "timezone", SlowTZ())
    errors = _in_threads(
        lambda: services.grant_revoke(actor=a, grant=gb),
        lambda: services.grant_revoke(actor=b, grant=ga),
    )
    live_owners = Guardianship.objects.live().filter(child=child, role="owner").count()
    assert live_owners >= 1, f"no owner left (errors: {errors})"


@pytest.mark.django_db
@pytest.mark.parametrize("ip", ["2001:DB8::1", "2001:0db8:0:0:0:0:0:1"])
def test_chain_survives_ipv6_round_trip(cast, ip):
    token = _context.set(RequestContext(ip=ip, user_agent="x"))
    try:
        audit_record(actor=cast["owner"], verb="view", child=cast["child"], what="overview")
    finally:
        _context.reset(token)
    count, problem = audit_verify()
    assert problem is None, problem


@pytest.mark.django_db
def test_child_and_ownership_agrees_with_live_on_postgres(cast):
    for role in ("owner", "caregiver", "viewer", "other_family", "operator"):
        user = cast[role]
        child, is_owner = access._child_and_ownership(user, cast["child"].uuid)
        assert child == cast["child"]
        assert is_owner == (role == "owner")
    child, is_owner = access._child_and_ownership(cast["owner"], str(cast["child"].uuid).upper())
    assert is_owner
