"""Bringing a record in from a patient portal, in a real browser on a 360 px screen.

A parent uploads a Synthea FHIR bundle with the practitioner and hospital
bundles it points into, reads the preview, confirms, watches the progress bar
while the background worker imports it, and finds the imported immunizations
on the child's page. Every page goes through ``check_page`` (axe WCAG 2.1 A/AA
at 360 and 1280 px, no horizontal scroll).
"""

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import make_user
from interop.models import ImportBatch

from .conftest import check_page

pytestmark = pytest.mark.browser

SYNTHEA = Path(__file__).resolve().parents[4] / "shared" / "data" / "fhir" / "synthea"
PATIENT = SYNTHEA / "8a4c9c04-1524-9f1c-d65b-9b17e4520fef.json"
INFO = sorted(SYNTHEA.glob("0-*.json"))
EMAIL = "parent@example.org"
PASSWORD = "correct horse battery"  # noqa: S105 (conftest.make_user's test password)


def click(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def test_parent_imports_a_synthea_bundle(new_page: Any, settings: Any) -> None:
    settings.FHIR_IMPORT_BACKGROUND_BYTES = 100_000  # the bundle is bigger: a background import
    make_user(EMAIL)
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    click(page, page.get_by_role("main").get_by_role("button", name="Sign In", exact=True))

    click(page, page.get_by_role("link", name="Start a record from a patient portal file"))
    check_page(page)
    page.get_by_label("Files from the patient portal").set_input_files(
        [str(PATIENT), *map(str, INFO)]
    )
    click(page, page.get_by_role("button", name="Check the files"))
    check_page(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text("What would change")
    expect(main.get_by_role("row", name="Immunizations")).to_contain_text("7")
    expect(main).to_contain_text("A new record is made for")

    click(page, page.get_by_role("button", name="Bring them in"))
    progress = page.locator("progress")
    expect(progress).to_be_visible()
    expect(main).to_contain_text("Bringing the records in")
    check_page(page)
    assert ImportBatch.objects.get().status == "queued"

    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)  # the worker's turn
    expect(main).to_contain_text("Done.", timeout=15_000)  # htmx polls the batch every second
    expect(progress).to_have_count(0)
    check_page(page)

    click(page, page.get_by_role("button", name="Open the record"))
    check_page(page)
    click(
        page,
        page.get_by_role("navigation", name="Sections of the record").get_by_role(
            "link", name="Immunizations"
        ),
    )
    check_page(page)
    table = page.get_by_role("main").locator("table")
    expect(table.locator("tbody tr")).to_have_count(7)
    expect(table).to_contain_text("imported")
