"""Two app servers, one database: the README's "stateless app servers" proved.

Two gunicorn servers on free ports share one PostgreSQL database and one Redis
(the cache, ``REDIS_URL``). Each has its own ``var/`` directory, as on two
machines: what they share is only what a deployment shares (``SECRET_KEY``,
``DATABASE_URL``, ``REDIS_URL`` and the uploaded files' storage,
``MEDIA_ROOT``). One browser (one cookie jar: cookies do not carry the port)
goes back and forth between them as a load balancer would send it, and the
background worker runs as a third process.

Needs PostgreSQL (``DATABASE_URL``; the test makes and drops its own database
``<name>_two_servers`` on that server) and Redis (``REDIS_URL``, default
database 12 on 127.0.0.1). ``make test-slow`` runs it; ``make test`` does not.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit, urlunsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from django.urls import reverse

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEMO_PASSWORD = "homebase-demo"  # noqa: S105 (the demo family's, printed by `make run`)
PARENT = "parent@demo.homebase.test"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
WAIT = 60  # seconds for a server to answer, or the worker to finish


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL: set DATABASE_URL (make test-slow does)")
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "homebase"
    return urlunsplit(parts._replace(path=f"/{name}_two_servers"))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True
    ) as c:
        c.execute(sql)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A browser: one cookie jar for both servers, forms read from the pages.


class _Forms(HTMLParser):
    """The fields of every form on a page, with the values the page gives them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"] if self.forms else {}
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def form_fields(html: str, action: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["action"] == action:
            return dict(form["fields"])
    raise AssertionError(f"no form posting to {action} on the page")


@dataclass
class Page:
    url: str
    status: int
    text: str


@dataclass
class Browser:
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self) -> None:
        self.opener = build_opener(HTTPCookieProcessor(self.jar))

    def _open(self, request: Request) -> Page:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.geturl(), response.status, response.read().decode())
        except HTTPError as error:
            return Page(error.geturl(), error.code, error.read().decode())

    def get(self, server: str, path: str) -> Page:
        return self._open(Request(server + path))  # noqa: S310 (the test's own http servers)

    def post(
        self, server: str, path: str, data: dict[str, str], files: dict[str, bytes] | None = None
    ) -> Page:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        headers = {"X-CSRFToken": token or "", "Referer": server + path}
        if files:
            body, kind = _multipart({"csrfmiddlewaretoken": token or "", **data}, files)
            headers["Content-Type"] = kind
        else:
            body = urlencode({"csrfmiddlewaretoken": token or "", **data}).encode()
        request = Request(server + path, data=body, headers=headers, method="POST")  # noqa: S310
        return self._open(request)


def _multipart(data: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in data.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, content in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="records.json"\r\nContent-Type: application/json\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# The servers.


@dataclass
class Site:
    a: str
    b: str
    env: dict[str, str]  # for a third process (the worker)


def _env(database_url: str, var: Path, media: Path, secret: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secret,
        HOMEBASE_VAR_DIR=str(var),
        MEDIA_ROOT=str(media),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{port}",
        DEBUG="False",
        EMAIL="file",
        EMAIL_FILE_PATH=str(var / "mail"),
    )
    return env


def _manage(env: dict[str, str], *args: str, timeout: float = 300) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=timeout)


