"""`lms backup` and `lms restore`: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL.

pg_dump and pg_restore run with fixed argument lists, never through a shell.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess  # nosec B404
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why."""


def default_path(instance_path: str, url: URL) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if url.get_backend_name() == "sqlite" else "dump"
    return Path(instance_path) / "backups" / f"lms-{stamp}.{suffix}"


def backup(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the database to `target` while the app keeps running."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_file(url), target)
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
              "--dbname", _libpq_url(url)])
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    return target


def restore(database_url: str, source: Path) -> None:
    """Replace the database's content with a backup made by `backup`. Stop the app first."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(source, _sqlite_file(url))
    elif url.get_backend_name() == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--dbname", _libpq_url(url), str(source)])
    else:
        raise BackupError(f"no restore method for {url.get_backend_name()}")


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy even while others write (WAL included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    sqlite3.connect(target).close()


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(command, capture_output=True, text=True)  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
