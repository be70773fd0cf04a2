"""API for custom objects: their definitions (administrators) and their records.

Records live under ``/objects/{key}/records``; an unknown key answers 404 like a record out of
sight. The served document gives each object, for a signed-in reader, its own paths and schemas
with its fields (``with_custom_objects``), built when the document is served: no restart.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform import customfields, customobjects
from clientela.platform.api import PageParams
from clientela.platform.api_customfields import (
    CREATE,
    OUT,
    UPDATE,
    _fields_object,
    extend_document,
)
from clientela.platform.errors import NotFound
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.platform.services import customobjects as services
from clientela.platform.services import customrecords

router = Router(tags=["custom objects"])
RECORDS_OUT = "Custom fields: every field of the object, null when blank."
RECORDS_IN = "Custom fields as {key: value}: only the keys sent change, null empties one."


class CustomObjectIn(Schema):
    key: str = Field(max_length=40, description="Lower-case letters, digits and _; never changes.")
    label: str = Field(max_length=80, description="The name of one record: Vehicle.")
    label_plural: str = Field(default="", max_length=80, description="The list's name: Vehicles.")
    description: str = Field(default="", max_length=2000)
    is_active: bool = True


class CustomObjectPatch(Schema):
    label: str | None = Field(default=None, max_length=80)
    label_plural: str | None = Field(default=None, max_length=80)
    description: str | None = Field(default=None, max_length=2000)
    is_active: bool | None = None


class CustomObjectOut(Schema):
    id: int
    key: str
    record_type: str = Field(description="The record type's key: objects.<key>.")
    label: str
    label_plural: str
    description: str
    is_active: bool
    records: int = Field(description="How many records the object has.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_record_type(obj: Any) -> str:
        return f"{customobjects.PREFIX}{obj.key}"

    @staticmethod
    def resolve_records(obj: Any) -> int:
        return services.record_count(obj)


class CustomObjectPage(Schema):
    items: list[CustomObjectOut]
    next_cursor: str | None


class CustomRecordIn(Schema):
    name: str = Field(max_length=200)
    owner_id: int | None = Field(default=None, description="Default: you.")
    team_id: int | None = Field(default=None, description="Default: the owner's first team.")
    custom: dict[str, Any] | None = Field(default=None, description=RECORDS_IN)


class CustomRecordPatch(Schema):
    name: str | None = Field(default=None, max_length=200)
    owner_id: int | None = None
    team_id: int | None = None
    custom: dict[str, Any] | None = Field(default=None, description=RECORDS_IN)


class CustomRecordOut(Schema):
    id: int
    object: str = Field(description="The object's key.")
    name: str
    owner_id: int
    team_id: int | None
    custom: dict[str, Any] = Field(description=RECORDS_OUT)
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_object(obj: Any) -> str:
        kind = customobjects.kind_of(obj)
        return kind.key if kind is not None else ""

    @staticmethod
    def resolve_custom(obj: Any) -> dict[str, Any]:
        kind = customobjects.kind_of(obj)
        return customfields.values_of(obj, kind.type_key) if kind is not None else {}


class CustomRecordPage(Schema):
    items: list[CustomRecordOut]
    next_cursor: str | None


class CustomRecordFilters(PageParams):
    q: str = Field(default="", max_length=100, description="Records whose name holds this.")


def _kind(key: str) -> customobjects.Kind:
    kind = customobjects.kind_by_key(key)
    if kind is None:
        raise NotFound()
    return kind


def _record_values(payload: Schema) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    values = {k: v for k, v in data.items() if k in ("name", "custom")}
    for name in ("owner", "team"):
        if f"{name}_id" in data:
            values[name] = data[f"{name}_id"]
    return values


# --- definitions ------------------------------------------------------------------------------


@router.get("/objects", response=CustomObjectPage, summary="Custom objects")
def list_custom_objects(request: AuthedRequest, params: Query[PageParams]):
    return paginate(
        services.object_list(request.user),
        ordering=("label", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post("/objects", response={201: CustomObjectOut}, summary="Define a custom object")
def create_custom_object(request: AuthedRequest, payload: CustomObjectIn):
    """Its fields are custom fields on ``objects.<key>`` (``/custom-fields``)."""
    row = services.object_create(actor=request.user, values=payload.dict())
    return Status(201, row)


@router.get("/objects/{key}", response=CustomObjectOut, summary="One custom object")
def get_custom_object(request: AuthedRequest, key: str):
    return services.object_by_key(request.user, key)


@router.patch("/objects/{key}", response=CustomObjectOut, summary="Change a custom object")
def patch_custom_object(request: AuthedRequest, key: str, payload: CustomObjectPatch):
    """Names, description and the switch; settings not sent stay, and the key never changes."""
    row = services.object_by_key(request.user, key)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.object_update(actor=request.user, pk=row.pk, values=values)


@router.delete("/objects/{key}", response={204: None}, summary="Delete a custom object")
def delete_custom_object(request: AuthedRequest, key: str):
    """Refused (409) while the object has records; its fields and rights go with it."""
    row = services.object_by_key(request.user, key)
    services.object_delete(actor=request.user, pk=row.pk)
    return Status(204, None)


# --- records ----------------------------------------------------------------------------------


@router.get(
    "/objects/{key}/records", response=CustomRecordPage, summary="A custom object's records"
)
def list_custom_records(request: AuthedRequest, key: str, params: Query[CustomRecordFilters]):
    return paginate(
        customrecords.record_list(request.user, _kind(key), query=params.q),
        ordering=("name", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post(
    "/objects/{key}/records", response={201: CustomRecordOut}, summary="Add a custom record"
)
def create_custom_record(request: AuthedRequest, key: str, payload: CustomRecordIn):
    record = customrecords.record_create(
        actor=request.user, kind=_kind(key), values=_record_values(payload)
    )
    return Status(201, record)


@router.get(
    "/objects/{key}/records/{record_id}", response=CustomRecordOut, summary="One custom record"
)
def get_custom_record(request: AuthedRequest, key: str, record_id: int):
    return customrecords.record_get(request.user, _kind(key), record_id)


@router.patch(
    "/objects/{key}/records/{record_id}",
    response=CustomRecordOut,
    summary="Change a custom record",
)
def patch_custom_record(
    request: AuthedRequest, key: str, record_id: int, payload: CustomRecordPatch
):
    """Only what is sent changes; in ``custom``, only the keys sent."""
    return customrecords.record_update(
        actor=request.user, kind=_kind(key), pk=record_id, values=_record_values(payload)
    )


@router.delete(
    "/objects/{key}/records/{record_id}", response={204: None}, summary="Delete a custom record"
)
def delete_custom_record(request: AuthedRequest, key: str, record_id: int):
    customrecords.record_delete(actor=request.user, kind=_kind(key), pk=record_id)
    return Status(204, None)


# --- the OpenAPI document -----------------------------------------------------------------------

PATHS = ("/api/v1/objects/{key}/records", "/api/v1/objects/{key}/records/{record_id}")
SCHEMAS = {"CustomRecordOut": OUT, "CustomRecordIn": CREATE, "CustomRecordPatch": UPDATE}


def with_custom_objects[S: dict[str, Any]](spec: S) -> S:
    """Each active object's own record paths and schemas, with its fields as defined now."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    paths = spec.setdefault("paths", {})
    for kind in customobjects.kinds().values():
        if not kind.is_active:
            continue
        names = _object_schemas(components, kind)
        for template in PATHS:
            if template in paths:
                concrete = template.replace("{key}", kind.key)
                paths[concrete] = _object_path(paths[template], kind, names)
    return spec


