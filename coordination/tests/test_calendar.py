from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from children.models import AccessEvent, CareTeamMember, Guardianship
from conftest import make_child
from coordination.models import CalendarFeed, CarePlan, Referral, Task, Visit
from coordination.services.calendar import calendar_feed_reset
from records.models import Coverage


def _dates(cast):
    child = cast["child"]
    today = timezone.localdate()
    visit = Visit.objects.create(
        child=child, starts_at=timezone.now() + timedelta(days=3), purpose="Seizure check"
    )
    Visit.objects.create(
        child=child,
        starts_at=timezone.now() + timedelta(days=4),
        purpose="Cancelled one",
        status=Visit.Status.CANCELLED,
    )
    family_task = Task.objects.create(
        child=child,
        title="Refill Keppra",
        due_on=today + timedelta(days=2),
        owner_guardian=Guardianship.objects.get(user=cast["owner"]),
    )
    viewer_task = Task.objects.create(
        child=child,
        title="Send the EEG report",
        due_on=today + timedelta(days=5),
        owner_member=CareTeamMember.objects.get(user=cast["viewer"]),
    )
    Task.objects.create(child=child, title="No date")
    Task.objects.create(child=child, title="Done already", due_on=today, status=Task.Status.DONE)
    sent = Referral.objects.create(
        child=child,
        to_specialty="Neurology",
        reason="Seizures",
        status=Referral.Status.SENT,
        sent_on=today - timedelta(days=10),
    )
    seen = Referral.objects.create(
        child=child,
        to_specialty="Orthopedics",
        reason="Hip",
        status=Referral.Status.SEEN,
        seen_on=today - timedelta(days=2),
    )
    coverage = Coverage.objects.create(
        child=child,
        payer="Medicaid",
        member_id="M1",
        is_medicaid=True,
        renewal_on=today + timedelta(days=40),
    )
    plan, _ = CarePlan.objects.update_or_create(
        child=child, defaults={"review_on": today + timedelta(days=20)}
    )
    return {
        "visit": visit,
        "family_task": family_task,
        "viewer_task": viewer_task,
        "sent": sent,
        "seen": seen,
        "coverage": coverage,
        "plan": plan,
    }


def _feed(client, token):
    return client.get(reverse("coordination:calendar-feed", args=[token]))


