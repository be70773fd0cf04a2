"""Custom fields: values an administrator adds to a record type, with no code and no restart.

Decision 0005 (docs/decisions/0005-custom-fields.md) explains the storage: a record type that
takes custom fields has a JSON column ``custom`` holding ``{key: value}``; each field that lists
filter or sort on gets an expression index, built while the application runs. This module is the
one place that knows how a field's values are cleaned, stored, compared and shown; forms, the
API, lists, imports, exports, the audit log and search all ask it.

Apps register their record types with ``register``; ``platform`` names none of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
import regex
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.db.models.expressions import Func
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from clientela.platform.models import CustomField, FieldType

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
COLUMN = "custom"
PREFIX = "cf_"  # annotation, list column, filter and sort names: ``cf_<key>``
MAX_TEXT = 255
MAX_LONG_TEXT = 10_000
MAX_CHOICES = 200
MAX_CHOICE_LENGTH = 100
MAX_FIELDS = 100  # per record type
MAX_DIGITS = 15  # a float holds 15 significant digits exactly (decision 0005)
NUMBER_BLANK = -(10**15)  # what a blank number sorts and compares as
PATTERN_TIMEOUT = 0.05  # seconds a validation pattern may take on one value
LOCAL_TTL = 2.0  # seconds a process trusts its copy of the definitions before asking again
VERSION_KEY = "clientela:customfields:version"

TEXTUAL = frozenset(
    {FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL}
)
NUMERIC = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY})
# Types lists can filter and sort on through an index (long text and multiple choice cannot).
INDEXABLE = frozenset(FieldType) - {FieldType.LONG_TEXT, FieldType.MULTI_CHOICE}


# --- which record types take custom fields -------------------------------------------------


@dataclass(frozen=True)
class Customizable:
    key: str  # the registry key, "customers.contact"
    model: type[models.Model]
    # The list's default ordering: each field's index ends in it, so "filter on the field,
    # default sort" and "sort by the field" both walk the index.
    ordering: tuple[str, ...]
    # Where the type shares its table with others (custom objects: one table of records), the
    # condition that selects its rows: its fields' indexes are partial on it.
    condition: models.Q | None = None


_customizable: dict[str, Customizable] = {}
# prefix ("objects.") -> the provider's current customizable types by key (custom objects)
_providers: dict[str, Any] = {}


def register_provider(prefix: str, provide: Any) -> None:
    """Types defined at run time: ``provide()`` answers ``{key: Customizable}`` from its own
    cache, which follows ``version()`` like the definitions do."""
    _providers[prefix] = provide


def register(key: str, model: type[models.Model], ordering: Sequence[str]) -> None:
    """Let administrators add fields to ``model`` (it must have a JSON field ``custom``)."""
    model._meta.get_field(COLUMN)
    if not ordering or ordering[-1].lstrip("-") not in ("id", "pk"):
        raise ValueError("the ordering must end in the id")
    _customizable[key] = Customizable(key, model, tuple(ordering))


def customizable(key: str) -> Customizable | None:
    found = _customizable.get(key)
    if found is None and _local.version != "snapshot":
        for prefix, provide in _providers.items():
            if key.startswith(prefix):
                return provide().get(key)  # type: ignore[no-any-return]
    return found


def customizable_types() -> list[Customizable]:
    provided = [c for provide in _providers.values() for c in provide().values()]
    return sorted([*_customizable.values(), *provided], key=lambda c: c.key)


# --- definitions, cached per process --------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """A custom field as the hot paths read it (an immutable copy of the row)."""

    id: int
    object_type: str
    key: str
    label: str
    field_type: str
    required: bool = False
    default: Any = None
    help_text: str = ""
    group: str = ""
    position: int = 0
    choices: tuple[tuple[str, str], ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    max_length: int | None = None
    pattern: str = ""
    currency: str = ""
    target: str = ""
    filterable: bool = False
    searchable: bool = False
    index_state: str = "none"

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.key}"

    @property
    def indexed(self) -> bool:
        return self.filterable and self.field_type in INDEXABLE

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)

    @classmethod
    def of(cls, row: CustomField) -> Definition:
        choices = tuple(
            (str(c.get("value", "")), str(c.get("label") or c.get("value", "")))
            for c in row.choices or []
            if isinstance(c, dict)
        )
        return cls(
            id=row.pk,
            object_type=row.object_type,
            key=row.key,
            label=row.label,
            field_type=row.field_type,
            required=row.required,
            default=row.default,
            help_text=row.help_text,
            group=row.group,
            position=row.position,
            choices=choices,
            min_value=row.min_value,
            max_value=row.max_value,
            max_length=row.max_length,
            pattern=row.pattern,
            currency=row.currency,
            target=row.target,
            filterable=row.filterable,
            searchable=row.searchable,
            index_state=row.index_state,
        )


@dataclass
class _Local:
    version: str = ""
    checked: float = 0.0
    generation: int = 0  # bumped by ``forget``: this process's own changes, seen at once
    by_type: dict[str, tuple[Definition, ...]] = field(default_factory=dict)


_local = _Local()


def _version() -> str:
    value = cache.get(VERSION_KEY)
    if value is None:
        value = str(time.time_ns())
        cache.add(VERSION_KEY, value, timeout=None)
        value = cache.get(VERSION_KEY) or value
    return str(value)


def version() -> str:
    """Changes whenever any process changes a definition (other processes see it within
    ``LOCAL_TTL`` seconds)."""
    now = time.monotonic()
    if now - _local.checked > LOCAL_TTL and _local.version != "snapshot":
        current = _version()
        if current != _local.version:
            _local.by_type.clear()
            _local.version = current
        _local.checked = now
    return f"{_local.version}.{_local.generation}"


def changed() -> None:
    """Call after any change to the definitions: every process reloads them."""
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)
    _local.by_type.clear()
    _local.checked = 0.0
    _local.generation += 1


def forget() -> None:
    """Drop this process's copy (tests: each starts from its own database state)."""
    _local.by_type.clear()
    _local.version = ""
    _local.checked = 0.0
    _local.generation += 1