def _object_schemas(components: dict[str, Any], kind: customobjects.Kind) -> dict[str, str]:
    """``CustomRecordOut`` → ``Object_vehicle_RecordOut`` with ``custom`` listing its fields."""
    items = customfields.definitions(kind.type_key)
    names: dict[str, str] = {}
    for base, mode in SCHEMAS.items():
        if base not in components:
            continue
        name = f"Object_{kind.key}_{base.removeprefix('Custom')}"
        schema = copy.deepcopy(components[base])
        schema["title"] = f"{kind.label} ({base.removeprefix('Custom')})"
        fields_name = f"{name}_Custom"
        components[fields_name] = _fields_object(kind.type_key, items, mode)
        ref = {"$ref": f"#/components/schemas/{fields_name}"}
        properties = schema.get("properties", {})
        properties["custom"] = ref if mode == OUT else {"anyOf": [ref, {"type": "null"}]}
        components[name] = schema
        names[f"#/components/schemas/{base}"] = f"#/components/schemas/{name}"
    names["#/components/schemas/CustomRecordPage"] = _page_schema(components, kind, names)
    return names


def _page_schema(
    components: dict[str, Any], kind: customobjects.Kind, names: dict[str, str]
) -> str:
    name = f"Object_{kind.key}_RecordPage"
    components[name] = _renamed(copy.deepcopy(components.get("CustomRecordPage", {})), names)
    return f"#/components/schemas/{name}"


def _renamed(node: Any, names: dict[str, str]) -> Any:
    """``node`` with each ``$ref`` to a generic schema pointing at the object's own."""
    if isinstance(node, dict):
        return {k: names.get(v, v) if k == "$ref" else _renamed(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v, names) for v in node]
    return node


def _object_path(item: dict[str, Any], kind: customobjects.Kind, names: dict[str, str]) -> Any:
    path = _renamed(copy.deepcopy(item), names)
    for operation in path.values():
        if not isinstance(operation, dict):
            continue
        operation["parameters"] = [
            p for p in operation.get("parameters", []) if p.get("name") != "key"
        ]
        if "operationId" in operation:
            operation["operationId"] = f"{operation['operationId']}_{kind.key}"
        operation["tags"] = [kind.label_plural]
        operation["summary"] = f"{operation.get('summary', '')}: {kind.label_plural}"
    return path


extend_document(with_custom_objects)
