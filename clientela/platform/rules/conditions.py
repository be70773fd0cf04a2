"""Rule conditions: a structured document, checked when the rule is saved and evaluated when it
runs, with an explanation per comparison. Never code: a field path, an operator from a fixed
list and a value coerced by the field's type.

Shape: ``{}`` (always true), or ``{"all": [ITEM, …]}`` / ``{"any": [ITEM, …]}`` where ITEM is
such a group again or ``{"field": "status", "op": "eq", "value": "new"}``. Paths name a
target's fields (``status``, ``account.industry``) or custom fields (``custom.budget``).
See docs/decisions/0007-rules-engine.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.platform import customfields
from clientela.platform.rules.registry import FieldInfo

MAX_DEPTH = 4  # groups inside groups
MAX_LEAVES = 50  # comparisons in one document
MAX_LIST = 100  # values of an "in" list
MAX_TEXT = 500  # characters of a compared text

EMPTY_OPS = ("is_empty", "is_not_empty", "changed")  # take no value
LIST_OPS = ("in", "not_in")
ORDER_OPS = ("gt", "gte", "lt", "lte")
OP_LABELS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "gt": gettext_lazy("is greater than"),
    "gte": gettext_lazy("is at least"),
    "lt": gettext_lazy("is less than"),
    "lte": gettext_lazy("is at most"),
    "contains": gettext_lazy("contains"),
    "starts_with": gettext_lazy("starts with"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "is_empty": gettext_lazy("is empty"),
    "is_not_empty": gettext_lazy("is not empty"),
    "changed": gettext_lazy("changed"),
}
_COMMON = ("eq", "ne", "in", "not_in", "is_empty", "is_not_empty", "changed")
OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "text": (*_COMMON, "contains", "starts_with"),
    "number": (*_COMMON, *ORDER_OPS),
    "decimal": (*_COMMON, *ORDER_OPS),
    "date": (*_COMMON, *ORDER_OPS),
    "datetime": (*_COMMON, *ORDER_OPS),
    "boolean": ("eq", "ne", "is_empty", "is_not_empty", "changed"),
    "choice": _COMMON,
    "multi_choice": ("contains", "is_empty", "is_not_empty", "changed"),
    "user": _COMMON,
}
# custom field types as conditions see them
CUSTOM_TYPES = {
    "integer": "number",
    "lookup": "number",
    "decimal": "decimal",
    "currency": "decimal",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
    "choice": "choice",
    "multi_choice": "multi_choice",
}

Errors = dict[str, list[str]]


def custom_fields(object_type: str) -> list[FieldInfo]:
    """The record type's custom fields as ``custom.<key>`` paths."""
    return [
        FieldInfo(
            f"{customfields.COLUMN}.{d.key}",
            d.label,
            CUSTOM_TYPES.get(d.field_type, "text"),
            tuple(d.choices),
        )
        for d in customfields.definitions(object_type)
    ]


_kept_catalogs: ContextVar[dict[str, dict[str, FieldInfo]] | None] = ContextVar(
    "rule_field_catalogs", default=None
)


@contextmanager
def catalogs_kept() -> Iterator[None]:
    """Build each record type's catalog once while matching a batch of events (a target's
    fields may query its choices: a sweep's thousands of events asked thousands of times)."""
    token = _kept_catalogs.set({})
    try:
        yield
    finally:
        _kept_catalogs.reset(token)


def field_catalog(object_type: str) -> dict[str, FieldInfo]:
    """Every path conditions on ``object_type`` may name: built-in, related and custom."""
    from clientela.platform.rules import registry

    kept = _kept_catalogs.get()
    if kept is not None and object_type in kept:
        return kept[object_type]
    try:
        built_in = registry.target(object_type).fields()
    except KeyError:
        return {}
    catalog = {f.path: f for f in [*built_in, *custom_fields(object_type)]}
    if kept is not None:
        kept[object_type] = catalog
    return catalog


# --- coercion --------------------------------------------------------------------------------


class Unfit(ValueError):
    """A value that does not fit the field's type."""


