"""Custom fields in record lists: a column each, and filters and sorts where indexed.

A ``listing`` extension: ``ListSpec.current()`` asks it what to add, and it answers from the
cached definitions, so a new field shows in lists at once, everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.db.models import F, Q
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils.translation import gettext as _

from clientela.platform import customfields
from clientela.platform.customfields import NUMBER_BLANK, Definition, HasChoice, StoredValue
from clientela.platform.listing import Column, Extension, Filter, FilterKind, ListSpec, Sort
from clientela.platform.models import FieldType
from clientela.platform.permissions import Unindexed

TEXT_FILTERS = (FieldType.TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL)


def extend(spec: ListSpec) -> Extension | None:
    entry = customfields.customizable(spec.object_type)
    if entry is None:
        return None
    version = customfields.version()
    items = customfields.definitions(spec.object_type)
    columns = tuple(_column(item) for item in items)
    filters = tuple(f for item in items if (f := _filter(item, entry.ordering)) is not None)
    sorts: list[Sort] = []
    annotations: dict[str, Any] = {}
    for item in items:
        if not item.indexed:
            continue
        annotations[item.name] = StoredValue(item)
        sorts += _sorts(item, entry.ordering)
    return Extension(version, columns, filters, tuple(sorts), annotations)


def _column(item: Definition) -> Column:
    def render(record: Any) -> str:
        stored = getattr(record, customfields.COLUMN, None) or {}
        return customfields.display(item, stored.get(item.key))

    return Column(item.name, item.label, "", sortable=item.indexed, render=render)


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _sorts(item: Definition, ordering: tuple[str, ...]) -> list[Sort]:
    """By the field, then as the list sorts by default: the field's index order."""
    up = (item.name, *ordering)
    return [
        Sort(item.name, _("%(field)s, ascending") % {"field": item.label}, up, True),
        Sort(
            f"-{item.name}",
            _("%(field)s, descending") % {"field": item.label},
            tuple(_flip(n) for n in up),
            True,
        ),
    ]


def _filter(item: Definition, ordering: tuple[str, ...]) -> Filter | None:
    """The field's filter; an indexed field's index is its value then the list's default
    ``ordering``, so an equality on one value reads its rows in that order (``index_order``)."""
    kind = item.field_type
    if kind == FieldType.MULTI_CHOICE and item.filterable:
        return Filter(
            item.name,
            item.label,
            FilterKind.CHOICE,
            item.name,
            item.choices,
            condition=lambda _name, values: Q(HasChoice(item, values)),
        )
    if not item.indexed:
        return None
    name = item.name
    if kind == FieldType.CHOICE:
        return Filter(
            name,
            item.label,
            FilterKind.CHOICE,
            name,
            item.choices,
            condition=lambda _n, values: Q(**{f"{name}__in": values}),
            index_order=ordering,
        )
    if kind == FieldType.BOOLEAN:
        return Filter(
            name,
            item.label,
            FilterKind.BOOLEAN,
            name,
            condition=lambda _n, v: Q(**{name: v}),
            index_order=ordering,
        )
    if kind in TEXT_FILTERS:
        return Filter(
            name,
            item.label,
            FilterKind.TEXT,
            name,
            condition=lambda _n, v: Q(**{name: _as_stored(item, v)}),
            index_order=ordering,
        )
    if kind == FieldType.LOOKUP:
        return Filter(
            name,
            item.label,
            FilterKind.REFERENCE,
            name,
            target=item.target,
            condition=lambda _n, v: Q(**{name: v}),
            index_order=ordering,
        )
    if kind in (FieldType.DATE, FieldType.DATETIME):
        return Filter(
            name,
            item.label,
            FilterKind.DATE_RANGE,
            name,
            condition=_date_condition(item),
            closing=_closing(item, "from", "to", "", DATE_CEILING),
            ids_first=True,
        )
    return Filter(
        name,
        item.label,
        FilterKind.NUMBER_RANGE,
        name,
        condition=_number_condition(item),
        closing=_closing(item, "min", "max", NUMBER_BLANK, NUMBER_CEILING),
        ids_first=True,
    )


def _as_stored(item: Definition, value: str) -> Any:
    """What was typed in the filter as the field stores it (an e-mail in lower case, a phone
    in E.164); as typed when it does not clean."""
    try:
        cleaned = customfields.clean_value(item, value)
    except ValueError:
        return value
    return value if cleaned is None else cleaned


LOOKUPS = {
    "gt": GreaterThan,
    "gte": GreaterThanOrEqual,
    "lt": LessThan,
    "lte": LessThanOrEqual,
}


def _compare(name: str, op: str, value: Any, indexed: bool) -> Q:
    """``name <op> value``; when not ``indexed``, stated so that no index drives it (SQLite's
    ``+expr``), for a range too wide for the field's index to be the way in (see
    ``ListSpec.apply``)."""
    if indexed:
        return Q(**{f"{name}__{op}": value})
    return Q(LOOKUPS[op](Unindexed(F(name)), value))


# Range conditions (``ids_first`` filters): ``condition(param, value, indexed)`` states one
# bound; ``closing(given, indexed)`` the other end when one bound only was given, after it.
# Both ends in the query, the given one first, let SQLite (no statistics on the expression)
# read the field's index from the given bound: with a lower bound alone it walked the list's
# order and tested every row (a million contacts, "at least 495" on 1% of them: 65 ms of SQL
# for a page's ids, 5 ms now); with a second lower bound beside it, it took the first.
# Blanks sort below any bound (numbers as ``NUMBER_BLANK``, dates as ""), so an upper bound
# alone is closed above the blank, and a lower bound alone by a ceiling nothing reaches.
NUMBER_CEILING = 10**customfields.MAX_DIGITS  # every stored number is below it
DATE_CEILING = "~"  # above any ISO date or time


def _date_condition(item: Definition) -> Any:
    name = item.name

    def stored(moment: dt.datetime) -> str:
        if item.field_type == FieldType.DATE:
            return moment.date().isoformat()
        return moment.astimezone(dt.UTC).strftime(customfields.DATETIME_FORMAT)

    def condition(param: str, value: dt.datetime, indexed: bool = True) -> Q:
        if param.endswith("_from"):
            return _compare(name, "gte", stored(value), indexed)
        if item.field_type == FieldType.DATE:
            return _compare(name, "lte", stored(value), indexed)
        return _compare(name, "lt", stored(value + dt.timedelta(days=1)), indexed)

    return condition


def _number_condition(item: Definition) -> Any:
    name = item.name
    whole = item.field_type == FieldType.INTEGER

    def condition(param: str, value: Decimal, indexed: bool = True) -> Q:
        if param.endswith("_min"):
            return _compare(name, "gte", math.ceil(value) if whole else float(value), indexed)
        return _compare(name, "lte", math.floor(value) if whole else float(value), indexed)

    return condition


def _closing(item: Definition, low: str, high: str, blank: Any, ceiling: Any) -> Any:
    name = item.name

    def closing(given: frozenset[str], indexed: bool = True) -> Q:
        if given == {f"{name}_{low}"}:
            return _compare(name, "lt", ceiling, indexed)
        if given == {f"{name}_{high}"}:
            return _compare(name, "gt", blank, indexed)
        return Q()  # both ends: the lower one leaves blanks out

    return closing
