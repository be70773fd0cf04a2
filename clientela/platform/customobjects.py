"""Custom objects as record types, beside the built-in ones (decision 0008).

An administrator's "Vehicle" is a ``CustomObject`` row; its records are ``CustomRecord`` rows in
one shared table. Each object gets a *proxy* class of ``CustomRecord`` whose default manager
keeps to the object's rows, built at run time in a private app registry: no table, no
migration, and no entry in Django's own registry (so ``makemigrations`` never sees it). Every
piece of platform code that asks the registry for a type's ``model`` (visibility, the audit
log, lookups, lists, custom field indexes) then gets one scoped to the object, unchanged.

The objects are read through the custom fields' version (``customfields.version``): one cache
for all metadata, so a new object, like a new field, shows in every process within seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps.registry import Apps
from django.db import DatabaseError, models, transaction

from clientela.platform import customfields, registry
from clientela.platform.models import CustomObject, CustomRecord

logger = logging.getLogger(__name__)

PREFIX = "objects."
AREA = "objects"
ORDERING = ("name", "id")


@dataclass(frozen=True)
class Kind:
    """One custom object as the hot paths read it (an immutable copy of the row)."""

    id: int
    key: str
    label: str
    label_plural: str
    description: str
    is_active: bool
    model: type[CustomRecord]

    @property
    def type_key(self) -> str:
        return f"{PREFIX}{self.key}"


class _ObjectManager(models.Manager[CustomRecord]):
    """The records of one object: every query through the proxy stays inside it."""

    def __init__(self, object_id: int) -> None:
        super().__init__()
        self.object_id = object_id

    def get_queryset(self) -> models.QuerySet[CustomRecord]:
        return super().get_queryset().filter(object_id=self.object_id)


_classes: dict[tuple[int, str], type[CustomRecord]] = {}


def _proxy(object_id: int, key: str, label: str, label_plural: str) -> type[CustomRecord]:
    """The object's record class, made once per process (its key never changes)."""
    found = _classes.get((object_id, key))
    if found is not None:
        return found
    meta = type(
        "Meta",
        (),
        {
            "proxy": True,
            "apps": Apps(),  # its own registry: Django's migrations and checks never see it
            "app_label": "platform",
            "verbose_name": label,
            "verbose_name_plural": label_plural,
        },
    )
    attrs = {"__module__": __name__, "Meta": meta, "objects": _ObjectManager(object_id)}
    made = type(f"CustomRecord_{object_id}", (CustomRecord,), attrs)
    _classes[(object_id, key)] = made
    return made


@dataclass
class _Local:
    version: str = ""
    kinds: dict[str, Kind] = field(default_factory=dict)
    types: dict[str, registry.ObjectType] = field(default_factory=dict)
    customizable: dict[str, customfields.Customizable] = field(default_factory=dict)


_local = _Local()


def _rows() -> list[CustomObject]:
    """Every object, or none where the table is not there yet (``migrate`` on a new database
    asks the registry before the migration that makes it has run)."""
    try:
        with transaction.atomic():
            return list(CustomObject.objects.order_by("label", "id"))
    except DatabaseError:
        logger.debug("custom objects are not readable yet", exc_info=True)
        return []


def _load() -> None:
    version = customfields.version()
    if version == _local.version:
        return
    kinds: dict[str, Kind] = {}
    for row in _rows():
        model = _proxy(row.pk, row.key, row.label, row.label_plural)
        kind = Kind(
            row.pk, row.key, row.label, row.label_plural, row.description, row.is_active, model
        )
        kinds[kind.type_key] = kind
    _local.kinds = kinds
    _local.types = {
        key: registry.ObjectType(key, k.label_plural, k.model, AREA) for key, k in kinds.items()
    }
    _local.customizable = {
        key: customfields.Customizable(key, k.model, ORDERING, condition=models.Q(object_id=k.id))
        for key, k in kinds.items()
    }
    _local.version = version


def kinds() -> dict[str, Kind]:
    """Every custom object by its record type key (``objects.vehicle``), active or not."""
    _load()
    return _local.kinds


def kind(type_key: str) -> Kind | None:
    return kinds().get(type_key)


def kind_by_key(key: str) -> Kind | None:
    """The object named ``key`` in a URL (``vehicle``)."""
    return kinds().get(f"{PREFIX}{key}")


def kind_of(record: Any) -> Kind | None:
    """The object a record belongs to, from its ``object_id``."""
    object_id = getattr(record, "object_id", None)
    return next((k for k in kinds().values() if k.id == object_id), None)


def _types() -> dict[str, registry.ObjectType]:
    _load()
    return _local.types


def _customizable() -> dict[str, customfields.Customizable]:
    _load()
    return _local.customizable


def forget() -> None:
    """Read the objects again on next use (tests: each starts from its own database)."""
    _local.version = ""


def install() -> None:
    """Make custom objects record types and customizable types (``PlatformConfig.ready``)."""
    registry.register_provider(PREFIX, _types)
    customfields.register_provider(PREFIX, _customizable)
