"""Care coordination, in a real browser, on a 360 px phone screen.

A parent (owner) and a clinician (a care team member who may write, with
summary, health, visits, plan and messages shared) work together:

1. the parent plans a visit, writes questions, moves one up, asks for extra
   time, and opens the visit sheet;
2. records the answers and a next step after the visit (it becomes a task);
3. takes a referral through every step to the specialist's report (a PDF);
4. asks the clinician for a letter, which the clinician starts and finishes
   from "Paperwork asked of me"; the turnaround shows on the request;
5. starts the care plan with a health goal and a school goal; the clinician
   proposes a change to a goal, the parent accepts it and compares versions;
6. sends the clinician a thank-you note, which arrives as an unread message.

Only the people, the child and the grant are made with the ORM; everything
else goes through the pages. Every page goes through ``check_page``: axe-core
(WCAG 2.1 A/AA) at 360 and 1280 px, no horizontal scroll at 360 px.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children.models import CareTeamMember, scopes_to_text
from conftest import make_child, make_user

from .conftest import check_page

pytestmark = pytest.mark.browser

PARENT = "sofia.rivera@example.org"
CLINICIAN = "dr.okafor@example.org"
PASSWORD = "correct horse battery"  # noqa: S105 (conftest.make_user's test password)
DOCTOR = "Dr. Okafor"
# Small, but a PDF by its content: what records.forms.validate_upload checks.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
Q_SLEEP = "Why does she wake up at night?"
Q_SEIZURE = "Should we change the seizure medicine?"
Q_SCHOOL = "Can you sign the school form?"


def main(page: Any) -> Any:
    return page.get_by_role("main")


def click(page: Any, locator: Any) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()
    check_page(page)


def button(page: Any, name: str) -> Any:
    return main(page).get_by_role("button", name=name, exact=True)


def open_section(page: Any, name: str) -> None:
    nav = page.get_by_role("navigation", name="Sections of the record")
    click(page, nav.get_by_role("link", name=name, exact=True))


def sign_in(page: Any, email: str) -> None:
    page.goto("/accounts/login/")
    check_page(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    click(page, button(page, "Sign In"))
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()


def saved(page: Any, text: str) -> None:
    expect(main(page).locator("div.messages[role=status]")).to_contain_text(text)


def test_parent_and_clinician_coordinate_care(new_page: Any, tmp_path: Path) -> None:
    parent_user = make_user(PARENT, name="Sofia Rivera")
    doctor_user = make_user(CLINICIAN, name=DOCTOR)
    child = make_child(parent_user)
    CareTeamMember.objects.create(
        child=child,
        user=doctor_user,
        name=DOCTOR,
        role="pcp",
        scopes=scopes_to_text(["summary", "health", "visits", "plan", "messages"]),
        can_write=True,
    )
    today = timezone.localdate()
    soon = today + timedelta(days=7)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(PDF)
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(PDF)
    overview = f"/children/{child.uuid}/"

    parent = new_page()
    sign_in(parent, PARENT)
    parent.goto(overview)
    check_page(parent)

    # 1. Prepare a visit with the clinician: questions in order, extra time, the sheet.
    open_section(parent, "Visits")
    click(parent, main(parent).get_by_role("button", name="Plan a visit"))
    parent.locator("#id_team_member").select_option(label=DOCTOR)
    parent.locator("#id_starts_at").fill(f"{soon.isoformat()}T10:30")
    parent.locator("#id_place").fill("Sunrise Pediatrics, room 4")
    parent.locator("#id_purpose").fill("Seizure check-up")
    parent.locator("#id_extra_time_needed").check()
    parent.locator("#id_extra_time_reason").fill("Many questions and a school form to fill in.")
    click(parent, button(parent, "Save"))
    expect(parent).to_have_url(re.compile(r"/visits/$"))
    row = main(parent).get_by_role("row").filter(has_text="Seizure check-up")
    expect(row).to_contain_text(DOCTOR)
    click(parent, row.get_by_role("link").first)
    expect(parent).to_have_url(re.compile(r"/visits/[0-9a-f-]{36}/$"))
    visit_url = parent.url
    extra = main(parent).get_by_role("region", name="Asking for extra time")
    expect(extra).to_contain_text("We would like a longer appointment")
    expect(extra).to_contain_text("Many questions and a school form to fill in.")
    for question in (Q_SLEEP, Q_SEIZURE, Q_SCHOOL):
        parent.get_by_label("Your question").fill(question)
        click(parent, button(parent, "Add the question"))
        saved(parent, "Question added.")
    questions = main(parent).get_by_role("region", name="Our questions, most important first")
    items = questions.get_by_role("listitem")
    expect(items).to_have_count(3)
    click(
        parent,
        questions.get_by_role("button", name=re.compile(r"^Move up\W+" + re.escape(Q_SEIZURE))),
    )
    expect(items.nth(0)).to_contain_text(Q_SEIZURE)
    expect(items.nth(1)).to_contain_text(Q_SLEEP)
    click(parent, main(parent).get_by_role("button", name="Visit sheet to show or print"))
    expect(parent).to_have_url(re.compile(r"/sheet/$"))
    sheet = main(parent).inner_text()
    assert sheet.index(Q_SEIZURE) < sheet.index(Q_SLEEP) < sheet.index(Q_SCHOOL), sheet

    # 2. After the visit: answers, what happened, a next step that becomes a task.
    parent.goto(visit_url)
    check_page(parent)
    click(
        parent,
        main(parent).get_by_role("button", name="After the visit: answers and next steps"),
    )
    parent.get_by_label("What happened at the visit").fill("Seizures are fewer. Same dose.")
    parent.get_by_label(Q_SEIZURE).fill("Not now; check again in 3 months.")
    parent.get_by_label(Q_SCHOOL).fill("Yes, bring it next time.")
    parent.locator("#id_step-0-title").fill("Book the EEG")
    click(parent, button(parent, "Save"))  # refused: nobody does it
    expect(main(parent).get_by_role("group", name="Next step 1")).to_contain_text(
        "Say who will do it."
    )
    expect(parent.locator("#id_step-0-owner")).to_have_attribute("aria-invalid", "true")
    expect(parent.get_by_label(Q_SCHOOL)).to_have_value("Yes, bring it next time.")
    parent.locator("#id_step-0-owner").select_option(label="Sofia Rivera")
    parent.locator("#id_step-0-due_on").fill((today + timedelta(days=14)).isoformat())
    click(parent, button(parent, "Save"))
    expect(parent).to_have_url(visit_url)
    saved(parent, "Visit saved. 1 next step was added to the tasks.")
    after = main(parent).get_by_role("region", name="After the visit")
    expect(after).to_contain_text("Seizures are fewer. Same dose.")
    expect(after).to_contain_text("Book the EEG")
    expect(main(parent)).to_contain_text("Not now; check again in 3 months.")
    open_section(parent, "Tasks")
    task = main(parent).get_by_role("row").filter(has_text="Book the EEG")
    expect(task).to_contain_text("Sofia Rivera")
    expect(task).to_contain_text("to do")

    # 3. A referral, requested → sent → scheduled → seen → report received.
    open_section(parent, "Referrals")
    click(parent, main(parent).get_by_role("button", name="Add a referral"))
    parent.locator("#id_to_specialty").fill("Orthopedics")
    parent.locator("#id_from_member").select_option(label=DOCTOR)
    parent.locator("#id_reason").fill("Hip check before the new wheelchair.")
    click(parent, button(parent, "Save"))
    expect(parent).to_have_url(re.compile(r"/referrals/$"))
    click(parent, main(parent).get_by_role("link", name="Orthopedics", exact=True))
    expect(main(parent).get_by_role("heading", level=2)).to_have_text("Referral to Orthopedics")
    for step in ("sent to the specialist", "appointment scheduled", "seen by the specialist"):
        parent.locator("#id_step-step").select_option(label=step)
        parent.locator("#id_step-on").fill(today.isoformat())
        click(parent, button(parent, "Save the step"))
        saved(parent, f"Referral updated: {step}.")
        expect(main(parent).locator("ol.timeline")).to_contain_text(step)
    parent.locator("#id_step-step").select_option(label="report received")
    parent.get_by_label("Or upload the report").set_input_files(str(pdf))
    click(parent, button(parent, "Save the step"))
    saved(parent, "Referral updated: report received.")
    expect(main(parent).get_by_role("link", name=re.compile("report", re.I))).to_be_visible()
    expect(main(parent).get_by_role("button", name="Save the step")).to_have_count(0)
    open_section(parent, "Referrals")
    expect(main(parent).get_by_role("row").filter(has_text="Orthopedics")).to_contain_text(
        "report received"
    )

    # 4. A letter of medical necessity, asked of the clinician.
    open_section(parent, "Paperwork")
    click(parent, main(parent).get_by_role("button", name="Ask for a form or letter"))
    parent.locator("#id_kind").select_option(label="letter of medical necessity")
    parent.locator("#id_title").fill("Wheelchair letter for Medicaid")
    parent.locator("#id_asked_of").select_option(label=DOCTOR)
    parent.locator("#id_due_on").fill((today + timedelta(days=10)).isoformat())
    click(parent, button(parent, "Save"))
    expect(parent).to_have_url(re.compile(r"/paperwork/$"))
    click(
        parent, main(parent).get_by_role("link", name="Wheelchair letter for Medicaid", exact=True)
    )
    paperwork_url = parent.url
    expect(main(parent)).to_contain_text("asked for")

    doctor = new_page()
    sign_in(doctor, CLINICIAN)
    click(doctor, doctor.get_by_role("link", name="Paperwork asked of me"))
    click(
        doctor, main(doctor).get_by_role("link", name="Wheelchair letter for Medicaid", exact=True)
    )
    click(doctor, button(doctor, "I am working on it"))
    expect(main(doctor).locator(".quick-call")).to_contain_text("being worked on")
    doctor.get_by_label("The finished form or letter").set_input_files(str(letter))
    click(doctor, button(doctor, "Mark as done"))
    saved(doctor, "Done. The family can now see the document.")
    click(doctor, doctor.get_by_role("link", name="Paperwork asked of me"))
    expect(main(doctor)).to_contain_text("Nothing waiting for you.")

    parent.goto(paperwork_url)
    check_page(parent)
    status = main(parent).locator(".quick-call")
    expect(status).to_contain_text("done")
    expect(status).to_contain_text(re.compile(r"done in \d+ business days?"))
    expect(main(parent).get_by_role("link", name=re.compile("letter", re.I))).to_be_visible()

    # 5. The care plan: the family writes it, the clinician proposes, the family decides.
    open_section(parent, "Care plan")
    click(parent, main(parent).get_by_role("button", name="Start the plan"))
    parent.get_by_label("Strengths").fill("Loves music; a big family that helps.")
    parent.get_by_label("Our priorities").fill("Fewer seizures; a good start at school.")
    click(parent, button(parent, "Save"))
    saved(parent, "Saved. The plan has a new version.")
    goals = [
        ("Walk 10 steps with a walker", "health", "10 steps, 3 times a week"),
        ("Join the school music club", "school and learning", "goes every week"),
    ]
    for text, domain, measure in goals:
        click(parent, main(parent).get_by_role("button", name="Add a goal"))
        parent.locator("#id_text").fill(text)
        parent.locator("#id_domain").select_option(label=domain)
        parent.locator("#id_measure").fill(measure)
        click(parent, button(parent, "Save"))
        saved(parent, "Saved. The plan has a new version.")
    plan_goals = main(parent).get_by_role("region", name="Goals")
    expect(plan_goals.get_by_role("listitem").filter(has_text=goals[0][0])).to_contain_text(
        "health"
    )
    expect(plan_goals.get_by_role("listitem").filter(has_text=goals[1][0])).to_contain_text(
        "school and learning"
    )

    click(doctor, doctor.get_by_role("link", name="My children"))
    click(doctor, main(doctor).get_by_role("link", name=re.compile("Maya")).first)
    open_section(doctor, "Care plan")
    click(doctor, main(doctor).get_by_role("link", name=re.compile(r"^Change\W+" + goals[0][0])))
    expect(main(doctor)).to_contain_text("The family decides what goes into the plan.")
    doctor.locator("#id_measure").fill("20 steps, 3 times a week")
    doctor.get_by_label("Why this change").fill("She is ready for more.")
    click(doctor, button(doctor, "Send to the family"))
    saved(doctor, "Your change was sent to the family.")
    expect(
        main(doctor).get_by_role("region", name="Your proposals waiting for the family")
    ).to_contain_text("20 steps, 3 times a week")

    parent.reload()
    check_page(parent)
    proposals = main(parent).get_by_role("region", name="Changes proposed by the team")
    expect(proposals).to_contain_text("She is ready for more.")
    expect(proposals).to_contain_text("20 steps, 3 times a week")
    click(parent, proposals.get_by_role("button", name="Accept into the plan"))
    saved(parent, "Accepted. The plan has a new version.")
    expect(main(parent).get_by_role("region", name="Changes proposed by the team")).to_have_count(0)
    expect(plan_goals).to_contain_text("20 steps, 3 times a week")
    click(parent, main(parent).get_by_role("link", name="Versions and changes"))
    expect(main(parent).get_by_role("row")).to_have_count(5)  # a header and 4 versions
    parent.get_by_label("Older version").select_option(label="Version 3")
    parent.get_by_label("Newer version").select_option(label="Version 4")
    click(parent, button(parent, "Compare"))
    diff = main(parent).get_by_role("region", name="What changed from version 3 to version 4")
    expect(diff).to_contain_text(f"Changed: {goals[0][0]}")
    expect(diff.locator("del")).to_contain_text("10 steps, 3 times a week")
    expect(diff.locator("ins")).to_contain_text("20 steps, 3 times a week")

    # 6. A thank-you note to the clinician, who sees it arrive.
    open_section(parent, "Messages")
    click(parent, main(parent).get_by_role("button", name="Write a message"))
    parent.get_by_role("checkbox", name=f"{DOCTOR} (primary care provider)").check()
    parent.get_by_label("Subject").fill("Thank you")
    parent.get_by_label("Your message").fill("Thank you for the letter, it came just in time.")
    parent.get_by_label("This is a thank-you note").check()
    click(parent, button(parent, "Send"))
    saved(parent, "Message sent.")
    expect(main(parent).get_by_role("heading", level=2)).to_contain_text("thank-you note")

    doctor.reload()
    check_page(doctor)
    inbox = doctor.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Messages")
    )
    expect(inbox).to_contain_text("1 unread message")
    click(doctor, inbox)
    click(doctor, main(doctor).get_by_role("link", name="Thank you", exact=True))
    note = main(doctor).get_by_role("article")
    expect(note).to_contain_text("Sofia Rivera")
    expect(note).to_contain_text("Thank you for the letter, it came just in time.")
    expect(note).to_contain_text("new")
    expect(main(doctor).get_by_role("heading", level=2)).to_contain_text("thank-you note")
    expect(inbox).not_to_contain_text("unread")
