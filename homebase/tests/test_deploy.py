import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "HTTPS": "True",
        "ALLOWED_HOSTS": "homebase.example.org",
        "EMAIL": "smtp",
        "HOMEBASE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "homebase.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_generated_once_into_var(tmp_path):
    env = {
        **os.environ,
        "HOMEBASE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "homebase.settings",
    }
    env.pop("SECRET_KEY", None)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    second = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert first.stdout == second.stdout and len(first.stdout.strip()) > 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_csp_forbids_plugins_base_and_framing_and_inline_scripts(client, cast):
    client.force_login(cast["owner"])
    for url in (
        "/",
        reverse("children:overview", args=[cast["child"].uuid]),
        reverse("account_login"),
    ):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        for directive in (
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ):
            assert directive in policy
        assert "unsafe-inline" not in policy
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()), url
        assert " style=" not in response.content.decode()