def _number(value: Any, kind: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Unfit(_("Enter a number."))
    try:
        number = customfields.as_decimal(value) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise Unfit(_("Enter a number.")) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise Unfit(_("Enter a number."))
    if kind == "number" and number != number.to_integral_value():
        raise Unfit(_("Enter a whole number."))
    return number


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise Unfit(_("Enter a date (YYYY-MM-DD).")) from None


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise Unfit(_("Enter a date and time (YYYY-MM-DD HH:MM).")) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise Unfit(_("Enter yes or no."))


def _choice(value: Any, info: FieldInfo) -> str:
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text is None or (info.choices and text not in {str(c[0]) for c in info.choices}):
        raise Unfit(_("Choose one of the offered values."))
    return text


def coerce(value: Any, info: FieldInfo) -> Any:
    """``value`` as the field's type compares it; ``Unfit`` when it cannot be."""
    kind = info.type
    if kind in ("number", "decimal"):
        return _number(value, kind)
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "boolean":
        return _boolean(value)
    if kind in ("choice", "multi_choice"):
        return _choice(value, info)
    if kind == "user":
        if isinstance(value, bool) or not str(value).isdigit():
            raise Unfit(_("Choose a user."))
        return int(value)
    if not isinstance(value, str | int | float | Decimal) or isinstance(value, bool):
        raise Unfit(_("Enter a text."))
    text = str(value)
    if len(text) > MAX_TEXT:
        raise Unfit(_("Enter at most %(n)d characters.") % {"n": MAX_TEXT})
    return text


def plain(value: Any) -> Any:
    """A coerced value as the stored document keeps it (JSON)."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- checking --------------------------------------------------------------------------------


@dataclass
class _Checker:
    fields: Mapping[str, FieldInfo]
    errors: Errors = field(default_factory=dict)
    leaves: int = 0

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def group(self, item: Any, path: str, depth: int) -> dict[str, Any]:
        if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in ("all", "any"):
            self.fail(path, _("Write a group as {“all”: […]} or {“any”: […]}."))
            return {}
        if depth > MAX_DEPTH:
            self.fail(path, _("Nest groups at most %(n)d deep.") % {"n": MAX_DEPTH})
            return {}
        kind, items = next(iter(item.items()))
        if not isinstance(items, list) or not items:
            self.fail(f"{path}.{kind}", _("A group needs at least one condition."))
            return {}
        return {kind: [self.item(sub, f"{path}.{kind}.{i}", depth) for i, sub in enumerate(items)]}

    def item(self, item: Any, path: str, depth: int) -> dict[str, Any]:
        if isinstance(item, dict) and ("all" in item or "any" in item):
            return self.group(item, path, depth + 1)
        self.leaves += 1
        if self.leaves == MAX_LEAVES + 1:
            self.fail("conditions", _("Use at most %(n)d conditions.") % {"n": MAX_LEAVES})
        if not isinstance(item, dict):
            self.fail(path, _("Write a condition as {“field”, “op”, “value”}."))
            return {}
        return self.leaf(item, path)

    def leaf(self, item: dict[str, Any], path: str) -> dict[str, Any]:
        extra = sorted(set(item) - {"field", "op", "value"})
        if extra:
            self.fail(path, _("Unknown settings: %(names)s.") % {"names": ", ".join(extra[:5])})
        name = item.get("field")
        info = self.fields.get(name) if isinstance(name, str) else None
        if info is None:
            self.fail(f"{path}.field", _("Choose one of the offered fields."))
            return {}
        op = item.get("op")
        if op not in OPS_BY_TYPE.get(info.type, ()):
            self.fail(f"{path}.op", _("This comparison does not suit the field."))
            return {}
        cleaned = {"field": info.path, "op": op}
        if op not in EMPTY_OPS:
            value = self.value(item.get("value"), info, op, f"{path}.value")
            cleaned["value"] = plain(value)
        return cleaned

    def value(self, raw: Any, info: FieldInfo, op: str, path: str) -> Any:
        try:
            if op in LIST_OPS:
                if not isinstance(raw, list) or not raw or len(raw) > MAX_LIST:
                    raise Unfit(_("Give a list of 1 to %(n)d values.") % {"n": MAX_LIST})
                return [coerce(v, info) for v in raw]
            if raw is None or raw == "":
                raise Unfit(_("Enter a value to compare with."))
            return coerce(raw, info)
        except Unfit as exc:
            self.fail(path, str(exc))
            return None


def check(document: Any, fields: Mapping[str, FieldInfo], root: str = "conditions") -> Any:
    """The document cleaned (values coerced and stored plainly), or ``ValidationFailed``
    naming each bad part by path (``conditions.all.1.value``)."""
    from clientela.platform.errors import ValidationFailed

    if document in (None, {}):
        return {}
    checker = _Checker(fields)
    cleaned = checker.group(document, root, 1)
    if checker.errors:
        raise ValidationFailed(errors=checker.errors)
    return cleaned


# --- evaluating ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """One comparison's outcome, for the run log and the dry run."""

    path: str
    field: str
    op: str
    value: Any
    actual: Any
    result: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "field": self.field,
            "op": self.op,
            "value": self.value,
            "actual": plain(_jsonable(self.actual)),
            "result": self.result,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | float | str | Decimal | dt.date) or value is None:
        return value
    return getattr(value, "pk", None) or str(value)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _actual(value: Any, info: FieldInfo) -> Any:
    """A record's value in the field's type; ``None`` when blank or unreadable."""
    if _blank(value):
        return None
    if info.type == "multi_choice":
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if info.type == "user":
        return getattr(value, "pk", value)
    if info.type in ("choice", "text"):
        return str(value)
    try:
        return coerce(value, info)
    except Unfit:
        return None


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _compare(op: str, actual: Any, wanted: Any) -> bool:
    if op == "is_empty":
        return actual is None
    if op == "is_not_empty":
        return actual is not None
    if actual is None:
        return op in ("ne", "not_in")
    actual = _fold(actual)
    if op in LIST_OPS:
        return (actual in [_fold(w) for w in wanted]) == (op == "in")
    wanted = _fold(wanted)
    if op == "eq":
        return bool(actual == wanted)
    if op == "ne":
        return bool(actual != wanted)
    if op == "contains":
        return wanted in actual
    if op == "starts_with":
        return str(actual).startswith(wanted)
    try:
        return {
            "gt": actual > wanted,
            "gte": actual >= wanted,
            "lt": actual < wanted,
            "lte": actual <= wanted,
        }[op]
    except TypeError:
        return False


