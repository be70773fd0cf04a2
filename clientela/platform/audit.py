"""The append-only, hash-chained audit log.

Each entry's hash covers its content and the previous entry's hash, and ``AuditHead`` holds the
last sequence number and hash. Changing, inserting or removing an entry behind the application's
back (even the last one) breaks the chain, and ``verify_chain`` says where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from clientela.platform import registry
from clientela.platform.context import current_channel
from clientela.platform.models import AuditEntry, AuditHead

if TYPE_CHECKING:
    from clientela.platform.models import User

GENESIS = "0" * 64
CUSTOM = "custom"  # the JSON column of custom fields' values (see customfields.COLUMN)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(record: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited values of a record: concrete fields, foreign keys as ids."""
    names = fields or [
        f.name
        for f in record._meta.concrete_fields
        if f.name not in {"id", "created_at", "updated_at"}
    ]
    result = {}
    for name in names:
        field = record._meta.get_field(name)
        attname = getattr(field, "attname", name)
        if name == CUSTOM:
            # custom fields each under their own name, so a change names the field
            stored = getattr(record, attname) or {}
            result.update({f"{CUSTOM}.{k}": _plain(v) for k, v in sorted(stored.items())})
            continue
        result[name] = _plain(getattr(record, attname))
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for each field whose value changed (empty to empty is no change)."""
    keys = before.keys() | after.keys()
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(keys)
        if before.get(k) != after.get(k) and not (_empty(before.get(k)) and _empty(after.get(k)))
    }


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _digest(entry: AuditEntry) -> str:
    body = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "channel": entry.channel,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
        "prev": entry.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _type_key(obj: models.Model) -> str:
    try:
        return registry.for_model(type(obj)).key
    except LookupError:
        return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: dict[str, Any],
    object_type: str | None = None,
) -> AuditEntry:
    """Append one entry; must run inside the service's transaction so both commit together.
    (No savepoint of its own: a failure here fails that transaction anyway, and two round
    trips per audited write are saved.)"""
    key = object_type or _type_key(obj)
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor,
            actor_label=actor.get_username() if actor is not None else "system",
            channel=current_channel(),
            action=action,
            object_type=key,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            changes=json.loads(json.dumps(changes, default=str)),
            prev_hash=head.hash,
        )
        entry.hash = _digest(entry)
        entry.save()
        AuditHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def _walk(entries: Iterator[AuditEntry]) -> Iterator[ChainProblem]:
    expected_seq, prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected_seq:
            yield ChainProblem(expected_seq, f"entries {expected_seq}..{entry.seq - 1} missing")
        if entry.prev_hash != prev:
            yield ChainProblem(entry.seq, "does not link to the entry before it")
        if _digest(entry) != entry.hash:
            yield ChainProblem(entry.seq, "content does not match its hash (changed)")
        expected_seq, prev = entry.seq + 1, entry.hash
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev:
        yield ChainProblem(
            head_seq, "the chain does not end at the recorded head (entries removed)"
        )


def verify_chain(progress: Any = None) -> list[ChainProblem]:
    """Walk the chain in order; an empty list means it is intact."""
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    if progress is not None:
        entries = progress(entries, total=AuditEntry.objects.count())
    return list(_walk(entries))


# Filters applied to audit entries before any page shows them (never to what is stored, so the
# chain still verifies). Apps register them: customers hides the old values of erased people.
DisplayFilter = Callable[[list[AuditEntry]], list[AuditEntry]]
_display_filters: list[DisplayFilter] = []


def register_display_filter(fn: DisplayFilter) -> None:
    if fn not in _display_filters:
        _display_filters.append(fn)


def for_display(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    shown = list(entries)
    for fn in _display_filters:
        shown = fn(shown)
    return shown
