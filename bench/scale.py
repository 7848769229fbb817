"""`make bench-scale`: does a page cost the same for 1,000 children as for 64,000?

For each database (SQLite always; PostgreSQL too when ``DATABASE_URL`` points
at one) and each size (1k, 8k, 64k children, bench/scale_data.py):

1. **Prepare** the size's database, kept between runs: reused when it was
   built by this version of bench/scale_data.py and its applied migrations
   are all on disk (then migrated forward, as production would be); built
   again otherwise. SQLite files live in ``var/scale/``; PostgreSQL databases
   are ``hb_scale_1k``, ``hb_scale_8k``, ``hb_scale_64k`` on the server of
   ``DATABASE_URL`` (``BENCH_SCALE_PG_PREFIX`` changes ``hb_scale``).
2. **Copy** it (a file copy; ``CREATE DATABASE ... TEMPLATE``), so the
   measurements never change the kept database (every page view writes to the
   access log) and every run starts from the same rows.
3. **Measure** every page of bench/scale_pages.py in a fresh process
   (bench/scale_run.py): p50 and p95 server time, queries, and the memory one
   request allocates at its peak (tracemalloc).

Writes bench/scale.json and the table in bench/SCALE.md (between the
``scale:begin``/``scale:end`` marks; the rest of that file is kept), and
exits 1 when a page misses a target of issue 12:

* its query count is the same at every size,
* p95 at the largest size is within 1.3x of p95 at the smallest,
* p95 at 64,000 children is under 150 ms.

``bench/scale.py explain SIZE [BACKEND] [PAGE]`` prints each page's queries
grouped by shape, the costliest first, with their plans (the "Causes" in
bench/SCALE.md come from it).

Environment: ``BENCH_SCALE_SIZES`` (default ``1k,8k,64k``),
``BENCH_SCALE_BACKENDS`` (default ``sqlite,postgresql``), and, read by
bench/scale_run.py, ``BENCH_SCALE_REQUESTS`` (40) and ``BENCH_SCALE_SECONDS``
(8): each page gets up to that many requests, or fewer once they took that
many seconds, but never fewer than 5.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SCALE_DIR = ROOT / "var" / "scale"
SCALE_JSON = BENCH / "scale.json"
SCALE_MD = BENCH / "SCALE.md"
BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"
SIZES = {"1k": 1000, "8k": 8000, "64k": 64000}
STALE = 3  # bench/scale_run.py prepare: build again

TARGET_GROWTH = 1.3
TARGET_P95_MS = 150.0

sys.path.insert(0, str(ROOT))
from bench.scale_pages import FLOOR  # noqa: E402


def _run(args: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, str(BENCH / "scale_run.py"), *args]
    return subprocess.run(command, env=env, check=False).returncode


class SQLite:
    name = "sqlite"

    def __init__(self, label: str) -> None:
        self.kept = SCALE_DIR / f"sqlite-{label}.sqlite3"
        self.copy = SCALE_DIR / f"sqlite-{label}-run.sqlite3"

    def env(self, kept: bool) -> dict[str, str]:
        env = _base_env()
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(self.kept if kept else self.copy)
        return env

    def exists(self) -> bool:
        return self.kept.exists()

    def create_empty(self) -> None:
        for path in _with_journals(self.kept):
            path.unlink(missing_ok=True)

    def make_copy(self) -> None:
        for path in _with_journals(self.copy):
            path.unlink(missing_ok=True)
        # The builder's last connection closed, so the WAL is checkpointed into the file.
        shutil.copyfile(self.kept, self.copy)

    def size_mb(self) -> float:
        return round(self.kept.stat().st_size / 2**20, 1)


class PostgreSQL:
    name = "postgresql"

    def __init__(self, label: str, url: str) -> None:
        prefix = os.environ.get("BENCH_SCALE_PG_PREFIX", "hb_scale")
        self.url = urlsplit(url)
        self.kept_name, self.copy_name = f"{prefix}_{label}", f"{prefix}_{label}_run"

    def _url(self, database: str) -> str:
        return urlunsplit(self.url._replace(path="/" + database))

    def _admin(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Run ``sql`` on the server's ``postgres`` database (outside a transaction)."""
        import psycopg

        with psycopg.connect(self._url("postgres"), autocommit=True) as conn:
            cursor = conn.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def env(self, kept: bool) -> dict[str, str]:
        env = _base_env()
        env["DATABASE_URL"] = self._url(self.kept_name if kept else self.copy_name)
        return env

    def exists(self) -> bool:
        return bool(self._admin("SELECT 1 FROM pg_database WHERE datname = %s", (self.kept_name,)))

    def create_empty(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.kept_name}"')
        self._admin(f'CREATE DATABASE "{self.kept_name}"')

    def make_copy(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.copy_name}"')
        self._admin(f'CREATE DATABASE "{self.copy_name}" TEMPLATE "{self.kept_name}"')

    def size_mb(self) -> float:
        rows = self._admin("SELECT pg_database_size(%s)", (self.kept_name,))
        return round(rows[0][0] / 2**20, 1)


