"""Adding, changing and removing custom fields (the business-object modeler's fields).

Every change is checked, audited and announced to every process (``customfields.changed``);
an index a list filter needs is built afterwards by the task worker, without locking writers
out on PostgreSQL (decision 0005).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import regex
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from clientela.platform import audit, customfields, events, permissions, registry
from clientela.platform.customfields import (
    INDEXABLE,
    KEY_RE,
    MAX_CHOICE_LENGTH,
    MAX_CHOICES,
    MAX_FIELDS,
    Definition,
)
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import CustomField, FieldType, User

logger = logging.getLogger(__name__)

KEY = "platform.customfield"
EDITABLE = (
    "label",
    "required",
    "default",
    "help_text",
    "group",
    "position",
    "choices",
    "min_value",
    "max_value",
    "max_length",
    "pattern",
    "currency",
    "filterable",
    "searchable",
)
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)
NUMBER_TYPES = (FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY)
TEXT_TYPES = (FieldType.TEXT, FieldType.LONG_TEXT)
MIGRATE_BATCH = 2_000
MAX_EXAMPLES = 5


def field_list(actor: User, object_type: str | None = None) -> models.QuerySet[CustomField]:
    permissions.require(actor, KEY, "view")
    fields = CustomField.objects.all()
    if object_type:
        fields = fields.filter(object_type=object_type)
    return fields.order_by("object_type", "position", "id")


def field_get(actor: User, pk: Any) -> CustomField:
    permissions.require(actor, KEY, "view")
    try:
        return CustomField.objects.get(pk=int(pk))
    except (CustomField.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- cleaning a definition ------------------------------------------------------------------


def _text(values: dict[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> None:
    if name not in values:
        return
    value = values[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = [_("Enter text.")]
        return
    value = value.strip()
    if len(value) > limit:
        errors[name] = [_("Enter at most %(n)d characters.") % {"n": limit}]
    values[name] = value


def _choices(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    raw = values.get("choices")
    if raw in (None, ""):
        values["choices"] = []
        return
    if isinstance(raw, str):  # the form's textarea: one option per line, "value|label" or "label"
        raw = [line for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
        errors["choices"] = [_("Enter at most %(n)d options.") % {"n": MAX_CHOICES}]
        return
    cleaned: list[dict[str, str]] = []
    for item in raw:
        if isinstance(item, str):
            value, _sep, label = item.partition("|")
            item = {"value": value, "label": label or value}
        if not isinstance(item, dict):
            errors["choices"] = [_("Each option needs a value and a label.")]
            return
        value = str(item.get("value", "")).strip()
        label = str(item.get("label") or value).strip()
        if not value or len(value) > MAX_CHOICE_LENGTH or len(label) > MAX_CHOICE_LENGTH:
            errors["choices"] = [
                _("Each option needs a value of 1 to %(n)d characters.") % {"n": MAX_CHOICE_LENGTH}
            ]
            return
        if ";" in value:
            errors["choices"] = [_("An option's value cannot contain “;”.")]
            return
        if any(c["value"] == value for c in cleaned):
            errors["choices"] = [_("The option “%(value)s” is listed twice.") % {"value": value}]
            return
        cleaned.append({"value": value, "label": label})
    values["choices"] = cleaned


def _number(values: dict[str, Any], name: str, errors: dict[str, list[str]]) -> None:
    if name not in values:
        return
    raw = values[name]
    if raw in (None, ""):
        values[name] = None
        return
    try:
        if isinstance(raw, bool):
            raise InvalidOperation
        number = Decimal(str(raw).strip())
        if not number.is_finite() or abs(number) >= 10**14:
            raise InvalidOperation
    except InvalidOperation:
        errors[name] = [_("Enter a number.")]
        return
    values[name] = number


def _pattern(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    pattern = values.get("pattern") or ""
    if not pattern:
        return
    try:
        regex.compile(pattern)
    except (regex.error, RecursionError, OverflowError):
        errors["pattern"] = [_("This is not a valid pattern.")]


def _flags(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for name in ("required", "filterable", "searchable"):
        if name in values and not isinstance(values[name], bool):
            raw = str(values[name]).lower()
            if raw not in ("true", "false", "1", "0", "on", "off", ""):
                errors[name] = [_("Enter yes or no.")]
                continue
            values[name] = raw in ("true", "1", "on")
    if "position" in values:
        try:
            values["position"] = max(0, min(int(values["position"]), 10_000))
        except (TypeError, ValueError):
            errors["position"] = [_("Enter a whole number.")]
    if "max_length" in values and values["max_length"] not in (None, ""):
        try:
            size = int(values["max_length"])
            if not 1 <= size <= customfields.MAX_LONG_TEXT:
                raise ValueError
            values["max_length"] = size
        except (TypeError, ValueError):
            errors["max_length"] = [
                _("Enter a length from 1 to %(n)d.") % {"n": customfields.MAX_LONG_TEXT}
            ]
    elif "max_length" in values:
        values["max_length"] = None


def _currency(kind: str, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if kind != FieldType.CURRENCY:
        values["currency"] = ""
        return
    currency = str(values.get("currency") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = [_("Enter a three-letter currency code, e.g. BRL.")]
    values["currency"] = currency


def _by_type(kind: str, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """What each type needs, and nothing it does not use."""
    if kind in CHOICE_TYPES and not values.get("choices"):
        errors.setdefault("choices", [_("Enter at least one option.")])
    if kind not in CHOICE_TYPES:
        values["choices"] = []
    _currency(kind, values, errors)
    if kind not in NUMBER_TYPES:
        values["min_value"] = values["max_value"] = None
    elif (
        values.get("min_value") is not None
        and values.get("max_value") is not None
        and values["min_value"] > values["max_value"]
    ):
        errors["max_value"] = [_("The maximum must not be below the minimum.")]
    if kind not in (*TEXT_TYPES, FieldType.EMAIL, FieldType.URL, FieldType.PHONE):
        values["pattern"] = ""
        values["max_length"] = None
    if kind == FieldType.LOOKUP:
        target = values.get("target") or ""
        if target not in {t.key for t in registry.all_types() if t.owned}:
            errors["target"] = [_("Choose the kind of record this field links to.")]
    else:
        values["target"] = ""
    if kind not in INDEXABLE and kind != FieldType.MULTI_CHOICE:
        values["filterable"] = False  # long text: no filter (multiple choice filters by a scan)


def _clean(values: dict[str, Any], kind: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _text(values, "label", 120, errors)
    if "label" in values and not values["label"]:
        errors["label"] = [_("Enter a label.")]
    _text(values, "help_text", 300, errors)
    _text(values, "group", 80, errors)
    _text(values, "pattern", 200, errors)
    _flags(values, errors)
    if "choices" in values:
        _choices(values, errors)
    _number(values, "min_value", errors)
    _number(values, "max_value", errors)
    _pattern(values, errors)
    _by_type(kind, values, errors)
    return errors


def _clean_default(row: CustomField, errors: dict[str, list[str]]) -> None:
    """The default is a value like any other: cleaned by the field's own rules."""
    if row.default in (None, "", []):
        row.default = None
        return
    try:
        row.default = customfields.clean_value(Definition.of(row), row.default)
    except ValueError as exc:
        errors["default"] = [str(exc)]


