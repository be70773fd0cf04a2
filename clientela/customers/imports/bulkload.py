"""Large imports into small tables: the list and sort indexes wait until the rows are in.

Every new contact updated seven indexes that only lists and sorts read (name, owner, team and
creation orders), each at a place of its own in its b-tree; building those indexes once after
the rows are in sorts them instead (100,000 contacts on SQLite: about 1.7 s less work while the
rows go in, 0.6 s to build them afterwards). So an import that at least doubles a table drops
them first and builds them again when it ends, successfully or not (decision 0004, "Bulk
loads"). The indexes the import itself looks rows up by (external id, e-mail, phone, tax id),
unique ones and foreign keys' stay, so matching and integrity do not change; other users' lists
are slower meanwhile, on a table that was small.

The dropped names are written on the job in the same transaction as the drop, so a runner that
dies leaves a note: the next run of the job, the hourly sweep (``restore_abandoned``, for jobs
no longer running) and ``migrate`` (which needs the full schema) build them again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from clientela.customers.models import ImportJob

logger = logging.getLogger(__name__)

DEFER_MIN_ROWS = 20_000  # smaller imports keep every index: building them again costs more
SEPARATOR = ","


def deferrable(model: type[models.Model], keys: Iterable[str]) -> list[models.Index]:
    """The model's declared indexes that no look-up of the import needs: not led by a match
    key. Partial ones stay: a row costs them nothing unless it fills their rare column, and
    building one again reads the whole table. Expression indexes (a custom field's) are not
    declared here and stay too."""
    keys = set(keys)
    return [
        index
        for index in model._meta.indexes
        if index.fields
        and index.name
        and index.condition is None
        and index.fields[0].lstrip("-") not in keys
    ]


def _editor() -> BaseDatabaseSchemaEditor:
    """A schema editor to build index statements with, outside ``with`` (which, on SQLite,
    refuses to start inside a transaction); these statements leave nothing for its end.

    PostgreSQL refuses to index a table with foreign-key checks still pending in the
    transaction (an import run inside an outer one, as in the tests): they are run first."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        connection.check_constraints()
    editor = connection.schema_editor()
    editor.deferred_sql = []
    return editor


INDEX_NAMES = {
    # Only the names: Django's full introspection parses each table's SQL on SQLite, a tenth
    # of a second a table, twice an import (the end of which waits for it).
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
    "postgresql": (
        "SELECT indexname FROM pg_indexes WHERE tablename = %s AND schemaname = current_schema()"
    ),
}


def _existing(model: type[models.Model]) -> set[str]:
    """The names of the table's indexes."""
    with connection.cursor() as cursor:
        table = model._meta.db_table
        query = INDEX_NAMES.get(connection.vendor)
        if query is None:
            return set(connection.introspection.get_constraints(cursor, table))
        cursor.execute(query, [table])
        return {str(name) for (name,) in cursor.fetchall()}


def _parse(note: str) -> list[tuple[type[models.Model], models.Index]]:
    """The (model, index) pairs of a job's note; names the models no longer declare are let go."""
    found = []
    for item in filter(None, note.split(SEPARATOR)):
        label, _sep, name = item.partition(":")
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        index = next((i for i in model._meta.indexes if i.name == name), None)
        if index is not None:
            found.append((model, index))
    return found


def _note(pairs: Iterable[tuple[type[models.Model], models.Index]]) -> str:
    return SEPARATOR.join(f"{model._meta.label}:{index.name}" for model, index in pairs)


def _min_rows() -> int:
    return int(getattr(settings, "CLIENTELA_IMPORT_DEFER_INDEXES_MIN_ROWS", DEFER_MIN_ROWS))


def defer(
    job: ImportJob, rows: int, targets: Iterable[tuple[type[models.Model], list[str]]]
) -> int:
    """Drop the deferrable indexes of each ``(model, match keys)`` whose table holds fewer rows
    than the ``rows`` about to go in; the count of indexes dropped."""
    if rows < _min_rows():
        return 0
    dropped: list[tuple[type[models.Model], models.Index]] = []
    editor = _editor()
    with transaction.atomic():
        for model, keys in targets:
            if model._default_manager.count() >= rows:
                continue
            present = _existing(model)
            for index in deferrable(model, keys):
                if index.name in present:
                    editor.execute(index.remove_sql(model, editor))
                    dropped.append((model, index))
        if dropped:
            job.refresh_from_db(fields=["deferred_indexes"])
            kept = _parse(job.deferred_indexes)
            job.deferred_indexes = _note([*kept, *dropped])
            job.save(update_fields=["deferred_indexes"])
    if dropped:
        logger.info("import %s: %d indexes wait until its rows are in", job.pk, len(dropped))
    return len(dropped)


def restore(job: ImportJob) -> int:
    """Build again the indexes ``job`` dropped (those still missing); the count built."""
    job.refresh_from_db(fields=["deferred_indexes"])
    if not job.deferred_indexes:
        return 0
    built = 0
    editor = _editor()
    with transaction.atomic():
        present: dict[type[models.Model], set[str]] = {}
        for model, index in _parse(job.deferred_indexes):
            names = present.setdefault(model, _existing(model))
            if index.name not in names:
                editor.execute(index.create_sql(model, editor))
                names.add(str(index.name))
                built += 1
        ImportJob.objects.filter(pk=job.pk).update(deferred_indexes="")
        job.deferred_indexes = ""
    return built


@contextmanager
def deferred(
    job: ImportJob, rows: int, targets: Iterable[tuple[type[models.Model], list[str]]]
) -> Iterator[int]:
    """``defer`` for the block, ``restore`` after it however it ends."""
    restore(job)  # a runner that died before may have left some
    count = defer(job, rows, targets)
    try:
        yield count
    finally:
        if count:
            restore(job)


def restore_abandoned(*, running_too: bool = False) -> int:
    """Indexes dropped by imports that are no longer running (with ``running_too``, by every
    import: ``migrate`` needs the schema whole), built again; the count built."""
    jobs = ImportJob.objects.exclude(deferred_indexes="")
    if not running_too:
        jobs = jobs.exclude(status="running")
    return sum(restore(job) for job in jobs.order_by("id"))


def before_migrate(**_kwargs: object) -> None:
    """``pre_migrate``: a migration may alter an index an import left dropped; build them all
    first (nothing to do before the column exists)."""
    table = ImportJob._meta.db_table
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return
        columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
    if "deferred_indexes" in columns:
        restore_abandoned(running_too=True)
