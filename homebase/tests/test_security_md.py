"""SECURITY.md names, for each ONC criterion (d)(1)–(d)(13), the tests that prove it.

A renamed or deleted test must not leave the conformance page pointing at
nothing: this fails until SECURITY.md is updated.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY = ROOT / "SECURITY.md"
CRITERIA = [f"(d)({n})" for n in range(1, 14)]
STATUSES = ("met", "in progress")


def _sections() -> dict[str, str]:
    text = SECURITY.read_text()
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {part.split(" ", 1)[0]: part for part in parts}


def _defined(path: Path, names: list[str]) -> bool:
    """``names`` (Class, method or just function) is defined in the module at ``path``."""
    scope: list[ast.stmt] = ast.parse(path.read_text()).body
    for name in names:
        found = next(
            (
                node
                for node in scope
                if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name
            ),
            None,
        )
        if found is None:
            return False
        scope = found.body
    return True


def test_every_criterion_has_a_section_with_a_status():
    sections = _sections()
    assert list(sections) == CRITERIA
    for criterion, body in sections.items():
        heading = body.splitlines()[0]
        assert heading.rsplit("— ", 1)[-1] in STATUSES, criterion


def test_every_named_test_exists_and_the_counts_match():
    met = 0
    for criterion, body in _sections().items():
        named = re.findall(r"^- `([^`]+)`$", body, flags=re.MULTILINE)
        count = re.search(r"^Tests \((\d+)\):", body, flags=re.MULTILINE)
        assert count is not None, f"{criterion} has no 'Tests (N):' line"
        assert int(count.group(1)) == len(named), criterion
        if body.splitlines()[0].endswith("— met"):
            met += 1
            assert named, f"{criterion} is met but names no test"
        for node_id in named:
            path, *names = node_id.split("::")
            assert (ROOT / path).is_file(), f"{criterion}: no file {path}"
            assert names and _defined(ROOT / path, names), f"{criterion}: no test {node_id}"
    assert f"**{met} of 13 met**" in SECURITY.read_text()
