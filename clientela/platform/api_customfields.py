"""API for custom fields: managing the definitions, and describing them in the OpenAPI document.

The definitions change while Clientela runs (decision 0005), so the document cannot describe a
record's ``custom`` object once at startup. Apps name the schemas of their records here
(``describe_record_schemas``); each time the document is served, ``with_custom_fields`` gives
each of them the record type's fields as they are now. ``platform`` names no record type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform import customfields, registry
from clientela.platform.api import PageParams
from clientela.platform.customfields import MAX_LONG_TEXT, MAX_TEXT, Definition
from clientela.platform.http import AuthedRequest
from clientela.platform.models import FieldType
from clientela.platform.pagination import paginate
from clientela.platform.schemas import (
    CustomFieldDeleted,
    CustomFieldDetailOut,
    CustomFieldIn,
    CustomFieldPage,
    CustomFieldPatch,
    CustomFieldTypeIn,
)
from clientela.platform.services import customfields as services

router = Router(tags=["custom fields"])
# Sent as null, these mean "leave as it is" rather than "clear".
NOT_CLEARED = ("label", "required", "filterable", "searchable", "position", "choices")


class CustomFieldFilters(PageParams):
    object_type: str = Field(
        default="", max_length=80, description="Only this record type's, e.g. customers.contact."
    )


class CustomFieldDeleteParams(Schema):
    confirm_key: str = Field(
        default="", max_length=40, description="The field's key: needed when records hold values."
    )


def _values(payload: Schema) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k not in NOT_CLEARED}


@router.get("/custom-fields", response=CustomFieldPage, summary="Custom fields")
def list_custom_fields(request: AuthedRequest, params: Query[CustomFieldFilters]):
    return paginate(
        services.field_list(request.user, params.object_type or None),
        ordering=("object_type", "position", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post("/custom-fields", response={201: CustomFieldDetailOut}, summary="Add a custom field")
def create_custom_field(request: AuthedRequest, payload: CustomFieldIn):
    """A filterable field's index is then built in the background (``index_state``)."""
    return Status(201, services.field_create(actor=request.user, values=_values(payload)))


@router.get("/custom-fields/{field_id}", response=CustomFieldDetailOut, summary="One custom field")
def get_custom_field(request: AuthedRequest, field_id: int):
    return services.field_get(request.user, field_id)


@router.patch(
    "/custom-fields/{field_id}", response=CustomFieldDetailOut, summary="Change a custom field"
)
def patch_custom_field(request: AuthedRequest, field_id: int, payload: CustomFieldPatch):
    """Options still held by records cannot be dropped (409); settings not sent stay."""
    return services.field_update(actor=request.user, pk=field_id, values=_values(payload))


@router.delete(
    "/custom-fields/{field_id}",
    response=CustomFieldDeleted,
    summary="Delete a custom field and its values",
)
def delete_custom_field(
    request: AuthedRequest, field_id: int, params: Query[CustomFieldDeleteParams]
):
    """When records hold values, ``confirm_key`` must repeat the field's key (409 otherwise)."""
    removed = services.field_delete(actor=request.user, pk=field_id, confirm_key=params.confirm_key)
    return {"values_removed": removed}


@router.post(
    "/custom-fields/{field_id}/change-type",
    response=CustomFieldDetailOut,
    summary="Change a custom field's type, converting every value",
)
def change_custom_field_type(request: AuthedRequest, field_id: int, payload: CustomFieldTypeIn):
    """All values convert or nothing changes (409 naming values that do not fit); settings not
    sent stay (a choice field's options when it becomes a multiple choice)."""
    values = _values(payload)
    field_type = values.pop("field_type")
    return services.field_change_type(
        actor=request.user, pk=field_id, field_type=field_type, values=values
    )


# --- the OpenAPI document -------------------------------------------------------------------

# The ``custom`` property of the record schemas (the document then lists the fields in it).
CUSTOM_OUT = (
    "Custom fields: every field defined for the record type, null when blank; decimal and "
    "currency values as strings."
)
CUSTOM_IN = (
    "Custom fields as {key: value}: only the keys sent change, null empties one. Required "
    "fields must be given on create; defaults fill the others."
)
OUT, CREATE, UPDATE = "out", "create", "update"
SUFFIXES = {OUT: "CustomOut", CREATE: "CustomIn", UPDATE: "CustomPatch"}
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


@dataclass(frozen=True)
class RecordSchemas:
    object_type: str
    name: str  # what the components describing its custom fields start with: "Contact"
    schemas: tuple[tuple[str, str], ...]  # (component name, OUT / CREATE / UPDATE)


_described: dict[str, RecordSchemas] = {}
# More of the document that follows the definitions (custom objects' paths and schemas).
_extensions: list[Callable[[dict[str, Any]], Any]] = []


def extend_document(extend: Callable[[dict[str, Any]], Any]) -> None:
    if extend not in _extensions:
        _extensions.append(extend)


def describe_record_schemas(
    object_type: str,
    *,
    name: str,
    out: Sequence[type[Schema]] = (),
    create: Sequence[type[Schema]] = (),
    update: Sequence[type[Schema]] = (),
) -> None:
    """Have the document describe the ``custom`` property of these schemas with the fields of
    ``object_type``: ``out`` answers every field, ``create`` requires the required ones,
    ``update`` requires none."""
    schemas = tuple(
        (schema.__name__, mode)
        for mode, group in ((OUT, out), (CREATE, create), (UPDATE, update))
        for schema in group
    )
    _described[object_type] = RecordSchemas(object_type, name, schemas)


