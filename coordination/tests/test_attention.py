from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from children.models import CareTeamMember
from conftest import make_child
from coordination.models import PaperworkRequest, Referral, Task, Visit
from records.models import Coverage


def test_home_page_says_what_needs_attention_for_each_child(client, cast):
    owner = cast["owner"]
    leo = make_child(owner, first_name="Leo")
    today = timezone.localdate()
    maya = cast["child"]
    Task.objects.create(child=maya, title="Renew", due_on=today - timedelta(days=1))
    Referral.objects.create(
        child=maya,
        to_specialty="Ortho",
        reason="x",
        status="sent",
        sent_on=today - timedelta(days=40),
    )
    member = CareTeamMember.objects.create(child=leo, name="Dr. L", role="pcp")
    PaperworkRequest.objects.create(
        child=leo, kind="other", title="Form", asked_of=member, due_on=today
    )
    Coverage.objects.create(
        child=leo,
        payer="Medicaid",
        member_id="1",
        is_medicaid=True,
        renewal_on=today + timedelta(days=10),
    )
    Visit.objects.create(child=leo, starts_at=timezone.now() + timedelta(days=2), purpose="Check")
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    leo_card = page[page.index("Leo Rivera") : page.index("Maya Rivera")]
    maya_card = page[page.index("Maya Rivera") :]
    assert "1 late task" in maya_card and "1 referral stuck" in maya_card
    assert (
        "1 form or letter pending" in leo_card
        and "insurance to renew soon" in leo_card
        and "next visit" in leo_card
    )
    # More children add no queries.
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("home"))
    for i in range(5):
        make_child(owner, first_name=f"Kid{i}")
    with CaptureQueriesContext(connection) as seven:
        client.get(reverse("home"))
    assert len(two) == len(seven)


def test_a_team_member_sees_only_what_their_scopes_cover(client, cast):
    maya = cast["child"]
    Task.objects.create(child=maya, title="Renew", due_on=timezone.localdate() - timedelta(days=1))
    client.force_login(cast["team_other"])  # journal only: no plan
    assert "late task" not in client.get(reverse("home")).content.decode()
    client.force_login(cast["editor"])  # has plan
    assert "1 late task" in client.get(reverse("home")).content.decode()
