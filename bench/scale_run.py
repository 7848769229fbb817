"""One database of `make bench-scale`: build it, or measure the pages on it.

    python bench/scale_run.py prepare N     # reuse: exit 3 unless built for this data and schema
    python bench/scale_run.py build N       # migrate an empty database, bench/scale_data.build(N)
    python bench/scale_run.py measure N OUT # time bench/scale_pages.PAGES, write OUT (JSON)
    python bench/scale_run.py explain N [PAGE]  # each page's costliest queries and their plans

The database is the one the project's settings point at (``SQLITE_PATH`` or
``DATABASE_URL``, set by bench/scale.py). Pages are served in this process by
the Django test client (no network, no WSGI server) with the project's
middleware and DEBUG off, as in bench/run.py.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
os.environ["DEBUG"] = "False"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homebase.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

# As in bench/run.py: the test client's host name, and static files without a manifest.
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import scale_data  # noqa: E402
from bench.scale_pages import PAGES, Page, World  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_SCALE_REQUESTS", 40))  # measured requests per page, at most
SECONDS = float(os.environ.get("BENCH_SCALE_SECONDS", 8))  # ...or until a page took this long
AT_LEAST = 5  # requests per page, whatever the time
AT_LEAST_SLOW = 3  # ...for a page that takes over SECONDS / 4 a request (p95 is their slowest)
WARMUP = 2


META = "bench_scale_meta"  # one row: what was built (not a Django model: bench data only)
STALE = 3  # exit status of ``prepare`` when the database must be built again


def _analyze() -> None:
    """What autovacuum does soon after a bulk load, on PostgreSQL. SQLite is left
    as the app leaves it in production: no ANALYZE (see "Causes" in SCALE.md)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def prepare(n: int) -> int:
    """Reuse the database if it holds this builder's ``n`` children: migrate it forward.

    Stale (exit 3) when it was built by another version of bench/scale_data.py,
    for another size, or has a migration applied that is not on disk (another
    branch's schema).
    """
    from django.db.migrations.executor import MigrationExecutor

    tables = connection.introspection.table_names()
    if META not in tables:
        return STALE
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT data_key, children FROM {META}")  # noqa: S608
        row = cursor.fetchone()
    if row != (scale_data.data_key(), n):
        return STALE
    executor = MigrationExecutor(connection)
    loader = executor.loader
    if not set(loader.applied_migrations) <= set(loader.disk_migrations):
        return STALE
    if executor.migration_plan(loader.graph.leaf_nodes()):
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=1)
        _analyze()
        print(f"  migrated forward in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


def build(n: int) -> None:
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    print(f"  migrated in {time.perf_counter() - started:.1f} s", flush=True)
    scale_data.build(n, log=lambda line: print(line, flush=True))
    _analyze()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {META} (data_key varchar(40), children integer)")
        cursor.execute(f"INSERT INTO {META} VALUES (%s, %s)", [scale_data.data_key(), n])  # noqa: S608
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)


def _tokens_module() -> Any:
    """The FHIR token services, wherever the app that owns label ``fhir`` lives."""
    import importlib

    return importlib.import_module(apps.get_app_config("fhir").module.__name__ + ".api.tokens")


