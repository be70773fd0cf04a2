"""A lean multi-row INSERT … RETURNING for the import's new rows.

Django's ``bulk_create`` prepares every value of every row through the field machinery, which
cost about 200 µs per contact here (25 columns), twice what the whole row is allowed at the
target rate; the database itself needed about 40 µs. This builds the same statement with the
values prepared once per column kind: text, numbers, booleans and None go as they are, dates
and times through the backend's own adapters. One statement per few hundred rows also keeps
SQLite's full-text triggers cheap (its index is flushed per statement, not per row); 1,250 rows
a statement cost the same CPU at 100,000 contacts and 33 MiB more memory. PostgreSQL gets one
typed array per column instead (``unnest``), since psycopg parses each placeholder in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

Adapter = Callable[[Any], Any]


class RecordFactory:
    """Unsaved instances of ``model`` as ``model(**fixed, **values)`` builds them, faster.

    ``Model.__init__`` walks every field for every row (~15 µs for a contact); this copies the
    attributes of one instance built the normal way, calls the callable defaults anew, and sets
    the row's values through ``setattr`` as ``__init__`` does. Models with init signals, and
    values ``__init__`` would treat differently (unknown or repeated names), take the normal way.
    """

    def __init__(self, model: type[models.Model], fixed: dict[str, Any]) -> None:
        self.model, self.fixed = model, fixed
        meta = model._meta
        self.fast = not (pre_init.has_listeners(model) or post_init.has_listeners(model))
        template = model(**fixed)
        self.base = {k: v for k, v in template.__dict__.items() if k != "_state"}
        self.fresh = [
            f
            for f in meta.concrete_fields
            if f.has_default() and callable(f.default) and f.attname not in fixed
        ]
        names = {f.attname for f in meta.concrete_fields} | {f.name for f in meta.concrete_fields}
        self.names = frozenset(names - set(fixed))

    def __call__(self, values: dict[str, Any]) -> models.Model:
        if not self.fast or not self.names.issuperset(values):
            return self.model(**self.fixed, **values)
        record = self.model.__new__(self.model)
        state = record.__dict__
        state.update(self.base)
        state["_state"] = ModelState()
        for field in self.fresh:
            state[field.attname] = field.get_default()
        for name, value in values.items():
            setattr(record, name, value)
        return record


_UNSET = object()


def _adapter(field: models.Field[Any, Any]) -> Adapter | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField | models.JSONField | models.UUIDField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _params(
    records: Sequence[models.Model], fields: list[models.Field[Any, Any]]
) -> list[list[Any]]:
    """Each record's values in column order, adapted for the database."""
    adapters = [(i, adapt) for i, f in enumerate(fields) if (adapt := _adapter(f)) is not None]
    memos: list[list[Any]] = [[_UNSET, None] for _adapter_item in adapters]
    getter = attrgetter(*(f.attname for f in fields))
    rows = [list(getter(r)) for r in records]
    if not adapters:
        return rows
    for row in rows:
        for (index, adapt), memo in zip(adapters, memos, strict=True):
            value = row[index]
            if value is None:
                continue
            if value is not memo[0]:  # a batch's rows share their timestamps: adapt once
                memo[0], memo[1] = value, adapt(value)
            row[index] = memo[1]
    return rows


def insert_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The columns an insert names, in this order (all but the primary key)."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


class ColumnPlan:
    """A new record's insert parameters straight from its values, without a model instance.

    ``row(values)`` gives what ``_params([model(**values)], insert_fields(model))`` gives:
    the fields' defaults (callable ones called for each row), the values by field name or
    attname, each adapted for the database as the insert would. It reads no database, so a
    helper process can build the rows an import inserts. The caller sets the columns it
    decides itself (owner, team, times) by ``index``.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.fields = insert_fields(model)
        self.index: dict[str, int] = {}
        for i, f in enumerate(self.fields):
            self.index[f.attname] = self.index[f.name] = i
        self.adapters = {i: a for i, f in enumerate(self.fields) if (a := _adapter(f))}
        self.fresh = [
            i for i, f in enumerate(self.fields) if f.has_default() and callable(f.default)
        ]
        self.template = [self._adapt(i, f.get_default()) for i, f in enumerate(self.fields)]

    def _adapt(self, index: int, value: Any) -> Any:
        adapt = self.adapters.get(index)
        return value if adapt is None or value is None else adapt(value)

    def row(self, values: dict[str, Any]) -> list[Any]:
        params = self.template.copy()
        for i in self.fresh:
            params[i] = self._adapt(i, self.fields[i].get_default())
        index, adapters = self.index, self.adapters
        for name, value in values.items():
            at = index.get(name)
            if at is None:
                raise TypeError(f"{self.fields[0].model.__name__} has no field {name!r}")
            params[at] = value if value is None or at not in adapters else adapters[at](value)
        return params


def placeholder() -> str:
    """A parameter's mark in a long statement built here.

    On SQLite, "?": Django rewrites each "%s" of a statement into "?" with a regular expression,
    which took about 0.7 ms for a 500-row insert (0.5 s of a 100,000-row import), and a
    statement already in "?" passes through unchanged. Not while queries are logged (DEBUG, or
    a test capturing them): the log rebuilds each statement with ``sql % params``. Elsewhere,
    Django's own "%s".
    """
    return "?" if connection.vendor == "sqlite" and not connection.queries_logged else "%s"


@functools.cache
def column_plan(model: type[models.Model]) -> ColumnPlan:
    return ColumnPlan(model)


def record_params(record: models.Model) -> list[Any]:
    """One model instance's insert parameters (as ``insert_rows`` would send them)."""
    return _params([record], insert_fields(type(record)))[0]