# --- create, change, delete -----------------------------------------------------------------


def field_create(*, actor: User, values: dict[str, Any]) -> CustomField:
    permissions.require(actor, KEY, "create")
    values = {
        k: v
        for k, v in values.items()
        if k in (*EDITABLE, "object_type", "key", "field_type", "target")
    }
    errors: dict[str, list[str]] = {}
    object_type = values.get("object_type") or ""
    if customfields.customizable(object_type) is None:
        errors["object_type"] = [_("This record type does not take custom fields.")]
    key = str(values.get("key") or "").strip().lower()
    if not KEY_RE.fullmatch(key):
        errors["key"] = [
            _("Enter a key of lower-case letters, digits and “_”, starting with a letter.")
        ]
    kind = values.get("field_type") or ""
    if kind not in FieldType.values:
        errors["field_type"] = [_("Choose a field type.")]
    values.setdefault("label", "")
    values.setdefault("filterable", kind in INDEXABLE)
    errors.update(_clean(values, kind))
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        taken = CustomField.objects.select_for_update().filter(object_type=object_type)
        existing = list(taken.values_list("key", flat=True))
        if key in existing:
            raise ValidationFailed(errors={"key": [_("This record type already has this key.")]})
        if len(existing) >= MAX_FIELDS:
            raise ValidationFailed(
                _("A record type can have at most %(n)d custom fields.") % {"n": MAX_FIELDS}
            )
        if "position" not in values:
            top = taken.aggregate(top=Max("position"))["top"]
            values["position"] = (top or 0) + 10
        row = CustomField(**{**values, "key": key})
        _clean_default(row, errors)
        if errors:
            raise ValidationFailed(errors=errors)
        row.index_state = "building" if Definition.of(row).indexed else "none"
        row.save()
        audit.record(
            actor=actor, action="create", obj=row, changes=audit.diff({}, audit.snapshot(row))
        )
        _announce()
        if Definition.of(row).indexed:
            _schedule_index(row.pk)
    return row


