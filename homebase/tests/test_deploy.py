import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **changes):
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "AUDIT_KEY": secrets.token_urlsafe(48),
        "MFA_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "HTTPS": "True",
        "ALLOWED_HOSTS": "homebase.example.org",
        "EMAIL": "smtp",
        "HOMEBASE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "homebase.settings",
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "code"), [("AUDIT_KEY", "children.E001"), ("MFA_ENCRYPTION_KEY", "accounts.E001")]
)
def test_production_start_is_refused_without_a_key_outside_the_database(tmp_path, missing, code):
    env = production_env(tmp_path, **{missing: None})
    started = manage(env, "check")  # every start runs the checks: migrate, the WSGI app
    assert started.returncode == 1 and code in started.stderr
    deploy = manage(production_env(tmp_path, HTTPS="False", **{missing: None}), "check", "--deploy")
    assert deploy.returncode == 1 and code in deploy.stderr
    development = manage(production_env(tmp_path, HTTPS="False", **{missing: None}), "check")
    assert development.returncode == 0, development.stderr


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