def _wanted(leaf: Mapping[str, Any], info: FieldInfo) -> Any:
    raw = leaf.get("value")
    if leaf["op"] in LIST_OPS:
        return [coerce(v, info) for v in raw or []]
    if info.type == "multi_choice":
        return str(raw)
    return coerce(raw, info)


@dataclass
class Evaluation:
    matched: bool
    leaves: list[Leaf]

    def explanation(self) -> list[dict[str, Any]]:
        return [leaf.as_dict() for leaf in self.leaves]


def evaluate(
    document: Mapping[str, Any],
    fields: Mapping[str, FieldInfo],
    read: Callable[[str], Any],
    changes: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Whether the record (read through ``read(path)``) meets the checked ``document``; every
    comparison is evaluated so the explanation is whole. A field that no longer exists (a
    deleted custom field) makes its comparison false."""
    leaves: list[Leaf] = []
    if not document:
        return Evaluation(True, leaves)
    matched = _group(document, "", fields, read, changes or {}, leaves)
    return Evaluation(matched, leaves)


def _group(
    group: Mapping[str, Any],
    path: str,
    fields: Mapping[str, FieldInfo],
    read: Callable[[str], Any],
    changes: Mapping[str, Any],
    leaves: list[Leaf],
) -> bool:
    kind, items = next(iter(group.items()))
    results = []
    for index, item in enumerate(items):
        where = f"{path}{kind}.{index}"
        if "all" in item or "any" in item:
            results.append(_group(item, f"{where}.", fields, read, changes, leaves))
        else:
            results.append(_leaf(item, where, fields, read, changes, leaves))
    return all(results) if kind == "all" else any(results)


def _leaf(
    item: Mapping[str, Any],
    path: str,
    fields: Mapping[str, FieldInfo],
    read: Callable[[str], Any],
    changes: Mapping[str, Any],
    leaves: list[Leaf],
) -> bool:
    name, op = item["field"], item["op"]
    info = fields.get(name)
    if info is None:
        result, actual = False, None
    elif op == "changed":
        actual = changes.get(name)
        result = name in changes
    else:
        actual = _actual(read(name), info)
        try:
            result = _compare(op, actual, None if op in EMPTY_OPS else _wanted(item, info))
        except Unfit:
            result = False
    leaves.append(Leaf(path, name, op, item.get("value"), actual, result))
    return result