def insert_rows(records: Sequence[models.Model], *, returning: bool = True) -> None:
    """INSERT ``records`` (all of one model) and, with ``returning``, set their primary keys."""
    if not records:
        return
    model = type(records[0])
    pks = insert_lists(model, _params(records, insert_fields(model)), returning=returning)
    for record, pk in zip(records, pks, strict=False):
        record.pk = pk
        record._state.adding = False


# Column kinds sent as one typed array each on PostgreSQL (see ``_unnest_types``). JSON goes as
# ``jsonb[]`` of the values ``JSONField`` adapts (psycopg's ``Jsonb``): without it, the custom
# fields' column (decision 0005) sent every contact insert back to a placeholder per value.
UNNEST_KINDS = frozenset((
    "CharField", "TextField", "EmailField", "SlugField", "URLField", "BooleanField",
    "DateField", "DateTimeField", "ForeignKey", "IntegerField", "BigIntegerField",
    "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "JSONField",
))  # fmt: skip


def _unnest_types(fields: list[models.Field[Any, Any]]) -> list[str] | None:
    """PostgreSQL: the columns' types, to send one array per column instead of a placeholder
    per value (psycopg parses every placeholder of a statement in Python: 30,000 of them cost
    more than the import's own work). None elsewhere, or for a kind not listed."""
    if connection.vendor != "postgresql":
        return None
    types = []
    for field in fields:
        db_type = field.db_type(connection)
        if field.get_internal_type() not in UNNEST_KINDS or not db_type:
            return None
        types.append(str(db_type))
    return types


def update_rows(records: Sequence[models.Model], names: Sequence[str]) -> None:
    """UPDATE the fields ``names`` of ``records`` (all of one model), one prepared statement
    run for each record. Django's ``bulk_update`` builds a CASE expression per field over the
    whole batch: for 5,000 contacts it took longer than the rest of their import."""
    if not records:
        return
    meta = records[0]._meta
    fields = [field for name in names if isinstance(field := meta.get_field(name), models.Field)]
    if len(fields) != len(names):
        raise TypeError(f"not all of {names} are columns of {meta.label}")
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    # Only model metadata (quoted) goes into the text; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608
    rows = _params(records, fields)
    for row, record in zip(rows, records, strict=True):
        row.append(record.pk)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_lists(
    model: type[models.Model], rows: Sequence[list[Any]], *, returning: bool = True
) -> list[int]:
    """INSERT ``rows`` (parameters in ``insert_fields`` order, adapted) and, with
    ``returning``, give the new primary keys in the same order."""
    meta = model._meta
    fields = insert_fields(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    types = _unnest_types(fields)
    if types is not None:
        return _insert_unnest(meta, rows, columns, types, returning=returning)
    row_sql = "(" + ", ".join([placeholder()] * len(fields)) + ")"
    per_statement = max(1, min(500, 30_000 // len(fields)))
    # Only model metadata (quoted) goes into the text; every value is a parameter.
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608
    tail = f" RETURNING {quote(str(meta.pk.column))}" if returning else ""
    pks: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = head + ", ".join([row_sql] * len(chunk)) + tail
            cursor.execute(sql, list(chain.from_iterable(chunk)))
            if returning:
                pks += [pk for (pk,) in cursor.fetchall()]
    return pks


def _insert_unnest(
    meta: Any,
    rows: Sequence[list[Any]],
    columns: str,
    types: list[str],
    *,
    returning: bool,
) -> list[int]:
    """``INSERT … SELECT * FROM unnest(%s::type[], …) RETURNING id``: rows come back in the
    order they were given (as Django's own ``bulk_create`` relies on for PostgreSQL)."""
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608
    if returning:
        sql += f" RETURNING {quote(str(meta.pk.column))}"
    pks: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UNNEST_ROWS):
            chunk = rows[start : start + UNNEST_ROWS]
            cursor.execute(sql, [list(column) for column in zip(*chunk, strict=True)])
            if returning:
                pks += [pk for (pk,) in cursor.fetchall()]
    return pks


UNNEST_ROWS = 5000