def with_custom_fields[S: dict[str, Any]](spec: S) -> S:
    """``spec`` with each described schema's ``custom`` pointing at a component that lists the
    record type's fields as they are defined now."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for entry in sorted(_described.values(), key=lambda e: e.object_type):
        items = customfields.definitions(entry.object_type)
        for schema_name, mode in entry.schemas:
            properties = components.get(schema_name, {}).get("properties", {})
            if customfields.COLUMN not in properties:
                continue
            ref = f"{entry.name}{SUFFIXES[mode]}"
            components[ref] = _fields_object(entry.object_type, items, mode)
            properties[customfields.COLUMN] = _custom_property(
                properties[customfields.COLUMN], ref, mode
            )
    for extend in _extensions:
        extend(spec)
    return spec


def _custom_property(current: dict[str, Any], ref: str, mode: str) -> dict[str, Any]:
    target = {"$ref": f"#/components/schemas/{ref}"}
    described: dict[str, Any] = {k: current[k] for k in ("title", "description") if k in current}
    if mode == OUT:
        return {**target, **described}
    return {"anyOf": [target, {"type": "null"}], "default": None, **described}


def _fields_object(object_type: str, items: Iterable[Definition], mode: str) -> dict[str, Any]:
    items = list(items)
    if mode == OUT:
        required = [d.key for d in items]
    elif mode == CREATE:
        required = [d.key for d in items if d.required and d.default is None]
    else:
        required = []
    found: dict[str, Any] = {
        "type": "object",
        "title": _("Custom fields of %(type)s") % {"type": object_type},
        "description": _(
            "The fields an administrator added to this record type (/api/v1/custom-fields)."
        ),
        "properties": {d.key: _field_property(d, mode) for d in items},
        "additionalProperties": False,
    }
    if required:
        found["required"] = required
    return found


def _field_property(item: Definition, mode: str) -> dict[str, Any]:
    value = _value_schema(item)
    # Answers hold null for a blank value; a request's null empties the field (not a required one).
    if mode == OUT or not item.required:
        found: dict[str, Any] = {"anyOf": [value, {"type": "null"}]}
    else:
        found = dict(value)
    found["title"] = item.label
    description = " ".join(part for part in (item.help_text, *_notes(item)) if part)
    if description:
        found["description"] = description
    if mode == CREATE and item.default is not None:
        found["default"] = customfields.api_value(item, item.default)
    return found


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


FIXED: dict[str, dict[str, Any]] = {
    FieldType.PHONE: {"type": "string"},
    FieldType.DECIMAL: {"type": "string", "pattern": DECIMAL_PATTERN},
    FieldType.CURRENCY: {"type": "string", "pattern": DECIMAL_PATTERN},
    FieldType.DATE: {"type": "string", "format": "date"},
    FieldType.DATETIME: {"type": "string", "format": "date-time"},
    FieldType.BOOLEAN: {"type": "boolean"},
    FieldType.LOOKUP: {"type": "integer", "minimum": 1},
}
TEXT_FORMATS: dict[str, str] = {FieldType.EMAIL: "email", FieldType.URL: "uri"}


def _value_schema(item: Definition) -> dict[str, Any]:
    """The JSON schema of one value, as the API answers it."""
    kind = item.field_type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL, FieldType.URL):
        limit = item.max_length or (MAX_LONG_TEXT if kind == FieldType.LONG_TEXT else MAX_TEXT)
        value: dict[str, Any] = {"type": "string", "maxLength": limit}
        if kind in TEXT_FORMATS:
            value["format"] = TEXT_FORMATS[kind]
        return value
    if kind == FieldType.INTEGER:
        limits = {"minimum": _number(item.min_value), "maximum": _number(item.max_value)}
        return {"type": "integer", **{k: v for k, v in limits.items() if v is not None}}
    if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        options = {"type": "string", "enum": [value for value, _label in item.choices]}
        if kind == FieldType.CHOICE:
            return options
        return {"type": "array", "items": options, "uniqueItems": True}
    return dict(FIXED.get(kind, {}))


def _notes(item: Definition) -> list[str]:
    """What the value's schema cannot say, for the field's description."""
    kind = item.field_type
    notes: list[str] = []
    if item.pattern:
        notes.append(_("Matches the pattern %(pattern)s.") % {"pattern": item.pattern})
    if kind == FieldType.PHONE:
        notes.append(_("A phone number, answered in E.164 (+5511987654321)."))
    elif kind in (FieldType.DECIMAL, FieldType.CURRENCY):
        notes.append(_decimal_note(item))
    elif kind == FieldType.LOOKUP:
        notes.append(_lookup_note(item))
    return notes


def _decimal_note(item: Definition) -> str:
    if item.field_type == FieldType.CURRENCY:
        note = _("An amount in %(currency)s, as a string (1234.56).") % {"currency": item.currency}
    else:
        note = _("A decimal number, as a string (1234.56).")
    limits = [
        _("at least %(n)s") % {"n": _plain(item.min_value)} if item.min_value is not None else "",
        _("at most %(n)s") % {"n": _plain(item.max_value)} if item.max_value is not None else "",
    ]
    return " ".join([note, *(f"({limit})" for limit in limits if limit)])


def _plain(number: Decimal | None) -> str:
    return format(number.normalize(), "f") if number is not None else ""


def _lookup_note(item: Definition) -> str:
    try:
        label = str(registry.get(item.target).label)
    except KeyError:
        label = item.target
    return _("The id of a linked record of type %(type)s (%(label)s).") % {
        "type": item.target,
        "label": label,
    }
