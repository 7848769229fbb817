from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from children.models import CareTeamMember, Child
from records.models import Coverage, Immunization, Measurement, Medication


def url(name, child, *args):
    return reverse(name, args=[child.uuid, *args])


def test_owner_adds_a_medicine(client, cast):
    client.force_login(cast["owner"])
    child = cast["child"]
    response = client.post(
        url("records:medicines-create", child),
        {"name": "Keppra", "dose": "5 ml", "schedule": "twice a day", "status": "current"},
    )
    assert response.status_code == 302
    medicine = child.medications.get()
    assert (medicine.name, medicine.created_by) == ("Keppra", cast["owner"])
    assert child.access_events.filter(verb="create", what="medication").exists()


def test_medicine_needs_dose_and_schedule(client, cast):
    client.force_login(cast["owner"])
    response = client.post(
        url("records:medicines-create", cast["child"]), {"name": "Keppra", "status": "current"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"dose", "schedule"}
    assert not Medication.objects.exists()


def test_prescriber_from_another_childs_team_is_refused(client, cast):
    other_doctor = CareTeamMember.objects.create(
        child=cast["other_child"], name="Dr. Other", role="pcp"
    )
    client.force_login(cast["owner"])
    response = client.post(
        url("records:medicines-create", cast["child"]),
        {
            "name": "Keppra",
            "dose": "5 ml",
            "schedule": "daily",
            "status": "current",
            "prescriber": other_doctor.pk,
        },
    )
    assert response.status_code == 200
    assert "prescriber" in response.context["form"].errors
    assert not Medication.objects.exists()


def test_item_of_another_child_is_404(client, cast):
    theirs = Medication.objects.create(
        child=cast["other_child"], name="Theirs", dose="1", schedule="daily"
    )
    client.force_login(cast["owner"])
    assert (
        client.get(url("records:medicines-update", cast["child"], theirs.uuid)).status_code == 404
    )
    assert (
        client.post(url("records:medicines-delete", cast["child"], theirs.uuid)).status_code == 404
    )
    assert Medication.objects.filter(pk=theirs.pk).exists()


def test_form_posted_to_another_childs_url_is_404(client, cast):
    client.force_login(cast["owner"])
    response = client.post(
        url("records:medicines-create", cast["other_child"]),
        {"name": "X", "dose": "1", "schedule": "d", "status": "current"},
    )
    assert response.status_code == 404
    assert not Medication.objects.exists()


def test_two_people_editing_at_once_do_not_overwrite_each_other(client, cast):
    medicine = Medication.objects.create(
        child=cast["child"], name="Keppra", dose="5 ml", schedule="twice a day"
    )
    data = {
        "name": "Keppra",
        "schedule": "twice a day",
        "status": "current",
        "version": medicine.version,
    }
    client.force_login(cast["owner"])
    assert (
        client.post(
            url("records:medicines-update", cast["child"], medicine.uuid), {**data, "dose": "6 ml"}
        ).status_code
        == 302
    )
    client.force_login(cast["editor"])
    second = client.post(
        url("records:medicines-update", cast["child"], medicine.uuid), {**data, "dose": "7 ml"}
    )
    assert second.status_code == 200
    assert "Someone else changed this" in second.content.decode()
    assert 'value="7 ml"' in second.content.decode()  # their input is kept
    medicine.refresh_from_db()
    assert (medicine.dose, medicine.version) == ("6 ml", 2)


def test_delete_asks_first(client, cast):
    medicine = Medication.objects.create(
        child=cast["child"], name="Keppra", dose="5 ml", schedule="daily"
    )
    client.force_login(cast["owner"])
    page = client.get(url("records:medicines-delete", cast["child"], medicine.uuid))
    assert "cannot be undone" in page.content.decode()
    assert Medication.objects.exists()
    client.post(url("records:medicines-delete", cast["child"], medicine.uuid))
    assert not Medication.objects.exists()


def test_future_dates_are_refused(client, cast):
    client.force_login(cast["owner"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        url("records:immunizations-create", cast["child"]),
        {"vaccine": "Flu", "given_on": tomorrow, "pcp_told": "on"},
    )
    assert "in the future" in response.content.decode()
    assert not Immunization.objects.exists()


def test_future_birth_date_is_refused(client, cast):
    client.force_login(cast["owner"])
    before = Child.objects.count()
    response = client.post(
        reverse("children:create"),
        {
            "first_name": "New",
            "birth_date": timezone.localdate() + timedelta(days=3),
            "sex": "unknown",
            "relationship": "parent",
        },
    )
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    assert Child.objects.count() == before


def test_adding_a_child_makes_you_its_owner(client, cast):
    client.force_login(cast["other_family"])
    response = client.post(
        reverse("children:create"),
        {"first_name": "Leo", "birth_date": "2019-05-01", "sex": "male", "relationship": "father"},
    )
    child = Child.objects.get(first_name="Leo")
    assert response["Location"] == child.get_absolute_url()
    assert child.guardianships.get().user == cast["other_family"]


def test_medicaid_needs_a_renewal_date(client, cast):
    client.force_login(cast["owner"])
    response = client.post(
        url("records:insurance-create", cast["child"]),
        {"payer": "Medicaid", "member_id": "1", "kind": "primary", "is_medicaid": "on"},
    )
    assert "renewal date" in response.content.decode()
    assert not Coverage.objects.exists()


def test_implausible_measurement_is_refused(client, cast):
    client.force_login(cast["owner"])
    response = client.post(
        url("records:measurements-create", cast["child"]),
        {"kind": "weight", "value": "2000", "measured_on": timezone.localdate()},
    )
    assert "looks wrong" in response.content.decode()
    assert not Measurement.objects.exists()


def test_overview_warns_60_days_before_renewal(client, cast):
    child = cast["child"]
    today = timezone.localdate()
    Coverage.objects.create(
        child=child,
        payer="Soon Medicaid",
        member_id="1",
        is_medicaid=True,
        renewal_on=today + timedelta(days=59),
    )
    Coverage.objects.create(
        child=child, payer="Later Plan", member_id="2", renewal_on=today + timedelta(days=61)
    )
    client.force_login(cast["owner"])
    page = client.get(url("children:overview", child)).content.decode()
    assert "Soon Medicaid must be renewed" in page
    assert "Later Plan must be renewed" not in page


def test_untold_immunization_is_a_todo_until_marked(client, cast):
    child = cast["child"]
    shot = Immunization.objects.create(
        child=child,
        vaccine="Flu",
        given_on=timezone.localdate(),
        given_elsewhere=True,
        pcp_told=False,
    )
    client.force_login(cast["owner"])
    assert "about the Flu given" in client.get(url("children:overview", child)).content.decode()
    client.post(
        url("records:immunizations-update", child, shot.uuid),
        {
            "vaccine": "Flu",
            "given_on": shot.given_on,
            "given_elsewhere": "on",
            "pcp_told": "on",
            "version": shot.version,
        },
    )
    assert "about the Flu given" not in client.get(url("children:overview", child)).content.decode()


def test_after_hours_card_shows_the_practice_lines(client, cast):
    child = cast["child"]
    CareTeamMember.objects.create(
        child=child,
        name="Dr. Lead",
        role="pcp",
        practice=cast["practice"],
        is_medical_home_lead=True,
    )
    client.force_login(cast["caregiver"])
    page = client.get(url("children:overview", child)).content.decode()
    assert "555-300-1999" in page and "555-300-1888" in page
    assert "emergency room" in page


def test_marking_a_new_lead_unmarks_the_old_one(client, cast):
    child = cast["child"]
    old = CareTeamMember.objects.create(
        child=child, name="Dr. Old", role="pcp", is_medical_home_lead=True
    )
    client.force_login(cast["owner"])
    client.post(
        url("records:team-create", child),
        {"name": "Dr. New", "role": "pcp", "is_medical_home_lead": "on"},
    )
    old.refresh_from_db()
    assert not old.is_medical_home_lead
    assert child.team.get(is_medical_home_lead=True).name == "Dr. New"


def test_list_search_and_pages(client, cast):
    child = cast["child"]
    today = timezone.localdate()
    Measurement.objects.bulk_create(
        [
            Measurement(
                child=child,
                kind="weight",
                value=20,
                unit="kg",
                measured_on=today - timedelta(days=i),
            )
            for i in range(30)
        ]
    )
    client.force_login(cast["owner"])
    page = client.get(url("records:measurements-list", child))
    assert page.context["page"].paginator.num_pages == 2
    Medication.objects.create(child=child, name="Baclofen", dose="1", schedule="d")
    Medication.objects.create(child=child, name="Keppra", dose="1", schedule="d")
    found = client.get(url("records:medicines-list", child), {"q": "kep"}, HTTP_HX_REQUEST="true")
    body = found.content.decode()
    assert "Keppra" in body and "Baclofen" not in body
    assert "<html" not in body  # htmx gets only the table fragment
