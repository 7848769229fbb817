"""ONC 170.315(d)(8) integrity and (d)(9) trusted connection."""

import json
import subprocess
import sys
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import sign_in
from homebase.tests.test_deploy import ROOT, production_env


def _export(client: Any, cast: dict[str, Any]) -> bytes:
    response = client.get(reverse("fhir:export-download", args=[cast["child"].uuid]))
    assert response.status_code == 200
    return response.content


def _import(client: Any, cast: dict[str, Any], content: bytes) -> Any:
    upload = SimpleUploadedFile("maya.json", content, content_type="application/fhir+json")
    return client.post(reverse("fhir:import", args=[cast["child"].uuid]), {"files": upload})


def test_an_export_with_one_changed_byte_is_refused_on_import(client, cast):
    sign_in(client, cast["owner"])
    exported = _export(client, cast)
    assert _import(client, cast, exported).status_code == 302  # the untouched file is taken
    at = exported.index(b'"Maya"') + 3
    changed = exported[:at] + b"x" + exported[at + 1 :]  # "Maya" -> "Maxa": one byte
    assert sum(a != b for a, b in zip(changed, exported, strict=True)) == 1
    response = _import(client, cast, changed)
    assert response.status_code == 200
    assert "digest does not match" in response.content.decode()


def _production_settings(tmp_path: Any) -> dict[str, Any]:
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_redirects_http_to_https_with_hsts_and_secure_cookies(
    client, cast, settings, tmp_path
):
    production = _production_settings(tmp_path)
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    for name, value in production.items():
        setattr(settings, name, value)
    response = client.get(reverse("account_login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("account_login")
    page = client.get(reverse("account_login"), secure=True)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page.cookies["csrftoken"]["secure"]
    signed_in = client.post(
        reverse("account_login"),
        {"login": cast["owner"].email, "password": "correct horse battery"},
        secure=True,
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
