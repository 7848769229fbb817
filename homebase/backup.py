"""Backups that cannot roll the site back unseen, and the check for missing files.

A backup is a directory:

* ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the
  site runs) or ``database.pgdump`` (``pg_dump`` custom format, taken in the
  same snapshot that the manifest's head and schema were read in);
* ``private/``: the uploaded files (``MEDIA_ROOT``, var/private), copied after
  the database, so every file the copied database names was already there;
* ``manifest.json``: each file's SHA-256, the schema version (the newest
  migration of each app), the access log's chain head, and an HMAC over all
  of it keyed with ``AUDIT_KEY``.

The keys (``SECRET_KEY``, ``AUDIT_KEY``, ``MFA_ENCRYPTION_KEY``) and the anchor
file are deliberately not in it: keep them apart, or a stolen backup opens
itself and an old backup vouches for itself.

``restore`` checks the manifest (signature, every file's digest, a schema this
code knows), puts the database and files back (the files it replaces are
moved aside, never deleted), migrates if the backup is older than the code,
and verifies the access log against the anchors outside the database: an
older backup is reported as a rollback until someone records why it was
restored (``--acknowledge-rollback``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from children.audit import (
    AnchorReport,
    audit_anchor_now,
    audit_verify,
    audit_verify_anchors,
    restore_mark_write,
)

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
PRIVATE = "private"
LATEST_MIGRATIONS = (
    "SELECT app, name FROM django_migrations "
    "WHERE id IN (SELECT max(id) FROM django_migrations GROUP BY app)"
)
HEAD = "SELECT last_event_id, last_hash, last_at FROM children_audithead WHERE id = 1"


class BackupError(Exception):
    pass


def _timeout() -> int:
    return int(os.environ.get("BACKUP_TIMEOUT_SECONDS", "3600"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sign(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(settings.AUDIT_KEY.encode(), raw, hashlib.sha256).hexdigest()


def _private_root() -> Path:
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupError("Uploaded files are not on the local disk: back them up separately.")
    return Path(storage.location)


def _head(row: Any) -> dict[str, Any]:
    if row is None:
        return {"seq": 0, "hash": "", "at": ""}
    seq, hash_, at = row
    return {"seq": int(seq or 0), "hash": hash_, "at": str(at or "")}


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _backup_sqlite(dest: Path) -> tuple[dict[str, str], dict[str, Any]]:
    connection.ensure_connection()
    target = sqlite3.connect(dest / SQLITE_FILE)
    try:
        connection.connection.backup(target)
        schema = dict(target.execute(LATEST_MIGRATIONS).fetchall())
        head = _head(target.execute(HEAD).fetchone())
    finally:
        target.close()
    return schema, head


def _backup_postgres(dest: Path) -> tuple[dict[str, str], dict[str, Any]]:
    import psycopg
    from psycopg.conninfo import make_conninfo

    env = _pg_env()
    # Read the head and schema in the snapshot pg_dump then copies, so the
    # manifest describes exactly the dump.
    conninfo = make_conninfo("", connect_timeout="30", **_libpq(env))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        schema: dict[str, str] = dict(conn.execute(LATEST_MIGRATIONS).fetchall())  # type: ignore[arg-type]
        head = _head(conn.execute(HEAD).fetchone())
        subprocess.run(  # noqa: S603 (arguments built here, none from a request)
            [
                _tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dest / PG_FILE}",
            ],
            env=env,
            check=True,
            timeout=_timeout(),
            capture_output=True,
        )
        conn.execute("COMMIT")
    return schema, head


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (PostgreSQL's client tools).")
    return path


def _libpq(env: dict[str, str]) -> dict[str, str]:
    names = {"PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGPASSWORD": "password"}
    params = {names[k]: v for k, v in env.items() if k in names}
    params["dbname"] = env["PGDATABASE"]
    return params


def backup(dest: Path) -> dict[str, Any]:
    """Write a backup into ``dest`` (new or empty); return its manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: give a new directory for each backup.")
    dest.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        schema, head = _backup_sqlite(dest)
        files = [SQLITE_FILE]
    elif connection.vendor == "postgresql":
        try:
            schema, head = _backup_postgres(dest)
        except subprocess.CalledProcessError as error:
            raise BackupError(f"pg_dump failed: {error.stderr.decode(errors='replace')}") from None
        files = [PG_FILE]
    else:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
    root = _private_root()
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = Path(PRIVATE) / path.relative_to(root)
            (dest / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / relative)
            files.append(relative.as_posix())
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "engine": connection.vendor,
        "schema": schema,
        "audit_head": head,
        "files": {name: _sha256(dest / name) for name in files},
    }
    manifest["signature"] = _sign(manifest)
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def read_manifest(src: Path) -> dict[str, Any]:
    """The manifest, once its signature, every file's digest and its schema check out."""
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"No readable {MANIFEST} in {src}: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    if not hmac.compare_digest(str(manifest.get("signature", "")), _sign(manifest)):
        raise BackupError(
            "The manifest's signature does not match: it was changed, or made with another "
            "AUDIT_KEY."
        )
    for name, digest in manifest["files"].items():
        path = (src / name).resolve()
        if not path.is_relative_to(src.resolve()) or not path.is_file():
            raise BackupError(f"{name} is missing from the backup.")
        if _sha256(path) != digest:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest.")
    known = MigrationLoader(None, ignore_no_migrations=True).graph.nodes
    unknown = sorted(f"{a}.{n}" for a, n in manifest["schema"].items() if (a, n) not in known)
    if unknown:
        raise BackupError(
            f"The backup comes from a newer version of Homebase (migrations {unknown}): "
            "install that version first."
        )
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"This is a {manifest['engine']} backup; this site runs on {connection.vendor}."
        )
    return manifest


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    moved_aside: Path | None = None
    migrated: bool = False
    chain_count: int = 0
    chain_problem: str = ""
    anchors: AnchorReport | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.chain_problem and (self.anchors is None or self.anchors.ok)


