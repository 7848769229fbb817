"""Real-browser fixtures: Debian's Chromium driven by Playwright's sync API.

Never ``playwright install``: the browser is /usr/bin/chromium
(``apt-get install -y chromium``), launched with the arguments of STACK.md 3.6.
Every page of a journey goes through ``check_page``: axe-core (WCAG 2.1 A/AA),
no horizontal scroll at 360 px, no script or CSP errors in the console, no
aria-describedby or label pointing at a missing id.
BROWSER_SCREENSHOTS=/some/folder keeps a 360 px picture of each page checked.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # without this, Chromium still does DNS lookups for Google autofill/accounts/update hosts
    "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,"
    "DialMediaRouteProvider,Translate,NetworkTimeServiceQuerying,CertificateTransparencyComponentUpdater",
]
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
TIMEOUT_MS = 10_000

# Elements wider than the viewport, to say what causes a horizontal scroll.
_OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter(el => el.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8)
    .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
         + (typeof el.className === "string" && el.className
            ? "." + el.className.trim().replace(/\\s+/g, ".") : "")
         + " right=" + Math.round(el.getBoundingClientRect().right));
}"""

# axe only asks for a review when aria-describedby points nowhere; here it fails.
_BROKEN_IDREFS = """() => {
  const broken = [];
  for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const el of document.querySelectorAll("[" + attr + "]")) {
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) {
          broken.push(`${el.tagName.toLowerCase()}#${el.id} ${attr}="${id}"`);
        }
      }
    }
  }
  for (const label of document.querySelectorAll("label[for]")) {
    if (!document.getElementById(label.htmlFor)) broken.push(`label for="${label.htmlFor}"`);
  }
  return broken;
}"""


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            summary = node.get("failureSummary", "").splitlines()[-1:]
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


_shot_count = [0]


def check_page(page: Any, *, desktop: bool = True) -> None:
    """Assert that the page is accessible (axe, WCAG 2.1 A/AA) and fits a 360 px screen.

    The journey runs at 360 px; with ``desktop`` the axe scan is repeated at
    1280 px, then the phone size is restored.
    """
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    where = f"{page.url} ({page.title()!r})"
    # A 404 (favicon, the expected refusals) is checked by the test itself, not here.
    errors = [
        e for e in page.context.homebase_errors if not e.startswith("Failed to load resource")
    ]
    page.context.homebase_errors.clear()
    assert not errors, f"Console or script errors on {where}:\n" + "\n".join(errors)

    sizes = [PHONE, DESKTOP] if desktop else [PHONE]
    for size in sizes:
        page.set_viewport_size(size)
        result = Axe().run(page, options=AXE_OPTIONS)
        violations = result.response["violations"]
        assert not violations, (
            f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {where} "
            f"at {size['width']} px:\n" + _describe(violations)
        )
    page.set_viewport_size(PHONE)

    shots = os.environ.get("BROWSER_SCREENSHOTS")  # a folder: keep a 360 px picture of every page
    if shots:
        _shot_count[0] += 1
        name = re.sub(r"[^a-z0-9]+", "-", page.title().lower()).strip("-")[:40]
        page.screenshot(path=str(Path(shots) / f"{_shot_count[0]:02d}-{name}.png"), full_page=True)

    broken = page.evaluate(_BROKEN_IDREFS)
    assert not broken, f"References to missing ids on {where}: {broken}"

    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], (
        f"Horizontal scroll at 360 px on {where}: "
        f"scrollWidth {widths[0]} > clientWidth {widths[1]}; "
        f"too wide: {page.evaluate(_OVERFLOWING)}"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    # Playwright's sync API keeps an event loop running in this thread; Django's
    # ORM calls from the test (reading the outbox, the database) are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any, live_server: Any, transactional_db: Any) -> Iterator[Callable[[], Any]]:
    """Open a page in a fresh browser context (its own cookies: one person) at 360x800."""
    contexts: list[Any] = []

    def open_page() -> Any:
        context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        context.homebase_errors = []
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and context.homebase_errors.append(m.text))
        page.on("pageerror", lambda exc: context.homebase_errors.append(f"pageerror: {exc}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
