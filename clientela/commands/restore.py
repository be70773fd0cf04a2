"""``clientela restore``: put back a backup made by ``clientela backup``, replacing everything.

The file is checked before anything is touched: it must exist, be a backup of the same kind as
the configured database (a SQLite file for SQLite, a ``pg_dump -Fc`` archive for PostgreSQL) and
hold a Clientela database. Without ``--yes`` the command only says what it would replace. With
it, the current database is first saved (unless ``--no-safety-backup``), then replaced in one step:
SQLite through the backup API into the live file (so the database stays in WAL mode and open
readers see a consistent file), PostgreSQL with ``pg_restore --single-transaction`` (all or
nothing).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path

from clientela.commands import backup
from clientela.commands.backup import PGDUMP_MAGIC, SQLITE_MAGIC, BackupError

HELP = "Replace the whole database with a backup made by `clientela backup` (needs --yes)."

LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Models summarised in messages, as (app label, model name).
SUMMARY = (
    ("platform", "User"),
    ("customers", "Account"),
    ("customers", "Contact"),
    ("platform", "AuditEntry"),
)
REQUIRED_TABLES = ("django_migrations", "platform_user", "platform_auditentry")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="the backup file (.sqlite3 for SQLite, .dump for PostgreSQL)")
    parser.add_argument(
        "--yes", action="store_true", help="really replace the current data with the backup"
    )
    parser.add_argument(
        "--no-safety-backup",
        action="store_true",
        help="do not save the current database under <data dir>/backups/ first",
    )


def run(args: argparse.Namespace) -> int:
    path = Path(args.path).expanduser()
    try:
        about = inspect(path, backup.vendor())
    except BackupError as exc:
        print(f"error: {exc}\nNothing was changed.", file=sys.stderr)
        return 1
    if not args.yes:
        print(f"This would replace everything in {_live_name()} ({_live_counts()})")
        print(f"with the backup {path} ({about}).")
        print("Stop `clientela serve` and the workers, then run again with --yes to restore.")
        print("Nothing was changed.")
        return 2
    try:
        if not args.no_safety_backup and _has_data():
            print(f"Saved the current database to {backup.take_backup(None)}")
        _restore(path)
    except BackupError as exc:  # the restore is one transaction: all or nothing
        print(f"error: {exc}\nNothing was changed.", file=sys.stderr)
        return 1
    print(f"Restored {path} into {_live_name()} ({_live_counts()}).")
    _hint_migrations()
    return 0


def inspect(path: Path, kind: str) -> str:
    """Check that ``path`` is a Clientela backup for this database; describe it."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    found = (
        "sqlite"
        if head == SQLITE_MAGIC
        else "postgresql"
        if head.startswith(PGDUMP_MAGIC)
        else None
    )
    if found is None:
        raise BackupError(
            f"{path} is not a backup: neither a SQLite database nor a pg_dump custom-format file"
        )
    if found != kind:
        raise BackupError(
            f"{path} is a {LABELS[found]} backup but this installation uses {LABELS[kind]}"
        )
    made = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    details = _inspect_sqlite(path) if kind == "sqlite" else _inspect_pg(path)
    return f"{LABELS[kind]} backup of {made}: {details}"


# --- checking the file --------------------------------------------------------------------------


def _inspect_sqlite(path: Path) -> str:
    from django.apps import apps

    try:
        with closing(backup.sqlite_readonly(path)) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {name for (name,) in rows}
            if verdict != "ok" or not set(REQUIRED_TABLES) <= tables:
                raise BackupError(f"{path} is damaged or not a Clientela database ({verdict})")
            parts = []
            for app_label, model_name in SUMMARY:
                meta = apps.get_model(app_label, model_name)._meta
                if meta.db_table in tables:
                    (n,) = db.execute(f'SELECT COUNT(*) FROM "{meta.db_table}"').fetchone()  # noqa: S608 (table names from models)
                    parts.append(f"{n} {meta.verbose_name_plural}")
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be read as a SQLite database: {exc}") from exc
    return ", ".join(parts)


def _inspect_pg(path: Path) -> str:
    command, env = backup.pg_command("pg_restore")
    try:
        listing = backup.run_tool([command[0], "--list", str(path)], env).stdout
    except BackupError as exc:
        raise BackupError(f"{path} is not a readable pg_dump archive: {exc}") from exc
    tables = {
        line.split()[-2]
        for line in listing.splitlines()
        if not line.startswith(";") and " TABLE DATA " in line
    }
    if not set(REQUIRED_TABLES) <= tables:
        raise BackupError(f"{path} is a pg_dump archive but not of a Clientela database")
    return f"{len(tables)} tables"


# --- replacing the database ---------------------------------------------------------------------


def _has_data() -> bool:
    """False for a fresh install whose SQLite file does not exist yet: nothing to save first."""
    return backup.vendor() != "sqlite" or backup.sqlite_path().is_file()


def _restore(path: Path) -> None:
    from django.db import connections

    connections.close_all()  # no transaction or lock of ours may stand in the way
    if backup.vendor() == "sqlite":
        _restore_sqlite(path)
    else:
        _restore_pg(path)


def _restore_sqlite(path: Path) -> None:
    live = backup.sqlite_path()
    try:
        with (
            closing(backup.sqlite_readonly(path)) as src,
            closing(sqlite3.connect(live, timeout=20)) as dst,
        ):
            src.backup(dst)  # one write transaction: on error the live file is unchanged
    except sqlite3.Error as exc:
        raise BackupError(f"the restore failed: {exc}") from exc


def _restore_pg(path: Path) -> None:
    command, env = backup.pg_command("pg_restore")
    name = str(backup.database()["NAME"])
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
    backup.run_tool([*command, *options, "--dbname", name, str(path)], env)


# --- describing the live database ---------------------------------------------------------------


def _live_name() -> str:
    db = backup.database()
    if backup.vendor() == "sqlite":
        return f"the SQLite database {db['NAME']}"
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return f"the PostgreSQL database {db['NAME']!r} on {where}"


def _live_counts() -> str:
    from django.apps import apps
    from django.db import DatabaseError

    parts = []
    try:
        for app_label, model_name in SUMMARY:
            model = apps.get_model(app_label, model_name)
            parts.append(f"{model._default_manager.count()} {model._meta.verbose_name_plural}")
    except DatabaseError:
        return "its tables are not created yet"
    return ", ".join(parts)


def _hint_migrations() -> None:
    from clientela.commands.check import pending_migrations

    pending = pending_migrations()
    if pending:
        print(f"The backup predates {len(pending)} migration(s): run `clientela migrate` now.")
