"""A family and a clinician, in a real browser, on a 360 px phone screen.

The parent signs up, adds a child, a medicine and an allergy, and shares the
summary and the health notebook (read only) with a clinician. The clinician
signs up, accepts, sees only what was shared; the parent stops sharing, the
clinician is shut out, and the parent sees in "Who has seen this" what the
clinician opened.

Every page goes through ``check_page``: axe-core (WCAG 2.1 A/AA) at 360 and
1280 px, no horizontal scroll at 360 px.
"""

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from .conftest import check_page

pytestmark = pytest.mark.browser

PARENT = "ana.rivera@example.org"
CLINICIAN = "dr.okafor@example.org"
PASSWORD = "violet-harbor-lantern-58"
LINK = re.compile(r"https?://\S+")
SCREENSHOT = "/tmp/overview-360.png"  # noqa: S108 (a picture to look at, nothing secret)
HIDDEN_FROM_CLINICIAN = ("Insurance", "Journal", "Documents", "Sharing", "Who has seen this")


def link_in_last_email(to: str, contains: str) -> str:
    """The path of the link in the newest email to ``to`` (the live server runs in this process)."""
    for message in reversed(mail.outbox):
        if to in message.to:
            for url in LINK.findall(str(message.body)):
                if contains in url:
                    return re.sub(r"^https?://[^/]+", "", url)
    subjects = [m.subject for m in mail.outbox]
    raise AssertionError(f"No email to {to} with a {contains!r} link; outbox: {subjects}")


def main(page: Any) -> Any:
    return page.get_by_role("main")


def click(page: Any, locator: Any) -> None:
    """Click a link or a submit button and wait for the page it leads to (redirects included)."""
    with page.expect_navigation():
        locator.click()


def sections(page: Any) -> Any:
    return page.get_by_role("navigation", name="Sections of the record")


def open_section(page: Any, name: str) -> None:
    click(page, sections(page).get_by_role("link", name=name, exact=True))
    current = sections(page).get_by_role("link", name=name, exact=True)
    expect(current).to_have_attribute("aria-current", "page")


def sign_up(page: Any, email: str, name: str) -> None:
    """Create an account, open the verification link, sign in: ends on the home page."""
    page.goto("/")
    check_page(page)
    click(page, main(page).get_by_role("button", name="Create an account"))
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    check_page(page)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    click(page, main(page).get_by_role("button", name="Sign Up", exact=True))
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    check_page(page)

    page.goto(link_in_last_email(email, "/accounts/confirm-email/"))
    check_page(page)
    click(page, main(page).get_by_role("button", name="Confirm", exact=True))
    if "/accounts/login/" in page.url:
        check_page(page)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        click(page, main(page).get_by_role("button", name="Sign In", exact=True))
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()
    check_page(page)


def card(page: Any, heading: str) -> Any:
    return main(page).get_by_role("article").filter(has=page.get_by_role("heading", name=heading))


