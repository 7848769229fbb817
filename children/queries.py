"""Tools the rule book (``access``) uses on its own queries.

* ``holds`` checks a rule (a ``Q``) on a row already in memory, so a model
  property can say "is this grant live?" without a second copy of the rule.
* ``named_sql`` compiles a query once into SQL with named parameters, for the
  few statements written as raw SQL because every page runs them: they are
  built from the ORM rule itself, with ``ANY_USER`` and ``ANY_DAY`` standing
  for the person and the day.
"""

import re
from datetime import date
from typing import Any, cast

from django.db import connection
from django.db.models import Q, QuerySet

_LOOKUPS = {
    "": lambda value, wanted: value == wanted,
    "isnull": lambda value, wanted: (value is None) == wanted,
    "lte": lambda value, wanted: value is not None and value <= wanted,
    "gte": lambda value, wanted: value is not None and value >= wanted,
}


def holds(q: Q, row: Any) -> bool:
    """Whether ``row``, already in memory, matches ``q`` (the lookups the rules use)."""
    results = []
    for part in q.children:
        if isinstance(part, Q):
            results.append(holds(part, row))
        else:
            lookup, wanted = cast(tuple[str, Any], part)
            name, _sep, op = lookup.partition("__")
            results.append(_LOOKUPS[op](getattr(row, name), wanted))
    matched = all(results) if q.connector == Q.AND else any(results)
    return not matched if q.negated else matched


# Compiled once per process, with these in place of the person and the day.
ANY_USER = -7_000_001  # never a primary key
ANY_DAY = date(1900, 1, 2)
_PLACEHOLDER = re.compile(r"(?<!%)%s")


def named_sql(query: QuerySet[Any]) -> tuple[str, dict[str, Any]]:
    """``query`` as SQL with named parameters, for a raw statement built around it.

    ``ANY_USER`` and ``ANY_DAY`` become ``%(user)s`` and ``%(today)s``; the
    other parameters are constants of the rule (a role, a scope pattern),
    returned with their values.
    """
    sql, params = query.order_by().query.sql_with_params()
    pieces = _PLACEHOLDER.split(sql)
    day = connection.ops.adapt_datefield_value(ANY_DAY)
    constants: dict[str, Any] = {}
    out = [pieces[0]]
    for n, (param, piece) in enumerate(zip(params, pieces[1:], strict=True)):
        if param == ANY_USER:
            name = "user"
        elif param in (ANY_DAY, day):
            name = "today"
        else:
            name = f"rule_{n}"
            constants[name] = param
        out += [f"%({name})s", piece]
    return "".join(out), constants
