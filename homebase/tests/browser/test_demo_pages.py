"""Every page of the demo family's record, as the parent and as the read-only
PCP: axe finds no WCAG 2.1 AA violation and nothing scrolls sideways at 360 px."""

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from children.models import Child
from homebase.demo import PASSWORD

from .conftest import check_page

pytestmark = pytest.mark.browser


def sign_in(page: Any, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()


def detail_links(page: Any, pattern: str) -> list[str]:
    hrefs = page.locator("main a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h and re.search(pattern, h)][:2]


def test_demo_record_pages_pass_axe_at_phone_width(new_page: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    maya = Child.objects.get()
    base = f"/children/{maya.uuid}/"
    page = new_page()
    sign_in(page, "parent@demo.homebase.test")
    lists = [
        "",
        "profile/",
        "visits/",
        "tasks/",
        "referrals/",
        "paperwork/",
        "medicines/",
        "allergies/",
        "immunizations/",
        "measurements/",
        "insurance/",
        "journal/",
        "documents/",
        "team/",
        "sharing/",
        "access-log/",
        "medicines/new/",
        "visits/new/",
        "referrals/new/",
        "paperwork/new/",
        "messages/",
        "messages/new/",
        "meetings/",
        "meetings/new/",
        "plan/",
        "plan/about/",
        "plan/goals/add/",
        "plan/needs/add/",
        "plan/versions/",
    ]
    details: list[str] = []
    for path in lists:
        page.goto(base + path)
        check_page(page)
        if path in ("visits/", "referrals/", "paperwork/", "messages/", "meetings/"):
            details += detail_links(
                page, r"/(visits|referrals|paperwork|messages|meetings)/[0-9a-f-]{36}/$"
            )
        if path == "plan/versions/":  # once the demo has a plan: its versions
            details += detail_links(page, r"/plan/versions/\d+/$")
    assert details, "the demo lists link to their items"
    for href in details:
        page.goto(href)
        check_page(page)
        if "/visits/" in href:
            page.goto(href + "sheet/")
            check_page(page)
            page.goto(href + "record/")
            check_page(page)
        if "/meetings/" in href:
            for part in ("agenda/", "record/"):
                page.goto(href + part)
                check_page(page)
    for path in ("/tasks/", "/paperwork/", "/messages/", "/calendar/"):
        page.goto(path)
        check_page(page)

    doctor = new_page()
    sign_in(doctor, "pcp@demo.homebase.test")
    doctor.goto("/paperwork/")
    check_page(doctor)
    expect(doctor.get_by_role("main")).to_contain_text("Letter of medical necessity")
    doctor.get_by_role("link", name=re.compile("Letter of medical necessity")).click()
    check_page(doctor)
    expect(doctor.get_by_role("button", name="Mark as done")).to_be_visible()
    for path in (base + "plan/", base + "messages/", "/messages/"):
        doctor.goto(path)
        check_page(doctor)