def _restore_database(src: Path, manifest: dict[str, Any]) -> None:
    if manifest["engine"] == "sqlite":
        source = sqlite3.connect(src / SQLITE_FILE)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
        return
    connection.close()
    result = subprocess.run(  # noqa: S603 (arguments built here, none from a request)
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_pg_env()['PGDATABASE']}",
            str(src / PG_FILE),
        ],
        env=_pg_env(),
        timeout=_timeout(),
        capture_output=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.decode(errors='replace')}")


def _restore_files(src: Path) -> Path | None:
    root = _private_root()
    aside = None
    if root.exists():
        aside = root.with_name(f"{root.name}.before-restore-{timezone.now():%Y%m%d-%H%M%S-%f}")
        root.rename(aside)
    if (src / PRIVATE).exists():
        shutil.copytree(src / PRIVATE, root)
    else:
        root.mkdir(parents=True)
    return aside


def restore(src: Path, *, acknowledge: str = "", anchors: str | None = None) -> RestoreReport:
    """Put the backup in ``src`` back, then verify the access log against the anchors."""
    manifest = read_manifest(src)
    _restore_database(src, manifest)
    report = RestoreReport(manifest, moved_aside=_restore_files(src))
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
        report.migrated = True
    anchor_file = Path(anchors or settings.AUDIT_ANCHOR_FILE)
    if acknowledge:
        restore_mark_write(
            seq=manifest["audit_head"]["seq"], reason=acknowledge, path=str(anchor_file)
        )
    if anchor_file.exists():
        report.anchors = audit_verify_anchors(anchor_file)
        report.chain_count = report.anchors.count
        problem = report.anchors.problem
    else:
        report.chain_count, problem = audit_verify()
        report.notes.append(f"No anchor file at {anchor_file}: only the chain was checked.")
    if problem is not None:
        report.chain_problem = f"row {problem.event_id or 'at the end'}: {problem.reason}"
    if acknowledge and report.ok:
        audit_anchor_now(str(anchor_file))  # the restored head is the new starting point
    return report