def _with_journals(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # the default cache in the database, as `make run` has it
    env["HOMEBASE_VAR_DIR"] = str(SCALE_DIR / "var")
    env["MEDIA_ROOT"] = str(SCALE_DIR / "var" / "private")
    env["DEBUG"] = "False"
    env["PYTHONPATH"] = str(ROOT)
    return env


def databases(label: str) -> list[Any]:
    wanted = os.environ.get("BENCH_SCALE_BACKENDS", "sqlite,postgresql").split(",")
    found: list[Any] = [SQLite(label)] if "sqlite" in wanted else []
    url = os.environ.get("DATABASE_URL", "")
    if "postgresql" in wanted and url.startswith(("postgres://", "postgresql://")):
        found.append(PostgreSQL(label, url))
    return found


def prepare(db: Any, n: int) -> float | None:
    """Reuse or build the kept database; the build's seconds, or None when reused."""
    if db.exists() and _run(["prepare", str(n)], db.env(kept=True)) == 0:
        return None
    print(f"building {db.name} with {n:,} children", flush=True)
    started = time.perf_counter()
    db.create_empty()
    if _run(["build", str(n)], db.env(kept=True)) != 0:
        raise SystemExit(f"building the {db.name} database of {n} children failed")
    return round(time.perf_counter() - started, 1)


def measure(db: Any, label: str, n: int) -> dict[str, Any]:
    db.make_copy()
    out = SCALE_DIR / f"result-{db.name}-{label}.json"
    print(f"measuring {db.name}, {n:,} children", flush=True)
    if _run(["measure", str(n), str(out)], db.env(kept=False)) != 0:
        raise SystemExit(f"measuring {db.name} with {n} children failed")
    return json.loads(out.read_text())


def summarize(by_size: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per page: the figures at each size, the growth and whether the targets hold."""
    labels = list(by_size)
    first, last = labels[0], labels[-1]
    rows = []
    for page in [p["name"] for p in by_size[first]["pages"]]:
        at = {
            label: next(p for p in by_size[label]["pages"] if p["name"] == page) for label in labels
        }
        queries = [at[label]["queries"] for label in labels]
        growth = round(at[last]["p95_ms"] / at[first]["p95_ms"], 2)
        row: dict[str, Any] = {
            "name": page,
            "sizes": at,
            "growth_p95": growth,
            "queries_flat": len(set(queries)) == 1,
            "growth_ok": growth <= TARGET_GROWTH or len(labels) == 1,
        }
        if "64k" in at:
            row["p95_ok"] = at["64k"]["p95_ms"] < TARGET_P95_MS
        rows.append(row)
    return rows


def machine() -> str:
    return (
        f"{os.cpu_count()} cores ({platform.machine()}, {platform.system()} "
        f"{platform.release()}), Python {platform.python_version()}; "
        f"run {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
        f"load average {os.getloadavg()[0]:.2f} at the end"
    )


def table(summary: list[dict[str, Any]]) -> list[str]:
    labels = list(summary[0]["sizes"])
    head = ["page"] + [f"{label} p50 / p95 ms" for label in labels]
    head += ["queries " + " / ".join(labels), "peak MB " + " / ".join(labels)]
    head += [f"p95 {labels[-1]} ÷ {labels[0]}", "targets"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in summary:
        at = row["sizes"]
        cells = [row["name"]]
        cells += [
            f"{at[label]['p50_ms']:.1f} / {at[label]['p95_ms']:.1f}"
            + ("*" if at[label].get("measured_alone") else "")
            for label in labels
        ]
        cells.append(" / ".join(str(at[label]["queries"]) for label in labels))
        cells.append(" / ".join(f"{at[label]['peak_mb']:.2f}" for label in labels))
        cells.append(f"{row['growth_p95']:.2f}×")
        missed = [
            what
            for what, ok in (
                ("queries grow", row["queries_flat"]),
                (f"growth > {TARGET_GROWTH}×", row["growth_ok"]),
                (f"p95 ≥ {TARGET_P95_MS:.0f} ms", row.get("p95_ok", True)),
            )
            if not ok
        ]
        if row["name"] == FLOOR:
            cells.append("the floor (reference)")
        else:
            cells.append("met" if not missed else "**" + ", ".join(missed) + "**")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def report(result: dict[str, Any]) -> str:
    lines = [
        BEGIN,
        "",
        "Written by `make bench-scale` (bench/scale.py) from bench/scale.json; "
        "everything outside these marks is kept.",
        "",
        f"Machine: {result['machine']}.",
        f"Each page: a warm-up request, one whose queries are counted, then up to "
        f"{result['requests']} timed requests, or fewer once they took {result['seconds']:.0f} s "
        "(at least 5; 3 for a page timed alone). The pages take turns request by request; a "
        "page slower than "
        f"{result['seconds'] / 4:.0f} s a request is timed alone after them (marked *). Server time "
        "in one process with the Django test client (no network), DEBUG off, the project's "
        "middleware and caches. Queries and peak MB (memory allocated at the peak, "
        "tracemalloc) are of the request after the warm-up. The floor's growth shows how much "
        "the machine's load moved between sizes.",
        "",
    ]
    for name, backend in result["backends"].items():
        sizes = backend["sizes"]
        built = ", ".join(
            f"{label}: {info['database_mb']} MB, "
            + (f"built in {info['build_s']} s" if info["build_s"] is not None else "reused")
            for label, info in sizes.items()
        )
        first = next(iter(sizes.values()))
        lines += [
            f"### {first['database_version']}",
            "",
            *table(backend["summary"]),
            "",
            f"Databases: {built}. Peak RSS of the measuring process: "
            + ", ".join(f"{label} {info['peak_rss_mb']} MB" for label, info in sizes.items())
            + ".",
            "",
        ]
        pages = [row for row in backend["summary"] if row["name"] != FLOOR]
        missed = [
            row["name"]
            for row in pages
            if not (row["queries_flat"] and row["growth_ok"] and row.get("p95_ok", True))
        ]
        lines += [
            f"Targets ({name}): the same queries at every size, p95 at the largest size within "
            f"{TARGET_GROWTH}× of the smallest, p95 at 64k under {TARGET_P95_MS:.0f} ms: "
            + (
                "met by every page."
                if not missed
                else f"**missed by {len(missed)} of {len(pages)} pages** ({', '.join(missed)})."
            ),
            "",
        ]
    lines.append(END)
    return "\n".join(lines)


def write_markdown(section: str) -> None:
    if SCALE_MD.exists():
        text = SCALE_MD.read_text()
        if BEGIN in text and END in text:
            before, rest = text.split(BEGIN, 1)
            after = rest.split(END, 1)[1]
            SCALE_MD.write_text(before + section + after)
            return
    SCALE_MD.write_text("# Scale benchmark (issue 12)\n\n" + section + "\n")


def explain(label: str, backend: str = "sqlite", page: str = "") -> int:
    """`bench/scale.py explain 8k postgresql "My tasks"`: each page's costliest queries
    and their plans (EXPLAIN QUERY PLAN; EXPLAIN ANALYZE on PostgreSQL), on a copy."""
    db = next((d for d in databases(label) if d.name == backend), None)
    if db is None:
        raise SystemExit(f"no {backend} database here (PostgreSQL needs DATABASE_URL)")
    prepare(db, SIZES[label])
    db.make_copy()
    return _run(["explain", str(SIZES[label]), page], db.env(kept=False))


def main() -> int:
    SCALE_DIR.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:2] == ["explain"]:
        return explain(*sys.argv[2:5])
    wanted = os.environ.get("BENCH_SCALE_SIZES", ",".join(SIZES)).split(",")
    sizes = {label: SIZES[label] for label in SIZES if label in wanted}
    result: dict[str, Any] = {
        "requests": int(os.environ.get("BENCH_SCALE_REQUESTS", 40)),
        "seconds": float(os.environ.get("BENCH_SCALE_SECONDS", 8)),
        "backends": {},
    }
    started = time.perf_counter()
    for label, n in sizes.items():
        for db in databases(label):
            build_s = prepare(db, n)
            measured = measure(db, label, n)
            measured.update(build_s=build_s, database_mb=db.size_mb())
            backend = result["backends"].setdefault(db.name, {"sizes": {}})
            backend["sizes"][label] = measured
    ok = True
    for backend in result["backends"].values():
        backend["summary"] = summary = summarize(backend["sizes"])
        ok = ok and all(
            row["queries_flat"] and row["growth_ok"] and row.get("p95_ok", True)
            for row in summary
            if row["name"] != FLOOR
        )
    result["machine"] = machine()
    result["wall_s"] = round(time.perf_counter() - started, 1)
    SCALE_JSON.write_text(json.dumps(result, indent=2) + "\n")
    section = report(result)
    write_markdown(section)
    print(section)
    print(f"\n{'all targets met' if ok else 'targets missed'}; took {result['wall_s']} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