def _values_in_use(row: CustomField) -> models.QuerySet[Any]:
    entry = customfields.customizable(row.object_type)
    assert entry is not None
    return entry.model._default_manager.filter(**{f"{customfields.COLUMN}__has_key": row.key})


def _dropped_choices(row: CustomField, new: list[dict[str, str]]) -> list[str]:
    kept = {c["value"] for c in new}
    return [c["value"] for c in row.choices or [] if c.get("value") not in kept]


def _refuse_dropped_choices(row: CustomField, dropped: list[str]) -> None:
    if not dropped:
        return
    in_use = [value for value in dropped if _records_with_choice(row, value).exists()]
    if in_use:
        raise Conflict(
            _(
                "Records still hold the options %(values)s; change those records first, "
                "or keep the options."
            )
            % {"values": ", ".join(f"“{v}”" for v in in_use[:MAX_EXAMPLES])}
        )


def _records_with_choice(row: CustomField, value: str) -> models.QuerySet[Any]:
    entry = customfields.customizable(row.object_type)
    assert entry is not None
    item = Definition.of(row)
    records = entry.model._default_manager.all()
    if row.field_type == FieldType.MULTI_CHOICE:
        return records.filter(customfields.HasChoice(item, [value]))
    return records.filter(**{f"{customfields.COLUMN}__{row.key}": value})


def field_update(*, actor: User, pk: Any, values: dict[str, Any]) -> CustomField:
    """Change what a field shows and checks; its key and type stay (see ``field_change_type``)."""
    permissions.require(actor, KEY, "edit")
    values = {k: v for k, v in values.items() if k in EDITABLE}
    with transaction.atomic():
        try:
            row = CustomField.objects.select_for_update().get(pk=int(pk))
        except (CustomField.DoesNotExist, ValueError, TypeError):
            raise NotFound() from None
        before = audit.snapshot(row)
        given = set(values)
        # checked as a whole: a change of one setting is judged with the others kept
        merged = {**_settings(row), **values}
        errors = _clean(merged, row.field_type)
        if errors:
            raise ValidationFailed(errors={k: v for k, v in errors.items() if k in given} or errors)
        if "choices" in given and row.field_type in CHOICE_TYPES:
            _refuse_dropped_choices(row, _dropped_choices(row, merged["choices"]))
        was_filterable, was_searchable = row.filterable, row.searchable
        shown_before = (row.choices, row.currency)
        for name in EDITABLE:
            setattr(row, name, merged[name])
        _clean_default(row, errors)
        if errors:
            raise ValidationFailed(errors=errors)
        if row.filterable != was_filterable:
            row.index_state = "building" if Definition.of(row).indexed else "none"
        row.save()
        changes = audit.diff(before, audit.snapshot(row))
        if changes:
            audit.record(actor=actor, action="update", obj=row, changes=changes)
        _announce()
        if row.filterable != was_filterable:
            _schedule_index(row.pk)
        if row.searchable != was_searchable or (
            row.searchable and (row.choices, row.currency) != shown_before
        ):
            _search_changed(row.object_type, row.key)
    return row


def _settings(row: CustomField) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*EDITABLE, "target")}


def field_usage(row: CustomField) -> int:
    """How many records hold a value for the field."""
    return _values_in_use(row).count()


def field_delete(*, actor: User, pk: Any, confirm_key: str = "") -> int:
    """Remove a field and every record's value for it; refused unless ``confirm_key`` repeats
    the field's key when records hold values (the page shows how many). Returns that count."""
    permissions.require(actor, KEY, "delete")
    row = field_get(actor, pk)
    used = field_usage(row)
    if used and confirm_key != row.key:
        raise Conflict(
            _(
                "%(n)s records hold a value for this field. Type the field's key "
                "(%(key)s) to delete it with those values."
            )
            % {"n": f"{used:,}", "key": row.key}
        )
    entry = customfields.customizable(row.object_type)
    assert entry is not None
    item = Definition.of(row)
    _drop_index(entry, item)
    with transaction.atomic():
        before = audit.snapshot(row)
        removed = _remove_key(entry.model, row.key)
        row_pk = row.pk
        row.delete()
        row.pk = row_pk
        changes = audit.diff(before, {})
        changes["values_removed"] = [None, removed]
        audit.record(actor=actor, action="delete", obj=row, changes=changes)
        if row.searchable and removed:
            _search_changed(row.object_type, row.key, everyone=True)
        _announce()
    return removed