def world(n: int) -> tuple[World, dict[str, Client]]:
    User = apps.get_model("accounts", "User")
    Child = apps.get_model("children", "Child")
    Guardianship = apps.get_model("children", "Guardianship")
    clinician = User.objects.get(email=scale_data.CLINICIAN_EMAIL)
    coordinator = User.objects.get(email=scale_data.COORDINATOR_EMAIL)
    child = Child.objects.order_by("id")[n // 2]
    parent = Guardianship.objects.get(child=child, role="owner").user
    assert Child.objects.count() == n, "the database does not hold the expected children"
    _token, raw = _tokens_module().token_create(
        actor=clinician, child=child, name="bench-scale", scopes=["patient/*.read"]
    )
    clients = {"anonymous": Client(), "token": Client(headers={"authorization": f"Bearer {raw}"})}
    for who, user in (("clinician", clinician), ("coordinator", coordinator), ("parent", parent)):
        clients[who] = Client()
        clients[who].force_login(user)
    return World(clinician=clinician, coordinator=coordinator, child=child, parent=parent), clients


def _get(client: Client, page: Page, url: str, w: World) -> Any:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{page.name}: {url} answered {response.status_code}")
    if page.expect is not None:
        wanted = str(page.expect(w))
        body = response.content.decode()
        if wanted not in body:
            raise SystemExit(f"{page.name}: {url} does not contain {wanted!r}")
    return response


def _timed(
    pages: list[Page],
    urls: dict[str, str],
    clients: dict[str, Client],
    w: World,
    times: dict[str, list[float]],
    at_least: int = AT_LEAST,
) -> None:
    """Time ``pages`` taking turns request by request (alternating the order), so
    they all see the same background load on a shared machine."""
    turn = 0
    while True:
        waiting = [
            p
            for p in pages
            if len(times[p.name]) < at_least
            or (len(times[p.name]) < REQUESTS and sum(times[p.name]) < SECONDS)
        ]
        if not waiting:
            return
        for page in waiting if turn % 2 == 0 else waiting[::-1]:
            started = time.perf_counter()
            _get(clients[page.who], page, urls[page.name], w)
            times[page.name].append(time.perf_counter() - started)
        turn += 1


def measure(n: int) -> dict[str, Any]:
    w, clients = world(n)
    urls = {page.name: page.url(w) for page in PAGES}
    times: dict[str, list[float]] = {page.name: [] for page in PAGES}
    counted: dict[str, tuple[int, float, Any]] = {}
    slow = []
    for page in PAGES:
        client, url = clients[page.who], urls[page.name]
        started = time.perf_counter()
        _get(client, page, url, w)
        if time.perf_counter() - started > SECONDS / 4:
            slow.append(page)  # timed on its own: see below
        # One warm request counted and traced, right after the first: later, a page
        # kept in the pages cache may have expired (5 minutes), and the session and
        # the API token are touched again once a minute (one more query each).
        tracemalloc.start()
        tracemalloc.reset_peak()
        with CaptureQueriesContext(connection) as ctx:
            response = _get(client, page, url, w)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        counted[page.name] = (len(ctx.captured_queries), peak, response)
        for _ in range(0 if page in slow else WARMUP - 1):
            _get(client, page, url, w)
    # The fast pages take turns; a page that takes seconds (the unbounded lists at
    # 64k) goes after them, alone, so it does not stretch their rounds past the
    # pages cache's lifetime.
    _timed([p for p in PAGES if p not in slow], urls, clients, w, times)
    for page in slow:
        _timed([page], urls, clients, w, times, AT_LEAST_SLOW)
    results = []
    for page in PAGES:
        queries, peak, response = counted[page.name]
        taken = sorted(times[page.name])
        results.append(
            {
                "name": page.name,
                "url": urls[page.name],
                "requests": len(taken),
                "measured_alone": page in slow,
                "p50_ms": round(statistics.median(taken) * 1000, 2),
                "p95_ms": round(taken[round(0.95 * (len(taken) - 1))] * 1000, 2),
                "queries": queries,
                "peak_mb": round(peak / 2**20, 2),
                "response_kb": round(len(response.content) / 1024, 1),
            }
        )
        print(
            f"  {page.name:<36} p50 {results[-1]['p50_ms']:>9.1f} ms  "
            f"p95 {results[-1]['p95_ms']:>9.1f} ms  {results[-1]['queries']:>4} queries  "
            f"{results[-1]['peak_mb']:>6.2f} MB  ({len(taken)} requests)",
            flush=True,
        )
    return {
        "children": n,
        "vendor": connection.vendor,
        "database_version": _database_version(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pages": results,
    }


def _shape(sql: str) -> str:
    """The query with its literals blanked: queries that differ only in values group together."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\(\?(, \?)*\)", "(?...)", sql)


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(f"    {row[1]:>3} {row[3]}" for row in cursor.fetchall())
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def explain(n: int, only: str = "") -> None:
    """Print, per page, its queries grouped by shape, the costliest first, with plans."""
    w, clients = world(n)
    for page in PAGES:
        if only.casefold() not in page.name.casefold():
            continue
        client, url = clients[page.who], page.url(w)
        _get(client, page, url, w)  # warm
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            _get(client, page, url, w)
            total = time.perf_counter() - started
        captured = list(ctx.captured_queries)
        groups: dict[str, list[dict[str, str]]] = {}
        for query in captured:
            groups.setdefault(_shape(query["sql"]), []).append(query)
        in_sql = sum(float(q["time"]) for q in captured)
        print(f"\n=== {page.name}: {url}")
        print(f"{len(captured)} queries, {in_sql * 1000:.1f} ms in SQL of {total * 1000:.1f} ms")
        ranked = sorted(groups.values(), key=lambda qs: -sum(float(q["time"]) for q in qs))
        for queries in ranked[:8]:
            spent = sum(float(q["time"]) for q in queries) * 1000
            slowest = max(queries, key=lambda q: float(q["time"]))
            print(f"\n-- {len(queries)}x, {spent:.1f} ms: {slowest['sql'][:1500]}")
            if slowest["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                print(_plan(slowest["sql"]))


def _database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return "SQLite " + cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        return "PostgreSQL " + cursor.fetchone()[0]


def main() -> int:
    action, n = sys.argv[1], int(sys.argv[2])
    if action == "prepare":
        return prepare(n)
    if action == "build":
        build(n)
    elif action == "measure":
        Path(sys.argv[3]).write_text(json.dumps(measure(n), indent=2) + "\n")
    elif action == "explain":
        explain(n, sys.argv[3] if len(sys.argv) > 3 else "")
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
