"""The pages `make bench-scale` measures: add a page with one line in ``PAGES``.

``who`` names the signed-in person (see ``WHO``); ``url`` builds the address
from the ``World`` (the people and the child the measurements use). URLs come
from their names (``reverse``), which stay the same when views move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

# Who a page is measured as: nobody, a person signed in with a session, or the
# clinician's FHIR API token for the measured child (Authorization: Bearer).
WHO = ("anonymous", "clinician", "coordinator", "parent", "token")


@dataclass(frozen=True)
class World:
    clinician: Any  # a care team member with a grant on every child, staff of the practice
    coordinator: Any  # care coordinator of the practice every child is enrolled with
    child: Any  # the child in the middle of the table (by id)
    parent: Any  # that child's parent: owner of this one child only


@dataclass(frozen=True)
class Page:
    name: str
    who: str
    url: Callable[[World], str]
    expect: Callable[[World], str] | None = None  # text the page must contain


FLOOR = "login page (floor)"

PAGES = [
    Page(FLOOR, "anonymous", lambda w: reverse("account_login")),
    Page("team member's home", "clinician", lambda w: reverse("home")),
    Page("My tasks (team member)", "clinician", lambda w: reverse("coordination:my-tasks")),
    Page("Paperwork asked of me", "clinician", lambda w: reverse("coordination:paperwork-queue")),
    Page("Messages (team member)", "clinician", lambda w: reverse("coordination:my-messages")),
    Page(
        "one child's overview, team member",
        "clinician",
        lambda w: reverse("children:overview", args=[w.child.uuid]),
        lambda w: w.child.first_name,
    ),
    Page(
        "one child's overview, parent",
        "parent",
        lambda w: reverse("children:overview", args=[w.child.uuid]),
        lambda w: w.child.first_name,
    ),
    Page("parent's home, one child", "parent", lambda w: reverse("home"), lambda w: w.child.uuid),
    Page(
        "FHIR search (token)",
        "token",
        lambda w: reverse("fhir:api-search", args=["Condition"]) + "?clinical-status=active",
        lambda w: '"total":2',
    ),
]