def _remove_key(model: type[models.Model], key: str) -> int:
    """One statement: every record's value for ``key`` leaves its JSON."""
    if not KEY_RE.fullmatch(key):
        raise ValueError(key)
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(customfields.COLUMN)
    if connection.vendor == "postgresql":
        sql = f"UPDATE {table} SET {column} = {column} - %s WHERE {column} ? %s"  # noqa: S608
        params: list[Any] = [key, key]
    else:
        path = f'$."{key}"'
        sql = (
            f"UPDATE {table} SET {column} = JSON_REMOVE({column}, %s) "  # noqa: S608
            f"WHERE JSON_TYPE({column}, %s) IS NOT NULL"
        )
        params = [path, path]
    if model._meta.proxy:  # a custom object's records: only its own rows in the shared table
        pk = connection.ops.quote_name(str(model._meta.pk.column))
        inner, inner_params = model._default_manager.order_by().values("pk").query.sql_with_params()
        sql = f"{sql} AND {pk} IN ({inner})"
        params = [*params, *inner_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount or 0)


# --- changing a field's type ----------------------------------------------------------------


def _records(model: type[models.Model], key: str) -> Iterator[tuple[Any, Any]]:
    records = model._default_manager.filter(**{f"{customfields.COLUMN}__has_key": key})
    for pk, stored in records.values_list("pk", customfields.COLUMN).iterator(chunk_size=2_000):
        yield pk, (stored or {}).get(key)


def field_change_type(
    *, actor: User, pk: Any, field_type: str, values: dict[str, Any] | None = None
) -> CustomField:
    """Convert every stored value to the new type, or refuse, naming values that do not fit.

    Nothing is written unless every value converts (text → number, choice → multiple choice,
    number → text …); the records are rewritten in one transaction and audited on the field.
    """
    permissions.require(actor, KEY, "edit")
    if field_type not in FieldType.values:
        raise ValidationFailed(errors={"field_type": [_("Choose a field type.")]})
    row = field_get(actor, pk)
    if row.field_type == field_type:
        return row
    entry = customfields.customizable(row.object_type)
    assert entry is not None
    values = {k: v for k, v in (values or {}).items() if k in (*EDITABLE, "target")}
    values = {**_settings(row), **values}  # what is not given is kept, where the type uses it
    errors = _clean(values, field_type)
    if errors:
        raise ValidationFailed(errors=errors)
    new_row = CustomField(**{**_row_values(row), **values, "field_type": field_type})
    if new_row.default is not None:
        try:  # the default is converted like the stored values
            new_row.default = customfields.clean_value(
                Definition.of(new_row), _as_input(Definition.of(row), new_row.default)
            )
        except ValueError as exc:
            raise ValidationFailed(errors={"default": [str(exc)]}) from None
    new = Definition.of(new_row)
    converted, failures = _convert_all(entry.model, row, new)
    if failures:
        examples = "; ".join(f"#{pk}: “{str(v)[:40]}”" for pk, v in failures[:MAX_EXAMPLES])
        raise Conflict(
            _(
                "%(n)s stored values cannot become %(type)s, for example %(examples)s. "
                "Change those records first; nothing was changed."
            )
            % {
                "n": f"{len(failures):,}",
                "type": new_row.get_field_type_display(),
                "examples": examples,
            }
        )
    old = Definition.of(row)
    _drop_index(entry, old)
    with transaction.atomic():
        locked = CustomField.objects.select_for_update().get(pk=row.pk)
        before = audit.snapshot(locked)
        _write_converted(entry.model, row.key, converted)
        for name, value in _row_values(new_row).items():
            setattr(locked, name, value)
        locked.index_state = "building" if Definition.of(locked).indexed else "none"
        locked.save()
        changes = audit.diff(before, audit.snapshot(locked))
        changes["values_converted"] = [None, len(converted)]
        audit.record(actor=actor, action="update", obj=locked, changes=changes)
        _announce()
        if Definition.of(locked).indexed:
            _schedule_index(locked.pk)
        if locked.searchable and converted:
            _search_changed(locked.object_type, locked.key)
    return locked


def _row_values(row: CustomField) -> dict[str, Any]:
    names = (*EDITABLE, "object_type", "key", "field_type", "target")
    return {name: getattr(row, name) for name in names}


