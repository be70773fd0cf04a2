"""Where apps register their record types, so platform code can name them without importing them.

Roles, visibility, the audit log, custom fields, rules and webhooks all look up record types here
by key (``customers.account``). Record types an administrator defines at run time (custom
objects, ``objects.<key>``) come from a *provider*: a function that answers the current types
from its own versioned cache, so a new one shows in every process without a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model
    from django.utils.functional import Promise


AREAS = (
    "platform",
    "customers",
    "objects",
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
# prefix ("objects.") -> a function answering the provider's current types by key
_providers: dict[str, Callable[[], Mapping[str, ObjectType]]] = {}


def register_provider(prefix: str, provide: Callable[[], Mapping[str, ObjectType]]) -> None:
    """Record types defined at run time, all keyed ``<prefix><name>`` (``objects.vehicle``)."""
    _providers[prefix] = provide


def _provided() -> list[ObjectType]:
    return [t for provide in _providers.values() for t in provide().values()]


def register(object_type: ObjectType) -> None:
    if object_type.area not in AREAS:
        raise ValueError(f"unknown area {object_type.area!r}")
    existing = _types.get(object_type.key)
    if existing is not None and existing.model is not object_type.model:
        raise ValueError(f"record type {object_type.key!r} registered twice")
    _types[object_type.key] = object_type


def get(key: str) -> ObjectType:
    found = _types.get(key)
    if found is not None:
        return found
    for prefix, provide in _providers.items():
        if key.startswith(prefix):
            return provide()[key]
    raise KeyError(key)


def for_model(model: type[Model]) -> ObjectType:
    for object_type in _types.values():
        if object_type.model is model or issubclass(model, object_type.model):
            return object_type
    meta = getattr(model, "_meta", None)  # a lazy object's type has none
    if meta is not None and meta.proxy:  # a provided type's model (one per custom object)
        for object_type in _provided():
            if object_type.model is model:
                return object_type
    raise LookupError(f"{model.__name__} is not a registered record type")


def all_types() -> list[ObjectType]:
    found = [*_types.values(), *_provided()]
    return sorted(found, key=lambda t: (AREAS.index(t.area), t.key))
