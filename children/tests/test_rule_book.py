"""The rule book has no copies: only a few modules query a child's rows directly.

Every read of a child's data goes through ``children/access.py``. A view reads
from the authorized object (``child.referrals``, ``visit.questions``) or asks
``access`` (``access.scoped(Referral.objects.filter(...), user)``,
``access.child_rows(child, model, user)``). This test walks the code, the way
the URL matrix walks the resolver, and fails on a query of a child-owned model
(``Model.objects``, ``Model._default_manager``, or a manager reached through a
variable holding a model) anywhere else than:

* ``children/access.py``, the rule book itself, and ``children/audit.py``
  (it appends to the access log);
* services (``services.py`` or a ``services/`` package): they write rows the
  caller has already authorized;
* the importer and the demo loader, which write whole records as a system actor.

A manager used as an argument of an ``access`` call, or only to say "no rows"
(``Model.objects.none()`` as a form field's starting queryset), is fine.
"""

import ast
from fnmatch import fnmatch
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from children.models import Child

ROOT = Path(settings.BASE_DIR)
ALLOWED = (
    "children/access.py",
    "children/audit.py",
    "*/services.py",
    "*/services/*.py",
    # System actors: commands run by whoever runs the server and holds the database.
    "*/management/commands/*.py",
    # The API tokens' services: made, stopped, and found by their secret.
    "interop/api/tokens.py",
    "interop/importer.py",
    "interop/importer/*.py",
    "homebase/demo/*.py",
)
MANAGERS = ("objects", "_default_manager")


def child_owned_models() -> frozenset[str]:
    """Names of the models whose rows belong to a child (and the child itself)."""
    names = {Child.__name__}
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "child"), None)
        if field is not None and field.related_model is Child:
            names.add(model.__name__)
    return frozenset(names)


def other_models() -> frozenset[str]:
    return frozenset(m.__name__ for m in apps.get_models()) - child_owned_models()


def _name(node: ast.expr) -> str:
    """The last name of ``node``: ``Visit`` for ``models.Visit``, ``model`` for ``k.model``."""
    if isinstance(node, ast.Call) and _name(node.func) == "get_user_model":
        return "User"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_access_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "access"
    )


def direct_queries(path: str, source: str, owned: frozenset[str], others: frozenset[str]) -> list:
    """Manager uses in ``source`` that read child-owned rows without ``access``."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in MANAGERS):
            continue
        model = _name(node.value)
        if model in others and model not in owned:
            continue
        # `Model.objects.none()`: no rows, no query.
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr == "none":
            continue
        # Handed to `access` (scoped, child_rows...), which decides.
        up = parent
        while up is not None and not _is_access_call(up):
            up = parents.get(up)
        if up is not None:
            continue
        problems.append(f"{path}:{node.lineno} queries {model or 'a model'} directly")
    return problems


def _modules() -> list[Path]:
    found = []
    for config in apps.get_app_configs():
        if Path(config.path).parent != ROOT:
            continue
        for path in Path(config.path).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if {"tests", "migrations"} & set(rel.parts):
                continue
            found.append(path)
    return sorted(found)


def test_child_rows_are_read_only_through_access() -> None:
    owned, others = child_owned_models(), other_models()
    assert {"Child", "Visit", "Medication", "CareTeamMember", "Thread"} <= owned
    problems = []
    modules = _modules()
    for path in modules:
        rel = str(path.relative_to(ROOT))
        if any(fnmatch(rel, pattern) for pattern in ALLOWED):
            continue
        problems += direct_queries(rel, path.read_text(), owned, others)
    assert len(modules) > 50
    assert not problems, "\n".join(problems)


# The test of the test: planted bypasses are found, the allowed shapes are not.


@pytest.mark.parametrize(
    "source",
    [
        "Visit.objects.filter(child=child)",
        "from coordination import models\nmodels.Referral.objects.get(pk=1)",
        "def f(k):\n    return k.model._default_manager.filter(child=child)",
        "type(item)._default_manager.get(pk=item.pk)",
        "Child.objects.filter(first_name='Maya')",
        "Medication.objects.all().none().union(Medication.objects.all())",
        "x = access.can(user, 'health.view', child) and Allergy.objects.count()",
    ],
)
def test_a_planted_direct_query_is_found(source: str) -> None:
    found = direct_queries("records/planted.py", source, child_owned_models(), other_models())
    assert found, source


@pytest.mark.parametrize(
    "source",
    [
        "child.medications.filter(status='active')",
        "access.scoped(Referral.objects.filter(child=child), user)",
        "access.child_rows(child, Condition, user)",
        "queryset = CareTeamMember.objects.none()",
        "Practice.objects.filter(name='Sunrise')",
        "User.objects.filter(email=email)",
    ],
)
def test_allowed_shapes_are_not_flagged(source: str) -> None:
    found = direct_queries("records/planted.py", source, child_owned_models(), other_models())
    assert found == [], source


def test_the_allow_list_is_narrow() -> None:
    assert any(fnmatch("coordination/services/plan.py", p) for p in ALLOWED)
    assert not any(fnmatch("coordination/views/plan.py", p) for p in ALLOWED)
    assert not any(fnmatch("records/views.py", p) for p in ALLOWED)
    assert not any(fnmatch("homebase/views.py", p) for p in ALLOWED)
