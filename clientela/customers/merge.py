"""Re-linking for merges: what points at the merged record is moved to the survivor, and back.

Each relinker moves one kind of row and returns a JSON-able note of exactly what it did, which
the ``MergeRecord`` keeps so that undo can put every row back. Apps above ``customers``
(activities, later sales and service) register their own relinkers in ``AppConfig.ready()``
with ``register_relinker``, so customers never imports them. A merge refuses to run while any
row still points at the merged record after all relinkers ran (``unlinked_references``):
nothing is ever lost to a cascade because an app forgot to register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from clientela.customers.models import (
    Account,
    AccountContact,
    Address,
    Consent,
    Contact,
    ContactPoint,
    DuplicateCandidate,
    Lead,
)

Note = dict[str, Any]


@dataclass(frozen=True)
class Relinker:
    """``apply(survivor_id, merged_id) -> note``; ``undo(survivor_id, merged_id, note)``."""

    name: str
    apply: Callable[[int, int], Note]
    undo: Callable[[int, int, Note], None]


_relinkers: dict[str, dict[str, Relinker]] = {}


def register_relinker(object_type: str, relinker: Relinker) -> None:
    """Add (or replace, by name) a relinker for merges of ``object_type``."""
    _relinkers.setdefault(object_type, {})[relinker.name] = relinker


def relinkers(object_type: str) -> list[Relinker]:
    return list(_relinkers.get(object_type, {}).values())


# --- rows as JSON and back, keeping their ids -------------------------------------------------


def dump(record: models.Model) -> dict[str, Any]:
    """Every concrete column of a row by attname, JSON-safe, to recreate it exactly."""
    encoder = DjangoJSONEncoder()
    result = {}
    for field in record._meta.concrete_fields:
        value = getattr(record, field.attname)
        if isinstance(value, datetime | date | time):
            value = value.isoformat()  # full microseconds (the JSON encoder keeps only ms)
        elif value is not None and not isinstance(value, str | int | float | bool | dict | list):
            value = encoder.default(value)
        result[field.attname] = value
    return result


def restore[M: models.Model](model: type[M], data: dict[str, Any]) -> M:
    """Insert a row from ``dump`` with its original id, then write back every column as dumped:
    ``save`` recomputes some (timestamps, ``search_text``) and the row must come back exactly."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname in data:
            values[field.attname] = field.to_python(data[field.attname])
    record = model(**values)
    record.save(force_insert=True)
    exact = {k: v for k, v in values.items() if k != model._meta.pk.attname}  # type: ignore[union-attr]
    if exact:
        model._default_manager.filter(pk=record.pk).update(**exact)
    return record


# --- building blocks ------------------------------------------------------------------------


def fk_relinker(name: str, model: type[models.Model], field: str) -> Relinker:
    """Move every ``model`` row whose ``field`` is the merged record to the survivor."""
    column = model._meta.get_field(field).attname  # type: ignore[union-attr]

    def apply(survivor_id: int, merged_id: int) -> Note:
        rows = model._default_manager.filter(**{column: merged_id})
        ids = list(rows.values_list("pk", flat=True))
        model._default_manager.filter(pk__in=ids).update(**{column: survivor_id})
        return {"ids": ids}

    def undo(survivor_id: int, merged_id: int, note: Note) -> None:
        model._default_manager.filter(pk__in=note["ids"], **{column: survivor_id}).update(
            **{column: merged_id}
        )

    return Relinker(name, apply, undo)


def _membership_relinker(side: str, other: str) -> Relinker:
    """Memberships move too, except where the survivor already has one with the same other
    side (unique pair): that duplicate is deleted, and recreated on undo."""

    def apply(survivor_id: int, merged_id: int) -> Note:
        rows = AccountContact.objects.filter(**{f"{side}_id": merged_id})
        taken = set(
            AccountContact.objects.filter(**{f"{side}_id": survivor_id}).values_list(
                f"{other}_id", flat=True
            )
        )
        clashing = [r for r in rows if getattr(r, f"{other}_id") in taken]
        deleted = [dump(r) for r in clashing]
        AccountContact.objects.filter(pk__in=[r.pk for r in clashing]).delete()
        moved = list(rows.values_list("pk", flat=True))
        AccountContact.objects.filter(pk__in=moved).update(**{f"{side}_id": survivor_id})
        return {"ids": moved, "deleted": deleted}

    def undo(survivor_id: int, merged_id: int, note: Note) -> None:
        AccountContact.objects.filter(pk__in=note["ids"]).update(**{f"{side}_id": merged_id})
        for data in note["deleted"]:
            restore(AccountContact, data)

    return Relinker("memberships", apply, undo)