def snapshot() -> dict[str, tuple[Definition, ...]]:
    """Every type's definitions, for a process without a database (the import's helper)."""
    return {key: definitions(key) for key in _customizable}


def use_snapshot(found: dict[str, tuple[Definition, ...]]) -> None:
    """Serve ``found`` in this process and never ask the cache or the database."""
    _local.by_type.clear()
    _local.by_type.update(found)
    _local.version = "snapshot"
    _local.checked = float("inf")


def definitions(object_type: str) -> tuple[Definition, ...]:
    """The fields of a record type in form order (empty for a type that takes none)."""
    if object_type not in _customizable and customizable(object_type) is None:
        return ()
    version()
    found = _local.by_type.get(object_type)
    if found is None:
        rows = CustomField.objects.filter(object_type=object_type).order_by("position", "id")
        found = tuple(Definition.of(row) for row in rows)
        _local.by_type[object_type] = found
    return found


def definition(object_type: str, key: str) -> Definition | None:
    return next((d for d in definitions(object_type) if d.key == key), None)


def for_model(model: type[models.Model]) -> tuple[Definition, ...]:
    for item in customizable_types():
        if item.model is model:
            return definitions(item.key)
    return ()


# --- cleaning values ------------------------------------------------------------------------


class Patch(dict[str, Any]):
    """Cleaned values to set on a record's ``custom`` (``None`` removes the key).

    Services apply it to the row they have locked, so two people changing different custom
    fields of one record at once both keep their change.
    """

    def apply(self, current: Mapping[str, Any] | None) -> dict[str, Any]:
        merged = dict(current or {})
        for key, value in self.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged


def _fail(message: str) -> ValueError:
    return ValueError(message)


