"""Every user-facing string has a Spanish translation, and the compiled catalog is current."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def missing(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_spanish_catalog_is_complete():
    assert missing(polib.pofile(str(PO))) == []


def test_compiled_catalog_matches_the_source():
    po = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.pofile(str(PO))
        if e.translated()
    }
    mo = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO)) if e.msgid
    }
    assert po == mo, "Run `make messages` to compile the Spanish catalog."


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools not installed")
def test_every_string_in_the_code_is_in_the_catalog(tmp_path):
    # makemessages writes next to the sources, so it runs on a copy of them.
    copy = tmp_path / "src"
    skip = shutil.ignore_patterns(
        ".venv", "var", ".git", "node_modules", "bench", "__pycache__", "*.mo"
    )
    shutil.copytree(ROOT, copy, ignore=skip)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "es",
            "--no-obsolete",
            "--no-location",
            "-v",
            "0",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOMEBASE_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    untranslated = missing(polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")))
    assert untranslated == [], f"Translate these strings (make messages): {untranslated[:20]}"


def test_pages_speak_spanish_for_a_spanish_speaker(client, cast):
    cast["owner"].language = "es"
    cast["owner"].save()
    client.force_login(cast["owner"])
    page = client.get(reverse("children:overview", args=[cast["child"].uuid])).content.decode()
    assert 'lang="es"' in page
    assert "Alergias" in page and "Allergies" not in page
