"""Where apps register their record types, so platform code can name them without importing them.

Roles, visibility, the audit log and (later) custom fields, rules and webhooks all look up record
types here by key (``customers.account``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model
    from django.utils.functional import Promise


AREAS = (
    "platform",
    "customers",
    "activities",
    "sales",
    "marketing",
    "service",
    "contactcenter",
    "portal",
    "analytics",
)


@dataclass(frozen=True)
class ObjectType:
    key: str
    label: str | Promise
    model: type[Model]
    area: str
    owned: bool = True
    actions: tuple[str, ...] = field(default=("view", "create", "edit", "delete", "export"))


_types: dict[str, ObjectType] = {}


def register(object_type: ObjectType) -> None:
    if object_type.area not in AREAS:
        raise ValueError(f"unknown area {object_type.area!r}")
    existing = _types.get(object_type.key)
    if existing is not None and existing.model is not object_type.model:
        raise ValueError(f"record type {object_type.key!r} registered twice")
    _types[object_type.key] = object_type


def get(key: str) -> ObjectType:
    return _types[key]


def for_model(model: type[Model]) -> ObjectType:
    for object_type in _types.values():
        if object_type.model is model or issubclass(model, object_type.model):
            return object_type
    raise LookupError(f"{model.__name__} is not a registered record type")


def all_types() -> list[ObjectType]:
    return sorted(_types.values(), key=lambda t: (AREAS.index(t.area), t.key))