def _wait_for(server: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server on {server} stopped ({process.returncode})")
        try:
            if Browser().get(server, reverse("healthz")).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server on {server} did not answer in {WAIT} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import redis

    database_url = _database_url()
    name = urlsplit(database_url).path.lstrip("/")
    redis.Redis.from_url(REDIS_URL).flushdb()  # this test's own database number
    _admin(database_url, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(database_url, f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("two-servers")
    media = tmp / "shared-documents"  # the storage both machines mount
    secret = secrets.token_urlsafe(50)
    ports = [_free_port(), _free_port()]
    envs = [
        _env(database_url, tmp / f"var-{n}", media, secret, port)
        for n, port in zip("ab", ports, strict=True)
    ]
    _manage(envs[0], "migrate", "--noinput", "--verbosity", "0")
    _manage(envs[0], "load_demo")
    _manage(envs[0], "collectstatic", "--noinput", "--verbosity", "0")
    # The second machine's copy of the same release (collectstatic is per machine).
    shutil.copytree(tmp / "var-a" / "static", tmp / "var-b" / "static")
    servers = []
    try:
        for env, port in zip(envs, ports, strict=True):
            servers.append(
                subprocess.Popen(
                    [PYTHON, "-m", "gunicorn", "homebase.wsgi:application"]
                    # One process each, so "the other server" is always the other cache.
                    + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"]
                    + ["--log-level", "warning", "--no-control-socket"],
                    cwd=ROOT,
                    env=env,
                    start_new_session=True,
                )
            )
        addresses = [f"http://127.0.0.1:{port}" for port in ports]
        for address, process in zip(addresses, servers, strict=True):
            _wait_for(address, process)
        worker_env = _env(database_url, tmp / "var-worker", media, secret, ports[0])
        yield Site(a=addresses[0], b=addresses[1], env=worker_env)
    finally:
        for process in servers:
            os.killpg(process.pid, signal.SIGTERM)
        for process in servers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sign_in(browser: Browser, server: str, email: str, password: str = DEMO_PASSWORD) -> Page:
    login = reverse("account_login")
    browser.get(server, login)  # the CSRF cookie
    return browser.post(server, login, {"login": email, "password": password})


def child_uuid(home: str, name: str) -> str:
    found = re.search(r'href="/children/([0-9a-f-]{36})/"[^>]*>' + name, home)
    assert found, f"{name} is not on the home page"
    return found.group(1)


def item_uuid(page: str, slug: str, text: str) -> str:
    """The item named ``text`` on a list page: the first edit link after its name."""
    found = re.search(rf"{re.escape(text)}.*?/{slug}/([0-9a-f-]{{36}})/edit/", page, re.S)
    assert found, f"no edit link for {text!r}"
    return found.group(1)


def test_two_servers_share_sign_in_writes_cached_pages_and_the_worker(site: Site) -> None:
    browser = Browser()

    # Sign in on A, continue on B: the session lives in the database.
    signed_in = sign_in(browser, site.a, PARENT)
    assert signed_in.status == 200 and "Sign out" in signed_in.text, signed_in.text[:500]
    home = browser.get(site.b, reverse("home"))
    assert "Hello, Sofía" in home.text
    maya = child_uuid(home.text, "Maya")
    overview = reverse("children:overview", args=[maya])

    # Both servers render (and keep, in their own memory) the overview's sections.
    for server in (site.a, site.b):
        page = browser.get(server, overview)
        assert page.status == 200 and "Focal epilepsy" in page.text
        assert "Scoliosis (two servers)" not in page.text

    # Write on A, read on B: B's kept sections must not hide the new condition.
    add = reverse("records:conditions-create", args=[maya])
    fields = form_fields(browser.get(site.a, add).text, add)
    fields.update(name="Scoliosis (two servers)", status="active")
    saved = browser.post(site.a, add, fields)
    assert saved.status == 200 and "Scoliosis (two servers)" in saved.text
    assert "Scoliosis (two servers)" in browser.get(site.b, overview).text
    assert "Scoliosis (two servers)" in browser.get(site.a, overview).text

    # Change it on B, read on A: A's kept sections must not show the old name.
    listing = browser.get(site.b, reverse("records:conditions-list", args=[maya])).text
    item = item_uuid(listing, "conditions", "Scoliosis (two servers)")
    edit = reverse("records:conditions-update", args=[maya, item])
    fields = form_fields(browser.get(site.b, edit).text, edit)
    fields["name"] = "Scoliosis, mild (two servers)"
    assert browser.post(site.b, edit, fields).status == 200
    page = browser.get(site.a, overview).text
    assert "Scoliosis, mild (two servers)" in page
    assert "Scoliosis (two servers)" not in page

    # Upload on A (big enough to be imported in the background), confirm on B,
    # the worker (a third process) imports it, and A shows the result.
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:0b6f1f52-7a55-4b8e-9d43-3f8e2c1a9d01",
                "resource": {
                    "resourceType": "Patient",
                    "id": "maya",
                    "name": [{"family": "Rivera", "given": ["Maya"]}],
                },
            },
            {
                "fullUrl": "urn:uuid:5d3c1c9e-8f0a-4f53-9e0e-2b7a1c6f0a11",
                "resource": {
                    "resourceType": "Condition",
                    "id": "two-servers-1",
                    "clinicalStatus": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                "code": "active",
                            }
                        ]
                    },
                    "code": {"text": "Hip dysplasia (imported by the worker)"},
                    "subject": {"reference": "urn:uuid:0b6f1f52-7a55-4b8e-9d43-3f8e2c1a9d01"},
                },
            },
        ],
    }
    # Whitespace is still JSON: past 1 MiB the import goes to the queue.
    content = json.dumps(bundle).encode() + b" " * (1_100_000)
    start = reverse("fhir:import", args=[maya])
    browser.get(site.a, start)
    uploaded = browser.post(site.a, start, {}, files={"files": content})
    found = re.search(r"/imports/([0-9a-f-]{36})/$", uploaded.url)
    assert uploaded.status == 200 and found, re.findall(
        r'class="errorlist[^>]*>(.*?)</ul>', uploaded.text, re.S
    )
    batch = reverse("fhir:import-batch", args=[found.group(1)])
    confirm = reverse("fhir:import-confirm", args=[found.group(1)])
    preview = browser.get(site.b, batch).text
    fields = form_fields(preview, confirm)
    queued = browser.post(site.b, confirm, fields)
    assert queued.status == 200
    assert "Hip dysplasia (imported by the worker)" not in browser.get(site.a, overview).text
    _manage(site.env, "db_worker", "--batch", "--no-startup-delay", timeout=WAIT)
    assert "Hip dysplasia (imported by the worker)" in browser.get(site.a, overview).text

    # Sign out on B: A no longer knows the browser either.
    browser.post(site.b, reverse("account_logout"), {})
    assert "Hello, Sofía" not in browser.get(site.a, reverse("home")).text
    assert browser.get(site.a, overview).url.startswith(site.a + reverse("account_login"))

    # The login rate limit is counted in the shared cache (Redis), not per server:
    # five wrong passwords, spread over both, lock the sixth attempt on either.
    stranger = Browser()
    for n in range(5):
        wrong = sign_in(stranger, (site.a, site.b)[n % 2], PARENT, "not the password")
        assert wrong.status == 200 and "Sign out" not in wrong.text
    locked = sign_in(stranger, site.b, PARENT, "still not the password")
    assert locked.status == 429 or "Too many" in locked.text, locked.text[:500]
