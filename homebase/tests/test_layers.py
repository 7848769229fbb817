"""Imports only point down the layers (DESIGN.md, "Layers").

accounts ← children ← records ← coordination ← interop ← clinic, pathways,
community ← homebase. An app may import its own layer and the ones below it;
a lower app that needs something from a higher one offers a hook that the
higher one registers in ``AppConfig.ready()``.

Every import counts, at module level or inside a function. Tests are left
out: they exercise the assembled site. Migrations are left out: Django writes
them. ``fhir`` is the interop app's old name (the ``fhir.resources`` library
is not an app).
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"accounts"}),
    frozenset({"children"}),
    frozenset({"records"}),
    frozenset({"coordination"}),
    frozenset({"interop", "fhir"}),
    frozenset({"clinic", "pathways", "community"}),
    frozenset({"homebase"}),
)
LIBRARIES = ("fhir.resources",)
ROOT = Path(settings.BASE_DIR)


def layer_of(app: str) -> int | None:
    return next((n for n, names in enumerate(LAYERS) if app in names), None)


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports(app: str, path: str, source: str) -> list[str]:
    """The imports in ``source`` (a module of ``app``) that reach a higher layer."""
    own = layer_of(app)
    assert own is not None, f"{app} is in no layer: add it to LAYERS (and DESIGN.md)"
    problems = []
    for line, module in _imported(ast.parse(source)):
        if module.startswith(LIBRARIES):
            continue
        target = layer_of(module.split(".")[0])
        if target is not None and target > own:
            problems.append(f"{path}:{line} imports {module} (a higher layer)")
    return problems


def _project_apps() -> list[str]:
    """Apps (and the site package) that live in this repository."""
    return sorted(
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT and "." not in config.name
    )


def _modules(app: str) -> list[Path]:
    return sorted(
        path
        for path in (ROOT / app).rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
    )


def test_every_app_has_a_layer() -> None:
    assert _project_apps()
    missing = [app for app in _project_apps() if layer_of(app) is None]
    assert not missing, f"apps in no layer: {missing}"
    assert set(_project_apps()) >= {"accounts", "children", "records", "coordination", "homebase"}
    assert set(settings.INSTALLED_APPS) >= set(_project_apps())


def test_imports_only_point_down() -> None:
    problems = []
    checked = 0
    for app in _project_apps():
        for path in _modules(app):
            checked += 1
            rel = str(path.relative_to(ROOT))
            problems += upward_imports(app, rel, path.read_text())
    assert checked > 50
    assert not problems, "\n".join(problems)


# The test of the test: planted violations are found, allowed imports are not.


@pytest.mark.parametrize(
    ("app", "source"),
    [
        ("accounts", "from children import access"),
        ("children", "from coordination.models import Thread"),
        ("children", "def f():\n    from records.registry import KINDS\n"),
        ("records", "import fhir.models"),
        ("records", "from interop.models import SourceLink"),
        ("coordination", "from homebase.views import home"),
        ("interop", "from clinic.models import Panel"),
        ("clinic", "import homebase.navigation"),
        ("pathways", "from homebase import demo"),
    ],
)
def test_a_planted_upward_import_is_found(app: str, source: str) -> None:
    assert upward_imports(app, f"{app}/planted.py", source)


@pytest.mark.parametrize(
    ("app", "source"),
    [
        ("children", "from accounts.models import User\nfrom . import access"),
        ("records", "from fhir.resources.R4B.patient import Patient"),
        ("interop", "from coordination.models import Visit\nfrom fhir import mapping"),
        ("community", "from clinic import models"),
        ("homebase", "from interop import views\nfrom community import models"),
    ],
)
def test_an_import_down_or_across_is_allowed(app: str, source: str) -> None:
    assert upward_imports(app, f"{app}/planted.py", source) == []


def test_an_app_without_a_layer_fails() -> None:
    with pytest.raises(AssertionError, match="in no layer"):
        upward_imports("school", "school/views.py", "import os")