def test_family_shares_with_a_clinician_then_stops(
    new_page: Any, live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url  # the invitation email links to this server
    parent = new_page()

    # 1. The parent signs up and verifies the email address.
    sign_up(parent, PARENT, "Sofia Rivera")

    # 2. Adds a child from the home page.
    click(parent, main(parent).get_by_role("button", name="Add a child"))
    expect(parent).to_have_url(re.compile(r"/children/new/$"))
    check_page(parent)
    parent.get_by_label("First name").fill("Maya")
    parent.get_by_label("Last name").fill("Rivera")
    parent.get_by_label("Date of birth").fill("2016-03-14")
    click(parent, main(parent).get_by_role("button", name="Add", exact=True))
    expect(parent).to_have_url(re.compile(r"/children/[0-9a-f-]{36}/$"))
    overview = parent.url.removeprefix(live_server.url)
    expect(main(parent).get_by_role("heading", level=1)).to_have_text("Maya Rivera")
    check_page(parent)

    # 3. A medicine (dose and schedule are required) and an allergy.
    open_section(parent, "Medicines")
    check_page(parent)
    click(parent, main(parent).get_by_role("button", name="Add a medicine"))
    check_page(parent)
    parent.get_by_label("Medicine").fill("Levetiracetam")
    click(parent, main(parent).get_by_role("button", name="Save", exact=True))
    expect(parent).to_have_url(re.compile(r"/medicines/new/$"))  # refused: no dose, no schedule
    expect(parent.get_by_label("Dose")).to_have_attribute("aria-invalid", "true")
    expect(parent.get_by_label("When to give it")).to_have_attribute("aria-invalid", "true")
    check_page(parent)
    parent.get_by_label("Dose").fill("250 mg")
    parent.get_by_label("When to give it").fill("twice a day, 8am and 8pm")
    parent.get_by_label("How it is given").fill("by mouth")
    click(parent, main(parent).get_by_role("button", name="Save", exact=True))
    expect(parent).to_have_url(re.compile(r"/medicines/$"))
    expect(main(parent).get_by_role("row").filter(has_text="Levetiracetam")).to_have_count(1)
    check_page(parent)

    open_section(parent, "Allergies")
    check_page(parent)
    click(parent, main(parent).get_by_role("button", name="Add an allergy"))
    check_page(parent)
    parent.get_by_label("Allergic to").fill("Peanuts")
    parent.get_by_label("Kind").select_option(label="food")
    parent.get_by_label("What happens").fill("hives, swelling")
    parent.get_by_label("How serious").select_option(label="severe (life-threatening)")
    parent.get_by_label("What to do").fill("Give the EpiPen, call 911.")
    click(parent, main(parent).get_by_role("button", name="Save", exact=True))
    expect(parent).to_have_url(re.compile(r"/allergies/$"))
    expect(main(parent).get_by_role("row").filter(has_text="Peanuts")).to_have_count(1)
    check_page(parent)

    open_section(parent, "Overview")
    expect(card(parent, "Medicines now")).to_contain_text("Levetiracetam")
    expect(card(parent, "Allergies")).to_contain_text("Peanuts")
    check_page(parent)

    # 4. Invites a clinician: care team member, summary and health, read only.
    open_section(parent, "Sharing")
    check_page(parent)
    click(parent, main(parent).get_by_role("button", name="Invite someone"))
    check_page(parent)
    parent.get_by_label("Their email address").fill(CLINICIAN)
    parent.get_by_label("Their name").fill("Dr. Okafor")
    parent.get_by_label(re.compile(r"care team member")).check()
    parent.get_by_label("Their role on the team").select_option(label="primary care provider")
    scopes = parent.get_by_role("group", name="What they can see")
    for box in scopes.get_by_role("checkbox").all():
        box.uncheck()
    scopes.get_by_label(re.compile(r"Summary:")).check()
    scopes.get_by_label(re.compile(r"Health:")).check()
    expect(scopes.get_by_role("checkbox", checked=True)).to_have_count(2)
    expect(parent.get_by_label("They may also add and change things")).not_to_be_checked()
    click(parent, main(parent).get_by_role("button", name="Send the invitation"))
    expect(parent).to_have_url(re.compile(r"/sharing/$"))
    expect(main(parent).get_by_text(f"Invitation sent to {CLINICIAN}")).to_be_visible()
    cancel = main(parent).get_by_role("button", name=f"Cancel invitation {CLINICIAN}")
    expect(cancel).to_have_count(1)
    check_page(parent)

    # 5. The clinician, in another browser context, signs up, verifies and accepts.
    clinician = new_page()
    sign_up(clinician, CLINICIAN, "Dr. Okafor")
    clinician.goto(link_in_last_email(CLINICIAN, "/invitations/"))
    check_page(clinician)
    expect(main(clinician).get_by_text("You can read but not change anything.")).to_be_visible()
    click(clinician, main(clinician).get_by_role("button", name="Accept"))
    expect(clinician).to_have_url(re.compile(re.escape(overview) + "$"))
    expect(main(clinician).get_by_role("heading", level=1)).to_have_text("Maya Rivera")
    expect(card(clinician, "Medicines now")).to_contain_text("Levetiracetam")
    expect(card(clinician, "Allergies")).to_contain_text("Peanuts")
    check_page(clinician)
    shown = sections(clinician).get_by_role("link").all_inner_texts()
    assert "Medicines" in shown, shown
    for hidden in HIDDEN_FROM_CLINICIAN:
        assert hidden not in shown, f"{hidden!r} is in the clinician's navigation: {shown}"
    open_section(clinician, "Medicines")
    expect(main(clinician).get_by_role("row").filter(has_text="Levetiracetam")).to_have_count(1)
    # Read only: no way to add.
    expect(main(clinician).get_by_role("button", name="Add a medicine")).to_have_count(0)
    check_page(clinician)
    for section in ("insurance", "journal"):
        response = clinician.goto(f"{overview}{section}/")
        status = response.status if response else None
        assert status == 404, f"{section} answered {status} to the clinician"
        check_page(clinician)
    clinician.goto(overview)
    check_page(clinician)

    # 6. The parent stops sharing.
    parent.reload()
    check_page(parent)
    row = main(parent).get_by_role("row").filter(has_text=CLINICIAN)
    click(parent, row.get_by_role("link", name="Stop sharing"))
    expect(parent).to_have_url(re.compile(r"/stop/$"))
    check_page(parent)
    click(parent, main(parent).get_by_role("button", name="Yes, stop sharing"))
    expect(parent).to_have_url(re.compile(r"/sharing/$"))
    expect(main(parent).get_by_text("Sharing stopped.")).to_be_visible()
    expect(main(parent).get_by_role("row").filter(has_text=CLINICIAN)).to_have_count(0)
    check_page(parent)

    # 7. The clinician's next look at the overview is refused.
    response = clinician.reload()
    assert response is not None and response.status == 404, response and response.status
    check_page(clinician)

    # 8. The parent sees what the clinician opened.
    open_section(parent, "Who has seen this")
    check_page(parent)
    clinician_rows = main(parent).get_by_role("row").filter(has_text="Dr. Okafor")
    expect(clinician_rows.filter(has_text="viewed: overview page").first).to_be_visible()
    expect(clinician_rows.filter(has_text="viewed: medicines list")).to_have_count(1)
    expect(clinician_rows.filter(has_text="accepted an invitation")).to_have_count(1)

    # The overview as the parent shows it on a phone after all this.
    open_section(parent, "Overview")
    check_page(parent)
    parent.screenshot(path=SCREENSHOT, full_page=True)
