"""Reads for the duplicates pages and API: pairs and merges the actor may see, names in bulk,
and the custom fields a merge screen offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

from clientela.customers.models import Account, Contact, DuplicateCandidate, MergeRecord
from clientela.platform import customfields
from clientela.platform.errors import NotFound
from clientela.platform.models import User
from clientela.platform.permissions import can, visible_to

MODELS: dict[str, type[Account] | type[Contact]] = {
    "customers.contact": Contact,
    "customers.account": Account,
}


def _types(actor: User, object_type: str | None) -> list[str]:
    chosen = [object_type] if object_type else list(MODELS)
    return [t for t in chosen if t in MODELS and can(actor, t, "view")]


def _visible_ids(actor: User, object_type: str) -> QuerySet[Any]:
    model: Any = MODELS[object_type]
    return visible_to(actor, model._default_manager.all()).values("id")


def candidate_list(
    actor: User, *, object_type: str | None = None, min_score: float = 0.0, status: str = "open"
) -> QuerySet[DuplicateCandidate]:
    """Pairs whose two records the actor may both see; ``object_type`` None means both kinds."""
    condition = Q(pk__in=[])
    for key in _types(actor, object_type):
        ids = _visible_ids(actor, key)
        condition |= Q(object_type=key, left_id__in=ids, right_id__in=ids)
    return DuplicateCandidate.objects.filter(condition, status=status, score__gte=min_score)


def candidate_get(actor: User, candidate_id: Any) -> DuplicateCandidate:
    try:
        return candidate_list(actor, status="open").get(pk=int(candidate_id))
    except (DuplicateCandidate.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def merge_list(actor: User, *, object_type: str | None = None) -> QuerySet[MergeRecord]:
    """Merges whose surviving record the actor may see."""
    condition = Q(pk__in=[])
    for key in _types(actor, object_type):
        condition |= Q(object_type=key, survivor_id__in=_visible_ids(actor, key))
    return MergeRecord.objects.filter(condition).select_related("merged_by")


@dataclass(frozen=True)
class PairRow:
    candidate: DuplicateCandidate
    left: Model | None
    right: Model | None


def with_records(candidates: list[DuplicateCandidate]) -> list[PairRow]:
    """The page's pairs with both records loaded, one query per record type."""
    wanted: dict[str, set[int]] = {}
    for c in candidates:
        wanted.setdefault(c.object_type, set()).update((c.left_id, c.right_id))
    found = {
        key: MODELS[key]._default_manager.in_bulk(list(ids))
        for key, ids in wanted.items()
        if key in MODELS
    }
    return [
        PairRow(
            c,
            found.get(c.object_type, {}).get(c.left_id),
            found.get(c.object_type, {}).get(c.right_id),
        )
        for c in candidates
    ]


def record_labels(merges: list[MergeRecord]) -> dict[tuple[str, int], str]:
    """Names of the survivors (live) and of the merged records (from the kept snapshot)."""
    labels: dict[tuple[str, int], str] = {}
    for key, model in MODELS.items():
        ids = [m.survivor_id for m in merges if m.object_type == key]
        for pk, record in model._default_manager.in_bulk(ids).items():
            labels[(key, pk)] = str(record)
    for m in merges:
        snap = m.merged_snapshot
        name = snap.get("name") or f"{snap.get('first_name', '')} {snap.get('last_name', '')}"
        labels.setdefault((m.object_type, m.merged_id), name.strip() or f"#{m.merged_id}")
    return labels


@dataclass(frozen=True)
class MergeField:
    """A custom field on the merge screen: chosen like a built-in field, by ``name``."""

    name: str  # the merge choice's key, ``custom.<key>``
    label: str
    left: Any  # the stored values, compared to know whether there is a choice to make
    right: Any
    left_shown: str  # as people read them
    right_shown: str


def custom_merge_fields(object_type: str, left: Model, right: Model) -> list[MergeField]:
    """The record type's custom fields with both records' values, in form order."""
    mine = getattr(left, customfields.COLUMN, None) or {}
    theirs = getattr(right, customfields.COLUMN, None) or {}
    return [
        MergeField(
            f"{customfields.COLUMN}.{item.key}",
            item.label,
            mine.get(item.key),
            theirs.get(item.key),
            customfields.display(item, mine.get(item.key)),
            customfields.display(item, theirs.get(item.key)),
        )
        for item in customfields.definitions(object_type)
    ]
