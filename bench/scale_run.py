"""One database of `make bench-scale`: build it, or measure the pages on it.

    python bench/scale_run.py prepare N     # reuse: exit 3 unless built for this data and schema
    python bench/scale_run.py build N       # migrate an empty database, bench/scale_data.build(N)
    python bench/scale_run.py measure N OUT # time bench/scale_pages.PAGES, write OUT (JSON)

The database is the one the project's settings point at (``SQLITE_PATH`` or
``DATABASE_URL``, set by bench/scale.py). Pages are served in this process by
the Django test client (no network, no WSGI server) with the project's
middleware and DEBUG off, as in bench/run.py.
"""

from __future__ import annotations

import json
import os
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


def measure(n: int) -> dict[str, Any]:
    w, clients = world(n)
    urls = {page.name: page.url(w) for page in PAGES}
    times: dict[str, list[float]] = {page.name: [] for page in PAGES}
    for page in PAGES:
        for _ in range(WARMUP):
            started = time.perf_counter()
            _get(clients[page.who], page, urls[page.name], w)
            if time.perf_counter() - started > SECONDS / 4:
                break  # a slow page: its measured requests are warm enough
    # The pages take turns request by request (alternating the order), so they
    # all see the same background load on a shared machine.
    turn = 0
    while True:
        waiting = [
            p
            for p in PAGES
            if len(times[p.name]) < AT_LEAST
            or (len(times[p.name]) < REQUESTS and sum(times[p.name]) < SECONDS)
        ]
        if not waiting:
            break
        for page in waiting if turn % 2 == 0 else waiting[::-1]:
            started = time.perf_counter()
            _get(clients[page.who], page, urls[page.name], w)
            times[page.name].append(time.perf_counter() - started)
        turn += 1
    results = []
    for page in PAGES:
        client, url = clients[page.who], urls[page.name]
        with CaptureQueriesContext(connection) as ctx:
            response = _get(client, page, url, w)
        queries = len(ctx.captured_queries)  # read now: the next request empties the log
        tracemalloc.start()
        tracemalloc.reset_peak()
        _get(client, page, url, w)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        taken = sorted(times[page.name])
        results.append(
            {
                "name": page.name,
                "url": url,
                "requests": len(taken),
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
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
