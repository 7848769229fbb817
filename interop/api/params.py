"""Reading a search's query string: filters, ``_count`` and ``_offset``.

Repeated parameters must all match (AND); commas inside one value are
alternatives (OR). A parameter the API does not know, a modifier, or a value
it cannot read is a ``BadParameter`` (400), never silently ignored.
"""

from __future__ import annotations

import operator
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from children.models import Child

from .kinds import NOTHING, BadParameter, Kind

DEFAULT_COUNT = 50
MAX_COUNT = 200
MAX_OFFSET = 10**9  # far past any record; a bigger one overflows the database's integers
# Result parameters a client library may send that change nothing here.
HARMLESS = frozenset({"_pretty", "_total", "_totalMethod"})
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le")
UNSUPPORTED_PREFIXES = ("sa", "eb", "ap")
_DATE = re.compile(
    r"^(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<fraction>\.\d{1,6})?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


@dataclass(frozen=True)
class Page:
    count: int
    offset: int


@dataclass(frozen=True)
class Search:
    where: Q
    page: Page


def _integer(name: str, value: str, low: int, high: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if number < low:
        raise BadParameter(
            _("%(name)s must be a whole number of at least %(low)s.") % {"name": name, "low": low}
        )
    if high is not None and number > high:
        raise BadParameter(_("%(name)s must be at most %(high)s.") % {"name": name, "high": high})
    return number


def page_of(query: QueryDict) -> Page:
    count = _integer("_count", query.get("_count") or str(DEFAULT_COUNT), 0)
    offset = _integer("_offset", query.get("_offset") or "0", 0, MAX_OFFSET)
    return Page(count=min(count, MAX_COUNT), offset=offset)


def _interval(text: str) -> tuple[datetime, datetime]:
    """The span of time a FHIR date or dateTime stands for: [start, end)."""
    found = _DATE.match(text)
    if found is None:
        raise ValueError(text)
    part = {k: v for k, v in found.groupdict().items() if v is not None}
    numbers = {
        k: int(part.get(k, default)) for k, default in (("year", 0), ("month", 1), ("day", 1))
    }
    start = datetime(**numbers)  # type: ignore[arg-type]
    if "hour" in part:
        fraction = part.get("fraction", "")
        start = start.replace(
            hour=int(part["hour"]),
            minute=int(part["minute"]),
            second=int(part.get("second", 0)),
            microsecond=int((fraction[1:] + "000000")[:6]) if fraction else 0,
        )
    zone = part.get("zone")
    if zone:
        start = datetime.fromisoformat(start.isoformat() + zone.replace("Z", "+00:00"))
    else:
        start = timezone.make_aware(start)
    if "fraction" in part:
        step = timedelta(microseconds=10 ** (6 - len(part["fraction"][1:])))
    elif "second" in part:
        step = timedelta(seconds=1)
    elif "minute" in part:
        step = timedelta(minutes=1)
    elif "day" in part:
        step = timedelta(days=1)
    elif "month" in part:
        next_month = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        return start, next_month
    else:
        return start, start.replace(year=start.year + 1)
    return start, start + step


def date_filter(name: str, field: str, value: str) -> Q:
    """``_lastUpdated=ge2024-01-01`` and the like, on a datetime field."""
    prefix = value[:2]
    if prefix in UNSUPPORTED_PREFIXES:
        raise BadParameter(
            _("%(name)s does not support the prefix %(prefix)s.") % {"name": name, "prefix": prefix}
        )
    if prefix in PREFIXES:
        value = value[2:]
    else:
        prefix = "eq"
    try:
        start, end = _interval(value)
    except (ValueError, OverflowError):
        raise BadParameter(
            _("%(name)s needs a date such as 2024-05-01 or 2024-05-01T10:00:00Z.") % {"name": name}
        ) from None
    after_start, before_end = Q(**{f"{field}__gte": start}), Q(**{f"{field}__lt": end})
    return {
        "eq": after_start & before_end,
        "ne": ~(after_start & before_end),
        "gt": Q(**{f"{field}__gte": end}),
        "ge": after_start,
        "lt": Q(**{f"{field}__lt": start}),
        "le": before_end,
    }[prefix]


def _ids(values: list[str]) -> Q:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return Q(uuid__in=found) if found else NOTHING


def is_patient(reference: str, child: Child) -> bool:
    """Whether ``Patient/<id>``, ``<id>`` or a full URL to it names ``child``."""
    parts = reference.rstrip("/").split("/")
    if len(parts) > 1 and parts[-2] != "Patient":
        return False
    return parts[-1] == str(child.uuid)


def _any(values: list[str], build: Any) -> Q:
    """Rows matching any of the values (an empty Q, matching every row, wins)."""
    parts = [build(value) for value in values]
    if not all(parts):
        return Q()
    return reduce(operator.or_, parts)


def _format(value: str) -> None:
    if value not in JSON_FORMATS:
        raise BadParameter(_("This API answers in JSON only (_format=json)."))


def search_of(kind: Kind, query: QueryDict, child: Child) -> Search:
    """The filter and page a search's query string asks for."""
    where = Q()
    for key in query:
        name, _colon, modifier = key.partition(":")
        if modifier:
            raise BadParameter(
                _("Modifiers such as :%(modifier)s are not supported.") % {"modifier": modifier}
            )
        for raw in query.getlist(key):
            values = [v for v in raw.split(",") if v]
            if not values or name in HARMLESS or name in ("_count", "_offset"):
                continue
            if name == "_format":
                _format(raw)
            elif name == "_id":
                where &= _ids(values)
            elif name == "_lastUpdated":
                where &= _any(values, lambda v: date_filter("_lastUpdated", "updated_at", v))
            elif name in ("patient", "subject") and kind.model is not Child:
                where &= Q() if any(is_patient(v, child) for v in values) else NOTHING
            elif name in kind.params:
                where &= _any(values, kind.params[name].build)
            else:
                raise BadParameter(
                    _("%(type)s cannot be searched by %(name)s.")
                    % {"type": kind.name, "name": name}
                )
    return Search(where=where, page=page_of(query))


def everything_of(query: QueryDict, known: dict[str, Kind]) -> tuple[Q, list[str] | None, Page]:
    """``$everything``'s ``_since`` filter, ``_type`` list and page."""
    where, types = Q(), None
    for key in query:
        for raw in query.getlist(key):
            if not raw or key in HARMLESS or key in ("_count", "_offset"):
                continue
            if key == "_format":
                _format(raw)
            elif key == "_since":
                where &= date_filter(key, "updated_at", "ge" + raw)
            elif key == "_type":
                asked = [t for t in raw.split(",") if t]
                unknown = [t for t in asked if t not in known]
                if unknown:
                    raise BadParameter(_("Unknown resource type: %(type)s.") % {"type": unknown[0]})
                types = [t for t in (types or asked) if t in asked]
            else:
                raise BadParameter(_("$everything cannot take %(name)s.") % {"name": key})
    return where, types, page_of(query)