def _events(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    return {str(e.uid): e for e in cal.events}


def test_owner_feed_parses_with_every_kind_of_date(client, cast):
    d = _dates(cast)
    token = calendar_feed_reset(actor=cast["owner"])
    events = _events(_feed(client, token))
    today = timezone.localdate()
    assert set(events) == {
        f"visit-{d['visit'].uuid}@homebase",
        f"task-{d['family_task'].uuid}@homebase",
        f"task-{d['viewer_task'].uuid}@homebase",
        f"referral-sent-{d['sent'].uuid}@homebase",
        f"referral-seen-{d['seen'].uuid}@homebase",
        f"coverage-{d['coverage'].uuid}@homebase",
        f"plan-{d['plan'].uuid}@homebase",
    }
    visit = events[f"visit-{d['visit'].uuid}@homebase"]
    assert visit.start == d["visit"].starts_at.replace(microsecond=0)
    assert str(visit.summary) == "Maya: visit"
    assert str(visit.url).endswith(
        reverse("coordination:visit-detail", args=[cast["child"].uuid, d["visit"].uuid])
    )
    assert visit.get("DTSTAMP") is not None
    cal = Calendar.from_ical(_feed(client, token).content)
    assert cal.refresh_interval == timedelta(hours=1)
    sent = events[f"referral-sent-{d['sent'].uuid}@homebase"]
    assert sent.start == today + timedelta(days=20)  # sent 10 days ago + 30
    assert "appointment is booked" in str(sent.summary)
    seen = events[f"referral-seen-{d['seen'].uuid}@homebase"]
    assert seen.start == today + timedelta(days=12)  # seen 2 days ago + 14
    assert events[f"coverage-{d['coverage'].uuid}@homebase"].start == today + timedelta(days=40)
    assert events[f"plan-{d['plan'].uuid}@homebase"].start == today + timedelta(days=20)
    text = _feed(client, token).content.decode()
    for secret in ("Seizure", "Keppra", "EEG", "Neurology", "Orthopedics", "Medicaid", "Rivera"):
        assert secret not in text, secret
    assert "Maya" in text


def test_each_person_sees_only_what_their_scopes_allow(client, cast):
    d = _dates(cast)
    viewer = _events(_feed(client, calendar_feed_reset(actor=cast["viewer"])))
    # The viewer has visits and plan, not coverage; of the tasks only their own.
    assert f"visit-{d['visit'].uuid}@homebase" in viewer
    assert f"task-{d['viewer_task'].uuid}@homebase" in viewer
    assert f"task-{d['family_task'].uuid}@homebase" not in viewer
    assert f"plan-{d['plan'].uuid}@homebase" in viewer
    assert f"referral-sent-{d['sent'].uuid}@homebase" in viewer
    assert f"coverage-{d['coverage'].uuid}@homebase" not in viewer

    caregiver = _events(_feed(client, calendar_feed_reset(actor=cast["caregiver"])))
    # Caregivers (plan, no visits) see every open task of the child.
    assert f"task-{d['family_task'].uuid}@homebase" in caregiver
    assert f"task-{d['viewer_task'].uuid}@homebase" in caregiver
    assert f"visit-{d['visit'].uuid}@homebase" not in caregiver

    coordinator = _events(_feed(client, calendar_feed_reset(actor=cast["coordinator"])))
    assert set(coordinator) == {f"coverage-{d['coverage'].uuid}@homebase"}

    for role in ("team_other", "other_family", "operator"):
        assert _events(_feed(client, calendar_feed_reset(actor=cast[role]))) == {}


def test_revoked_grant_empties_the_feed_at_once(client, cast):
    d = _dates(cast)
    token = calendar_feed_reset(actor=cast["viewer"])
    assert f"visit-{d['visit'].uuid}@homebase" in _events(_feed(client, token))
    CareTeamMember.objects.filter(user=cast["viewer"]).update(revoked_at=timezone.now())
    assert _events(_feed(client, token)) == {}


def test_wrong_token_and_reset_token_are_refused(client, cast):
    _dates(cast)
    old = calendar_feed_reset(actor=cast["owner"])
    assert _feed(client, old).status_code == 200
    assert _feed(client, "not-the-token").status_code == 404
    assert _feed(client, old[:-1]).status_code == 404
    new = calendar_feed_reset(actor=cast["owner"])
    assert _feed(client, old).status_code == 404
    assert _feed(client, new).status_code == 200
    feed = CalendarFeed.objects.get(user=cast["owner"])
    assert feed.reset_at is not None
    assert new not in feed.token_hash and feed.token_hash == CalendarFeed.hash_token(new)


def test_deactivated_person_feed_is_refused(client, cast):
    token = calendar_feed_reset(actor=cast["owner"])
    cast["owner"].is_active = False
    cast["owner"].save()
    assert _feed(client, token).status_code == 404


def test_feed_read_is_audited_once_per_child_included(client, cast):
    _dates(cast)
    second = make_child(cast["owner"], first_name="Leo")
    Task.objects.create(child=second, title="Call school", due_on=timezone.localdate())
    make_child(cast["owner"], first_name="Nothing")  # no dates: not in the feed
    token = calendar_feed_reset(actor=cast["owner"])
    _feed(client, token)
    events = AccessEvent.objects.filter(what="calendar feed", verb="view")
    assert sorted(e.child.first_name for e in events) == ["Leo", "Maya"]
    assert {e.actor for e in events} == {cast["owner"]}


def test_feed_queries_do_not_grow_with_the_number_of_dates(client, cast):
    token = calendar_feed_reset(actor=cast["owner"])
    _dates(cast)
    with CaptureQueriesContext(connection) as few:
        _feed(client, token)
    _dates(cast)
    _dates(cast)
    with CaptureQueriesContext(connection) as many:
        response = _feed(client, token)
    assert len(_events(response)) > 7
    assert len(many) == len(few)


def test_calendar_page_makes_a_link_shown_once(client, cast):
    client.force_login(cast["owner"])
    url = reverse("coordination:calendar")
    page = client.get(url).content.decode()
    assert "Anyone with the link can see these dates" in page
    assert "Make my calendar link" in page
    made = client.post(url)
    assert made.status_code == 200
    link = made.context["url"]
    assert "Copy it now" in made.content.decode() and link in made.content.decode()
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    assert _feed(client, token).status_code == 200
    assert link not in client.get(url).content.decode()


def test_resetting_needs_confirmation_and_stops_the_old_link(client, cast):
    client.force_login(cast["owner"])
    url = reverse("coordination:calendar")
    first = client.post(url).context["url"]
    old = first.rsplit("/", 1)[1].removesuffix(".ics")
    refused = client.post(url, {})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert not refused.context["url"]
    assert _feed(client, old).status_code == 200
    reset = client.post(url, {"confirm": "on"})
    page = reset.content.decode()
    assert "The old link no longer works" in page
    new = reset.context["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert _feed(client, old).status_code == 404
    assert _feed(client, new).status_code == 200
    assert AccessEvent.objects.filter(what="calendar feed", verb="reset").count() == 1


def test_calendar_page_needs_sign_in(client, cast):
    response = client.get(reverse("coordination:calendar"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