def _text(item: Definition, value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _fail(_("Enter text."))
    text = str(value).strip()
    limit = item.max_length or (
        MAX_LONG_TEXT if item.field_type == FieldType.LONG_TEXT else MAX_TEXT
    )
    if len(text) > limit:
        raise _fail(_("Enter at most %(n)d characters.") % {"n": limit})
    if item.pattern and text and not _matches(item.pattern, text):
        raise _fail(_("This value does not have the expected format."))
    return text


def _matches(pattern: str, text: str) -> bool:
    """A pattern an administrator wrote, bounded in time: a pattern that backtracks for ever
    must not stall the form (``regex`` supports a timeout, ``re`` does not)."""
    try:
        return regex.fullmatch(pattern, text, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        raise _fail(_("This value took too long to check against the field's pattern.")) from None


def _decimal(item: Definition, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _fail(_("Enter a number."))
    text = str(value).strip().replace(" ", "")
    if isinstance(value, str) and "," in text:
        # 1.234,56 (Brazil) and 1,234.56: the last separator is the decimal one
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _fail(_("Enter a number.")) from None
    if not number.is_finite():
        raise _fail(_("Enter a number."))
    digits = number.normalize().as_tuple().digits
    if len(digits) > MAX_DIGITS or abs(number) >= 10**MAX_DIGITS:
        raise _fail(_("Enter a number of at most %(n)d digits.") % {"n": MAX_DIGITS})
    if item.min_value is not None and number < item.min_value:
        raise _fail(_("Enter %(n)s or more.") % {"n": _plain_number(item.min_value)})
    if item.max_value is not None and number > item.max_value:
        raise _fail(_("Enter %(n)s or less.") % {"n": _plain_number(item.max_value)})
    return number


def _plain_number(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def _integer(item: Definition, value: Any) -> int:
    number = _decimal(item, value)
    if number != number.to_integral_value():
        raise _fail(_("Enter a whole number."))
    return int(number)


def _decimal_json(item: Definition, value: Any) -> int | float:
    """Stored as a JSON number so the database compares and sorts it as one."""
    number = _decimal(item, value)
    if item.field_type == FieldType.CURRENCY:
        number = number.quantize(Decimal("0.01"))
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise _fail(_("Enter a date (YYYY-MM-DD)."))
    text = value.strip()
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text).isoformat()
        except ValueError:
            continue
    raise _fail(_("Enter a date (YYYY-MM-DD)."))


DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _datetime(value: Any) -> str:
    """Stored in UTC, in one fixed format, so text order is time order."""
    moment: dt.datetime
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise _fail(_("Enter a date and time (YYYY-MM-DD HH:MM).")) from None
    else:
        raise _fail(_("Enter a date and time (YYYY-MM-DD HH:MM)."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(dt.UTC).strftime(DATETIME_FORMAT)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on", "sim", "s", "y", "x"):
            return True
        if lowered in ("0", "false", "no", "off", "não", "nao", "n"):
            return False
    raise _fail(_("Enter yes or no."))


def _choice(item: Definition, value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int) else None
    for choice_value, label in item.choices:
        if text == choice_value or (text and text.casefold() == label.casefold()):
            return choice_value
    raise _fail(_("Choose one of the field's options."))


def _choices(item: Definition, value: Any) -> list[str] | None:
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise _fail(_("Choose the field's options from the list."))
    chosen = [_choice(item, v) for v in items if not (isinstance(v, str) and not v.strip())]
    return sorted(set(chosen), key=[c[0] for c in item.choices].index) or None


def _email(value: Any) -> str:
    text = _text(Definition(0, "", "", "", FieldType.TEXT), value).lower()
    try:
        validate_email(text)
    except ValidationError:
        raise _fail(_("Enter a valid e-mail address.")) from None
    return text


def _phone(value: Any, region: str) -> str:
    text = _text(Definition(0, "", "", "", FieldType.TEXT), value)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise _fail(_("Enter a valid phone number.")) from None
    if not phonenumbers.is_possible_number(number):
        raise _fail(_("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _url(value: Any) -> str:
    text = _text(Definition(0, "", "", "", FieldType.TEXT), value)
    if "://" not in text:
        text = f"https://{text}"
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise _fail(_("Enter a valid web address.")) from None
    return text


def _lookup(value: Any) -> int:
    if isinstance(value, bool):
        raise _fail(_("Choose a record."))
    text = str(value).strip().lstrip("#").split(" ", 1)[0] if value is not None else ""
    if not text.isdigit() or len(text) > 18:
        raise _fail(_("Choose a record."))
    return int(text)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


_CLEANERS: dict[str, Any] = {
    FieldType.TEXT: lambda item, value, region: _text(item, value) or None,
    FieldType.LONG_TEXT: lambda item, value, region: _text(item, value) or None,
    FieldType.INTEGER: lambda item, value, region: _integer(item, value),
    FieldType.DECIMAL: lambda item, value, region: _decimal_json(item, value),
    FieldType.CURRENCY: lambda item, value, region: _decimal_json(item, value),
    FieldType.DATE: lambda item, value, region: _date(value),
    FieldType.DATETIME: lambda item, value, region: _datetime(value),
    FieldType.BOOLEAN: lambda item, value, region: _boolean(value),
    FieldType.CHOICE: lambda item, value, region: _choice(item, value),
    FieldType.MULTI_CHOICE: lambda item, value, region: _choices(item, value),
    FieldType.EMAIL: lambda item, value, region: _email(value),
    FieldType.PHONE: lambda item, value, region: _phone(value, region),
    FieldType.URL: lambda item, value, region: _url(value),
    FieldType.LOOKUP: lambda item, value, region: _lookup(value),
}


def clean_value(item: Definition, value: Any, *, region: str = "BR") -> Any:
    """One value as stored in JSON, ``None`` for blank; raises ``ValueError`` with the message."""
    if _blank(value):
        return None
    return _CLEANERS[item.field_type](item, value, region)


def clean(
    object_type: str,
    raw: Any,
    *,
    creating: bool,
    errors: dict[str, list[str]],
    region: str = "BR",
    prefix: str = "custom.",
) -> Patch | None:
    """``raw`` ({key: value}) cleaned into a ``Patch``; problems go to ``errors`` under
    ``custom.<key>``. On create, defaults fill what was not given and required fields must be
    there; on update, only the keys given change (a required field cannot be emptied)."""
    fields = {d.key: d for d in definitions(object_type)}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors[prefix.rstrip(".")] = [_("Enter the custom fields as an object of key and value.")]
        return None
    unknown = [k for k in raw if k not in fields]
    for key in unknown[:20]:
        errors[f"{prefix}{str(key)[:50]}"] = [_("This record type has no such field.")]
    patch = Patch()
    for key, item in fields.items():
        problem = _clean_one(item, raw, creating, region, patch)
        if problem:
            errors[f"{prefix}{key}"] = [problem]
    if unknown:
        return None
    return patch


def _clean_one(
    item: Definition, raw: Mapping[str, Any], creating: bool, region: str, patch: Patch
) -> str:
    """Put one field's cleaned value in ``patch``; the problem's message, or ""."""
    if item.key not in raw:
        if creating and item.default is not None:
            patch[item.key] = item.default
        elif creating and item.required:
            return _("This field is required.")
        return ""
    try:
        value = clean_value(item, raw[item.key], region=region)
    except ValueError as exc:
        return str(exc)
    if value is None and item.required:
        return _("This field is required.")
    patch[item.key] = value
    return ""


def lookup_problems(
    object_type: str, patch: Mapping[str, Any], visible: Any, errors: dict[str, list[str]]
) -> None:
    """Links to records the actor cannot see are refused like unknown ones.

    ``visible(target_key, ids)`` answers the ids of ``target_key`` records the actor may see
    (the caller passes ``permissions.visible_to`` bound to its actor).
    """
    for item in definitions(object_type):
        value = patch.get(item.key)
        if item.field_type != FieldType.LOOKUP or value is None:
            continue
        if value not in visible(item.target, [value]):
            errors[f"custom.{item.key}"] = [_("Unknown record.")]


def clean_into(
    actor: Any,
    object_type: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    *,
    creating: bool,
    region: str = "BR",
) -> None:
    """A service's ``values["custom"]`` cleaned in place into a ``Patch`` (dropped when there is
    nothing to write); links must point at records ``actor`` may see."""
    raw = values.pop(COLUMN, None)
    if raw is None and not creating:
        return
    patch = clean(object_type, raw, creating=creating, errors=errors, region=region)
    if patch is None:
        return
    if actor is not None and any(v is not None for v in patch.values()):
        from clientela.platform import permissions, registry

        def visible(target: str, ids: list[Any]) -> set[Any]:
            records = registry.get(target).model._default_manager.filter(pk__in=ids)
            return set(permissions.visible_to(actor, records).values_list("pk", flat=True))

        lookup_problems(object_type, patch, visible, errors)
    if patch:
        values[COLUMN] = patch


def applied(patch: Any, current: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What a record's ``custom`` becomes: a ``Patch`` merged into ``current``; NULL for none."""
    merged = patch.apply(current) if isinstance(patch, Patch) else patch
    return merged or None


# --- showing values -------------------------------------------------------------------------


def display(item: Definition, value: Any) -> str:
    """A stored value as people read it, in the active language."""
    if value is None or value == "" or value == []:
        return ""
    kind = item.field_type
    if kind == FieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == FieldType.CHOICE:
        return item.choice_label(str(value))
    if kind == FieldType.MULTI_CHOICE:
        return ", ".join(item.choice_label(str(v)) for v in value)
    if kind == FieldType.INTEGER:
        return number_format(value, force_grouping=True)
    if kind in (FieldType.DECIMAL, FieldType.CURRENCY):
        number = as_decimal(value)
        places = 2 if kind == FieldType.CURRENCY else None
        text = number_format(number, decimal_pos=places, force_grouping=True)
        return f"{item.currency} {text}".strip() if kind == FieldType.CURRENCY else text
    if kind == FieldType.DATE:
        return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if kind == FieldType.DATETIME:
        moment = timezone.localtime(
            dt.datetime.strptime(value, DATETIME_FORMAT).replace(tzinfo=dt.UTC)
        )
        return date_format(moment, "SHORT_DATETIME_FORMAT")
    if kind == FieldType.LOOKUP:
        return f"#{value}"
    return str(value)


def as_decimal(value: Any) -> Decimal:
    """A stored number back as the Decimal that was entered (``repr`` of a float round-trips
    every number of ``MAX_DIGITS`` significant digits)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def api_value(item: Definition, value: Any) -> Any:
    """The value in API answers: numbers with decimals as strings, so no client rounds them."""
    if value is None:
        return None
    if item.field_type in (FieldType.DECIMAL, FieldType.CURRENCY):
        return format(as_decimal(value), "f")
    return value


def values_of(record: models.Model, object_type: str) -> dict[str, Any]:
    stored = getattr(record, COLUMN, None) or {}
    return {d.key: api_value(d, stored.get(d.key)) for d in definitions(object_type)}


def search_text(object_type: str, stored: Mapping[str, Any] | None) -> str:
    """The words of a record's searchable fields, for its search document."""
    if not stored:
        return ""
    parts = []
    for item in definitions(object_type):
        value = stored.get(item.key)
        if item.searchable and value not in (None, "", []):
            parts.append(display(item, value))
    return " ".join(parts)


# --- comparing and sorting in the database ----------------------------------------------------


class StoredValue(Func):
    """A field's value as the database compares, sorts and indexes it, blanks included.

    The JSON path is written into the SQL (keys are ``[a-z0-9_]`` only), never passed as a
    parameter: SQLite uses an expression index only when the query's expression is the
    index's, term for term, and a bound path is not. A blank value becomes ``''``, ``false``
    or ``NUMBER_BLANK``, so every record has a sort key and keyset pages need no NULL cases.
    """

    def __init__(self, item: Definition, column: str = COLUMN) -> None:
        if not KEY_RE.fullmatch(item.key):
            raise ValueError(f"bad custom field key {item.key!r}")
        self.item = item
        super().__init__(models.F(column), output_field=_output_field(item))

    def _parts(self) -> tuple[str, str, str]:
        """(JSON type, PostgreSQL cast, blank) for the field's type."""
        kind = self.item.field_type
        if kind == FieldType.BOOLEAN:
            return "boolean", "boolean", "false"
        if kind in (FieldType.INTEGER, FieldType.LOOKUP):
            blank = "0" if kind == FieldType.LOOKUP else str(NUMBER_BLANK)
            return "number", "bigint", blank
        if kind in (FieldType.DECIMAL, FieldType.CURRENCY):
            return "number", "double precision", str(NUMBER_BLANK)
        return "", "", "''"

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        blank = self._parts()[2]
        if blank == "false":
            blank = "0"
        return f"COALESCE(JSON_EXTRACT({column}, '$.\"{self.item.key}\"'), {blank})", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        """A value of another JSON type reads as blank instead of failing the cast: an index
        build also reads row versions from before a type change, until they are vacuumed."""
        column, params = compiler.compile(self.source_expressions[0])
        json_type, cast, blank = self._parts()
        key = self.item.key
        if not cast:
            return f"COALESCE(({column} ->> '{key}'), {blank})", params
        value = f"({column} -> '{key}')"
        typed = f"CASE WHEN jsonb_typeof({value}) = '{json_type}' THEN ({value})::{cast} END"
        return f"COALESCE({typed}, {blank})", params


def _output_field(item: Definition) -> models.Field[Any, Any]:
    kind = item.field_type
    if kind == FieldType.BOOLEAN:
        return models.BooleanField()
    if kind in (FieldType.INTEGER, FieldType.LOOKUP):
        return models.BigIntegerField()
    if kind in (FieldType.DECIMAL, FieldType.CURRENCY):
        return models.FloatField()
    return models.CharField()


def blank_value(item: Definition) -> Any:
    kind = item.field_type
    if kind == FieldType.BOOLEAN:
        return False
    if kind == FieldType.LOOKUP:
        return 0
    if kind in NUMERIC:
        return NUMBER_BLANK
    return ""


class HasChoice(Func):
    """Records whose multiple-choice field holds any of ``values`` (no index: a scan)."""

    conditional = True

    def __init__(self, item: Definition, values: Sequence[str], column: str = COLUMN) -> None:
        if not KEY_RE.fullmatch(item.key):
            raise ValueError(f"bad custom field key {item.key!r}")
        self.key = item.key
        self.values = [str(v) for v in values]
        super().__init__(models.F(column), output_field=models.BooleanField())

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        marks = ", ".join(["%s"] * len(self.values))
        # a checked key in the SQL; the values are bound
        source = f"JSON_EACH({column}, '$.\"{self.key}\"') AS cf_each"
        sql = f"EXISTS (SELECT 1 FROM {source} WHERE cf_each.value IN ({marks}))"  # noqa: S608
        return sql, (*params, *self.values)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        return f"(({column} -> '{self.key}') ?| %s::text[])", (*params, self.values)


def index_name(model: type[models.Model], item: Definition) -> str:
    """``cf_<model>_<id>_<hash of key and type>``: a field whose id comes back (a test database
    reset, a restored backup) never meets an index built on another expression."""
    digest = hashlib.sha256(f"{item.key}:{item.field_type}".encode()).hexdigest()[:8]
    return f"cf_{model._meta.model_name}_{item.id}_{digest}"[:60]


def drop_indexes(apps: Any, schema_editor: Any, tables: Sequence[str]) -> None:
    """Drop every custom field index on ``tables`` (a migration that removes the ``custom``
    column runs this first: SQLite refuses to drop a column an index reads)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
                    [table, "cf\\_%"],
                )
            else:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND name LIKE %s ESCAPE '\\'",
                    [table, "cf\\_%"],
                )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")


def index_for(entry: Customizable, item: Definition) -> models.Index:
    """``(value, <the list's default ordering>)``: serves "filter on the field, default sort"
    and "sort by the field" alike."""
    parts: list[Any] = [StoredValue(item)]
    for name in entry.ordering:
        column = models.F(name.lstrip("-"))
        parts.append(column.desc() if name.startswith("-") else column)
    return models.Index(*parts, name=index_name(entry.model, item), condition=entry.condition)
