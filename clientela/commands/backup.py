"""``clientela backup``: a consistent copy of the database in one file.

SQLite is copied with its online backup API, which reads a consistent snapshot while the server
keeps running (WAL readers and writers are not blocked); PostgreSQL with ``pg_dump -Fc``, whose
custom format ``clientela restore`` feeds to ``pg_restore``. A backup is written under a temporary
name and renamed when complete, so a file named ``clientela-*.sqlite3`` or ``.dump`` is never a
half-written one. Backups hold password hashes: they are created readable by their owner only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

HELP = "Back up the database into one file (SQLite online backup or pg_dump)."

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help="file to write, or a folder to put a timestamped file in "
        "(default: <data dir>/backups/)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        path = take_backup(args.output)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


# --- shared with ``restore`` --------------------------------------------------------------------


def database() -> dict[str, Any]:
    """The live connection settings (under pytest, the test database's)."""
    from django.db import connection

    return connection.settings_dict


def vendor() -> str:
    from django.db import connection

    if connection.vendor not in SUFFIXES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def sqlite_path() -> Path:
    name = str(database()["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(name)


def sqlite_readonly(path: Path) -> sqlite3.Connection:
    """Open a SQLite file without ever creating or changing it."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    """``[program, connection options…]`` and an environment holding the password.

    The password goes through ``PGPASSWORD`` so that it never shows in the process list.
    """
    exe = shutil.which(program)
    if exe is None:
        raise BackupError(
            f"{program} was not found; install the PostgreSQL client tools "
            "(the same major version as the server or newer)"
        )
    db = database()
    command = [exe, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [option, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for name in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if options.get(name):
            env[f"PG{name.upper()}"] = str(options[name])
    return command, env


def run_tool(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL client tool; its own error message becomes the BackupError."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv, no shell)
    if done.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed (exit {done.returncode}): {done.stderr.strip()}")
    return done


def take_backup(output: str | None) -> Path:
    """Back up the live database to ``output`` (a file or folder) or the default folder."""
    kind = vendor()
    target = _target(output, SUFFIXES[kind])
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if kind == "sqlite":
            _sqlite_backup(sqlite_path(), partial)
        else:
            _pg_backup(partial)
        partial.chmod(0o600)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


# --- internals ----------------------------------------------------------------------------------


def _target(output: str | None, suffix: str) -> Path:
    if output is None:
        from django.conf import settings

        folder = Path(settings.DATA_DIR) / "backups"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _free_name(folder, suffix)
    path = Path(output).expanduser()
    if path.is_dir():
        return _free_name(path, suffix)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    return path


def _free_name(folder: Path, suffix: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"clientela-{stamp}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"clientela-{stamp}-{n}{suffix}"
    return path


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"the database file {source} does not exist")
    try:
        with closing(sqlite_readonly(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
            # One self-contained file: no -wal beside it to forget when copying the backup.
            dst.execute("PRAGMA journal_mode=DELETE")
            verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source} failed: {exc}") from exc
    if verdict != "ok":
        raise BackupError(f"the backup copy failed its integrity check: {verdict}")


def _pg_backup(target: Path) -> None:
    command, env = pg_command("pg_dump")
    name = str(database()["NAME"])
    run_tool([*command, "--format=custom", "--file", str(target), "--dbname", name], env)
