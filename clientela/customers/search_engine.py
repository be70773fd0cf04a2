"""The search engines behind ``search_index``: SQLite's FTS5 tables and triggers, PostgreSQL's
stored ``search_vector`` column and its GIN index (created by migrations 0004 and 0006, checked
again after every migrate), their nightly maintenance, and their removal.
"""

from __future__ import annotations

import time
from typing import Any

from clientela.customers.search_index import FTS5_PREFIXES, FTS_TABLES

FTS5_OPTIONS = (
    "tokenize = 'unicode61 remove_diacritics 2', "
    f"prefix = '{' '.join(str(size) for size in FTS5_PREFIXES)}'"
)


def _sqlite_statements(table: str, fts: str) -> dict[str, str]:
    """The FTS5 table and its triggers; ``table`` and ``fts`` come from ``FTS_TABLES`` only."""
    new_row = f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text);"  # noqa: S608
    old_row = (
        f"INSERT INTO {fts}({fts}, rowid, search_text) "  # noqa: S608
        "VALUES ('delete', old.id, old.search_text);"
    )
    trigger = f"CREATE TRIGGER IF NOT EXISTS {fts}"
    return {
        fts: (
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(search_text, "
            f"content = '{table}', content_rowid = 'id', {FTS5_OPTIONS})"
        ),
        f"{fts}_ai": f"{trigger}_ai AFTER INSERT ON {table} BEGIN {new_row} END",
        f"{fts}_ad": f"{trigger}_ad AFTER DELETE ON {table} BEGIN {old_row} END",
        f"{fts}_au": (
            f"{trigger}_au AFTER UPDATE OF search_text ON {table} BEGIN {old_row} {new_row} END"
        ),
    }


def _ensure_sqlite(connection: Any, rebuild: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        for table, fts in FTS_TABLES.items():
            statements = _sqlite_statements(table, fts)
            missing = [name for name in statements if name not in present]
            for name in missing:
                cursor.execute(statements[name])
            if rebuild or missing:  # rows written while a trigger was missing: index them all
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608


SCOPED_GIN = "gin (owner_id, team_id, search_vector)"  # migration 0006; needs btree_gin


def _ensure_postgresql(connection: Any) -> None:
    """A stored ``search_vector`` column (generated from ``search_text``, unknown to the
    models) and its GIN index, which also holds the owner and the team (``btree_gin``): a
    rep's search reads its matches from the index alone. Filtering a walked index on a stored
    vector costs ~1 µs a row, recomputing ``to_tsvector`` costs tens
    (docs/decisions/0002-search.md)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        for table in FTS_TABLES:
            cursor.execute(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector "
                "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_search_tsv ON {table} USING {SCOPED_GIN}"
            )


def sql_search_index(vendor: str, *, scoped: bool) -> list[str]:
    """PostgreSQL: replace each search index by the one over the owner, the team and the
    vector (``scoped``), or back by the one over the vector alone (migration 0006)."""
    if vendor != "postgresql":
        return []
    using = SCOPED_GIN if scoped else "gin (search_vector)"
    statements = ["CREATE EXTENSION IF NOT EXISTS btree_gin"] if scoped else []
    for table in FTS_TABLES:
        statements += [
            f"DROP INDEX IF EXISTS {table}_search_tsv",
            f"CREATE INDEX {table}_search_tsv ON {table} USING {using}",
        ]
    return statements


def ensure_engine(connection: Any, *, rebuild: bool = False) -> None:
    """Create what is missing: on SQLite a table rebuilt by a later migration loses its
    triggers, so they are put back and the index is rebuilt from ``search_text``."""
    if connection.vendor == "sqlite":
        _ensure_sqlite(connection, rebuild)
    elif connection.vendor == "postgresql":
        _ensure_postgresql(connection)


def maintain(connection: Any) -> dict[str, float]:
    """SQLite: merge each FTS5 index into one segment and refresh the planner's statistics.

    Without statistics SQLite guesses that ``team_id = ?`` matches 10 rows and reads a rep's
    whole team before the search; with them it takes the plans ``search`` is built for
    (docs/decisions/0002-search.md). PostgreSQL's autovacuum keeps its own statistics.
    Returns the seconds per step.
    """
    if connection.vendor != "sqlite":
        return {}
    seconds: dict[str, float] = {}
    with connection.cursor() as cursor:
        for table, fts in FTS_TABLES.items():
            started = time.perf_counter()
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")  # noqa: S608
            cursor.execute(f"ANALYZE {table}")
            seconds[table] = round(time.perf_counter() - started, 2)
    return seconds


def sql_drop_engine(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f"DROP {kind} IF EXISTS {name}"
            for fts in FTS_TABLES.values()
            for kind, name in [
                ("TRIGGER", f"{fts}_ai"),
                ("TRIGGER", f"{fts}_ad"),
                ("TRIGGER", f"{fts}_au"),
                ("TABLE", fts),
            ]
        ]
    if vendor == "postgresql":
        return [
            *(f"DROP INDEX IF EXISTS {table}_search_tsv" for table in FTS_TABLES),
            *(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector" for table in FTS_TABLES),
        ]
    return []
