"""Backups and restores of the whole database, and a fingerprint of every table to prove them.

SQLite: the online backup API copies a consistent snapshot page by page while the service keeps
running (copying the file itself could catch a half-written page or miss the WAL). The copy is
checked with `PRAGMA integrity_check` before it is reported as a backup.

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot in one transaction) and
`pg_restore --single-transaction --clean`, so a restore either completes or changes nothing.
The tools must match the server's major version; Debian's `postgresql` package provides them.
The password travels in PGPASSWORD, never on the command line where `ps` would show it.

Restoring replaces clinical records wholesale, so it refuses a database that already holds
records unless told to overwrite it: a restore must never silently lose newer records.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from carecluster.store.db import database_url, is_sqlite, normalise_url, sqlite_path
from carecluster.store.private import ensure_private_file


class BackupError(RuntimeError):
    """A backup or restore that could not be done, in words an operator can act on."""


@dataclass(frozen=True)
class TableDigest:
    """Row count and a SHA-256 over every row, in primary key order, of one table."""

    rows: int
    sha256: str


def _pg_tool(name: str) -> str:
    """The newest installed pg_dump / pg_restore: Debian keeps them under /usr/lib/postgresql/N/bin."""
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} was not found: install PostgreSQL's client tools (Debian package postgresql-client)")


def _pg_connection(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment for a SQLAlchemy PostgreSQL URL (password in the environment)."""
    parsed = make_url(normalise_url(url))
    args = ["--dbname", parsed.database or "postgres"]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env, timeout=3600)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {(result.stderr or result.stdout).strip()}")


def integrity_check(path: Path) -> str:
    """SQLite's own verdict on a database file: 'ok', or the first faults it found."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return "\n".join(row[0] for row in conn.execute("PRAGMA integrity_check").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:  # too damaged even to check: say so, as the check would
        return f"not a usable SQLite database: {error}"


def backup(url: str | None, target: Path) -> Path:
    """Write a consistent copy of the database at `url` to `target` (a new file) and return it."""
    url = database_url(url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists: a backup never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        source = sqlite_path(url)
        if source is None or not source.exists():
            raise BackupError(f"no SQLite database at {source}")
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        ensure_private_file(partial)  # records and password hashes: owner-only
        with sqlite3.connect(str(source), timeout=30) as src, sqlite3.connect(str(partial)) as dst:
            src.backup(dst)  # one read transaction: a snapshot, never restarted by concurrent writes
            dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        src.close()
        dst.close()
        verdict = integrity_check(partial)
        if verdict != "ok":
            partial.unlink(missing_ok=True)
            raise BackupError(f"the backup copy failed its integrity check: {verdict}")
        partial.rename(target)  # only a checked copy ever carries the backup's name
        return target
    args, env = _pg_connection(url)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    ensure_private_file(partial)  # pg_dump writes into it, keeping the mode
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial), *args], env)
    partial.rename(target)
    return target


def _has_records(url: str) -> bool:
    path = sqlite_path(url)
    if is_sqlite(url) and (path is None or not path.exists()):
        return False
    engine = create_engine(normalise_url(url))
    try:
        if "records" not in inspect(engine).get_table_names():
            return False
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM records LIMIT 1")).first() is not None
    finally:
        engine.dispose()


def restore(url: str | None, source: Path, *, overwrite: bool = False) -> None:
    """Replace the database at `url` with the backup in `source`.

    Stop the service first. Refuses a database holding clinical records unless `overwrite`.
    """
    url = database_url(url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if not overwrite and _has_records(url):
        raise BackupError("the database already holds clinical records: restoring would replace them (use --force)")
    if is_sqlite(url):
        verdict = integrity_check(source)
        if verdict != "ok":
            raise BackupError(f"the backup file failed its integrity check, nothing restored: {verdict}")
        path = sqlite_path(url)
        if path is None:
            raise BackupError("restore needs a SQLite file, not an in-memory database")
        ensure_private_file(path)
        with sqlite3.connect(str(source)) as src, sqlite3.connect(str(path), timeout=30) as dst:
            src.backup(dst)  # one transaction on the destination: all or nothing
            dst.execute("PRAGMA journal_mode=WAL")
        src.close()
        dst.close()
        verdict = integrity_check(path)
        if verdict != "ok":
            raise BackupError(f"the restored database failed its integrity check: {verdict}")
        return
    args, env = _pg_connection(url)
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            *args,
            str(source),
        ],
        env,
    )


def _canonical(value: Any) -> str:
    """One spelling per value on both backends (SQLite hands back naive datetimes and str JSON)."""
    if value is None:
        return "\x00"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value)


def table_digests(url: str | None) -> dict[str, TableDigest]:
    """Every table's row count and content hash: equal digests mean equal tables, row for row."""
    engine = create_engine(normalise_url(database_url(url)))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        digests = {}
        with engine.connect() as conn:
            for name, table in sorted(metadata.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                digest = hashlib.sha256()
                count = 0
                for row in conn.execute(select(table).order_by(*order)):
                    digest.update("\x1f".join(_canonical(v) for v in row).encode() + b"\x1e")
                    count += 1
                digests[name] = TableDigest(count, digest.hexdigest())
        return digests
    finally:
        engine.dispose()


def default_backup_name(url: str | None) -> str:
    """carecluster-YYYYmmddTHHMMSSZ.db (SQLite) or .dump (PostgreSQL custom format)."""
    from carecluster.store.db import now

    suffix = ".db" if is_sqlite(database_url(url)) else ".dump"
    return f"carecluster-{now().strftime('%Y%m%dT%H%M%SZ')}{suffix}"


__all__ = [
    "BackupError",
    "TableDigest",
    "backup",
    "default_backup_name",
    "integrity_check",
    "restore",
    "table_digests",
]