def _convert_all(
    model: type[models.Model], row: CustomField, new: Definition
) -> tuple[dict[Any, Any], list[tuple[Any, Any]]]:
    old = Definition.of(row)
    converted: dict[Any, Any] = {}
    failures: list[tuple[Any, Any]] = []
    for pk, value in _records(model, row.key):
        try:
            converted[pk] = customfields.clean_value(new, _as_input(old, value))
        except ValueError:
            failures.append((pk, value))
    return converted, failures


def _as_input(old: Definition, value: Any) -> Any:
    """A stored value as someone would have typed it for the new type."""
    if old.field_type in (FieldType.DECIMAL, FieldType.CURRENCY) and value is not None:
        return format(customfields.as_decimal(value), "f")
    if old.field_type == FieldType.MULTI_CHOICE and isinstance(value, list):
        return ";".join(value)
    if old.field_type == FieldType.BOOLEAN and isinstance(value, bool):
        return "true" if value else "false"
    return value


def _write_converted(model: type[models.Model], key: str, converted: dict[Any, Any]) -> None:
    manager = model._default_manager
    pks = list(converted)
    for start in range(0, len(pks), MIGRATE_BATCH):
        chunk = pks[start : start + MIGRATE_BATCH]
        records = list(manager.select_for_update().filter(pk__in=chunk).only("pk", "custom"))
        for record in records:
            stored = dict(getattr(record, customfields.COLUMN) or {})
            value = converted[record.pk]
            if value is None:
                stored.pop(key, None)
            else:
                stored[key] = value
            setattr(record, customfields.COLUMN, stored)
        manager.bulk_update(records, [customfields.COLUMN])


SEARCH_CHANGED = "platform.customfield.search_changed"


def _search_changed(object_type: str, key: str, *, everyone: bool = False) -> None:
    """The words a field puts in search documents changed for the records holding it (or, for
    a deleted field, for records that held it: ``everyone``). Apps that keep documents rebuild
    them in the background (customers: ``search.refresh_custom_search``)."""
    payload = {"object_type": object_type, "key": key, "everyone": everyone}
    events.emit(events.Event(SEARCH_CHANGED, None, payload))


def _announce() -> None:
    """This process sees the change at once; the others once it is committed (before, they
    would cache the old definitions under the new version)."""
    customfields.forget()
    transaction.on_commit(customfields.changed)


# --- indexes --------------------------------------------------------------------------------


def _schedule_index(field_id: int) -> None:
    from clientela.platform.tasks import custom_field_index

    transaction.on_commit(lambda: custom_field_index.enqueue(field_id))


def _drop_index(entry: customfields.Customizable, item: Definition) -> None:
    name = connection.ops.quote_name(customfields.index_name(entry.model, item))
    concurrently = "CONCURRENTLY " if _outside_transaction() else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


def _outside_transaction() -> bool:
    return connection.vendor == "postgresql" and connection.get_autocommit()


def index_sync(field_id: int) -> str:
    """Build or drop the field's index so it matches ``filterable``; returns the new state.

    PostgreSQL builds it ``CONCURRENTLY`` (writers go on) when not inside a transaction.
    """
    row = CustomField.objects.filter(pk=field_id).first()
    if row is None:
        return "gone"
    entry = customfields.customizable(row.object_type)
    if entry is None:
        return "none"
    item = Definition.of(row)
    if not item.indexed:
        _drop_index(entry, item)
        state = "none"
    else:
        _create_index(entry, item)
        state = "ready"
    CustomField.objects.filter(pk=field_id).update(index_state=state)
    customfields.changed()
    return state


def _create_index(entry: customfields.Customizable, item: Definition) -> None:
    index = customfields.index_for(entry, item)
    # The editor only writes the SQL; entering it would need SQLite's foreign keys off.
    editor = connection.schema_editor(collect_sql=True)
    concurrently = _outside_transaction()
    extra: dict[str, Any] = {"concurrently": True} if concurrently else {}
    sql = str(index.create_sql(entry.model, editor, **extra))
    verb = "CREATE INDEX CONCURRENTLY " if concurrently else "CREATE INDEX "
    sql = sql.replace(verb, f"{verb}IF NOT EXISTS ", 1)
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not concurrently:
                # inside a transaction that wrote rows: their deferred checks run first
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
    except Exception:
        logger.exception("building the index of custom field %s failed", item.id)
        _drop_index(entry, item)  # an interrupted CONCURRENTLY build leaves an invalid one
        raise