def _candidates_relinker(object_type: str) -> Relinker:
    """The merged pair is marked merged; the loser's other pairs are dropped (a new scan finds
    the survivor's), and come back on undo."""

    def apply(survivor_id: int, merged_id: int) -> Note:
        rows = DuplicateCandidate.objects.filter(object_type=object_type).filter(
            models.Q(left_id=merged_id) | models.Q(right_id=merged_id)
        )
        pair = {min(survivor_id, merged_id), max(survivor_id, merged_id)}
        marked, deleted = [], []
        for row in rows:
            if {row.left_id, row.right_id} == pair:
                marked.append([row.pk, row.status])
            else:
                deleted.append(dump(row))
        DuplicateCandidate.objects.filter(pk__in=[m[0] for m in marked]).update(status="merged")
        DuplicateCandidate.objects.filter(pk__in=[d["id"] for d in deleted]).delete()
        return {"marked": marked, "deleted": deleted}

    def undo(survivor_id: int, merged_id: int, note: Note) -> None:
        for pk, status in note["marked"]:
            DuplicateCandidate.objects.filter(pk=pk).update(status=status)
        for data in note["deleted"]:
            restore(DuplicateCandidate, data)

    return Relinker("duplicates", apply, undo)


def _children_relinker() -> Relinker:
    """Child accounts of the merged account hang from the survivor (never from itself)."""

    def apply(survivor_id: int, merged_id: int) -> Note:
        rows = Account.objects.filter(parent_id=merged_id).exclude(pk=survivor_id)
        ids = list(rows.values_list("pk", flat=True))
        Account.objects.filter(pk__in=ids).update(parent_id=survivor_id)
        return {"ids": ids}

    def undo(survivor_id: int, merged_id: int, note: Note) -> None:
        Account.objects.filter(pk__in=note["ids"], parent_id=survivor_id).update(
            parent_id=merged_id
        )

    return Relinker("children", apply, undo)


def unlinked_references(model: type[models.Model], merged_id: int) -> list[str]:
    """Labels of row kinds that still point at ``merged_id`` (a merge must not cascade them).

    Every installed model's foreign keys are checked, hidden ones (``related_name="+"``) too.
    """
    found = []
    for other in apps.get_models():
        for field in other._meta.concrete_fields:
            if field.is_relation and field.related_model is model:
                rows = other._default_manager.filter(**{field.attname: merged_id})
                if rows.exists():
                    found.append(f"{other._meta.label}.{field.name}")
    return found


def reference_counts(model: type[models.Model], pk: int) -> list[tuple[str, int]]:
    """(plural name, rows) of everything that points at a record, for the merge preview."""
    counts: dict[str, int] = {}
    for other in apps.get_models():
        for field in other._meta.concrete_fields:
            if field.is_relation and field.related_model is model:
                n = other._default_manager.filter(**{field.attname: pk}).count()
                if n:
                    label = str(other._meta.verbose_name_plural)
                    counts[label] = counts.get(label, 0) + n
    return sorted(counts.items())


def _register_builtin() -> None:
    contact, account = "customers.contact", "customers.account"
    for relinker in (
        fk_relinker("consents", Consent, "contact"),
        fk_relinker("points", ContactPoint, "contact"),
        fk_relinker("addresses", Address, "contact"),
        _membership_relinker("contact", "account"),
        fk_relinker("leads", Lead, "converted_contact"),
        _candidates_relinker(contact),
    ):
        register_relinker(contact, relinker)
    for relinker in (
        fk_relinker("points", ContactPoint, "account"),
        fk_relinker("addresses", Address, "account"),
        _membership_relinker("account", "contact"),
        fk_relinker("contacts", Contact, "account"),
        _children_relinker(),
        fk_relinker("leads", Lead, "converted_account"),
        _candidates_relinker(account),
    ):
        register_relinker(account, relinker)


_register_builtin()
