"""The single customer view's timeline: one chronological list that every app feeds.

``platform`` names no business object. Apps register providers here (activities, later
opportunities, tickets, campaign touches…); each answers for one record with entries from its
own visibility-scoped selectors. The platform itself contributes field changes from the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clientela.platform import permissions, registry

if TYPE_CHECKING:
    from clientela.platform.models import User


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # the provider's key, used by the filter chips
    title: str
    detail: str = ""
    url: str = ""
    actor: str = ""
    icon: str = ""


# (actor, record, limit, before) -> newest-first entries, at most ``limit``, all older than
# ``before`` when it is given
Provider = Callable[["User", Model, int, datetime | None], list[Entry]]


@dataclass(frozen=True)
class Source:
    kind: str
    label: str | Promise
    provider: Provider
    record_types: tuple[str, ...]  # which record types it has entries for; () = all


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    _sources[source.kind] = source


def sources_for(object_type: str) -> list[Source]:
    return [s for s in _sources.values() if not s.record_types or object_type in s.record_types]


def record_for(actor: User, object_type: str, object_id: int) -> Model:
    """The record a timeline is about, or NotFound if it does not exist or is out of sight."""
    try:
        model = registry.get(object_type).model
    except KeyError:
        from clientela.platform.errors import NotFound

        raise NotFound() from None
    return permissions.get_visible(actor, model._default_manager.all(), object_id)


def collect(
    actor: User,
    object_type: str,
    record: Model,
    *,
    kinds: Sequence[str] = (),
    before: datetime | None = None,
    limit: int = 50,
) -> list[Entry]:
    """Newest first, merged across providers; ``record`` must come from ``record_for``."""
    entries: list[Entry] = []
    for source in sources_for(object_type):
        if kinds and source.kind not in kinds:
            continue
        entries.extend(source.provider(actor, record, limit, before))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _audit_changes(actor: User, record: Model, limit: int, before: datetime | None) -> list[Entry]:
    from clientela.platform.models import AuditEntry

    key = registry.for_model(type(record)).key
    rows = AuditEntry.objects.filter(object_type=key, object_id=str(record.pk))
    if before is not None:
        rows = rows.filter(at__lt=before)
    labels = {"create": _("Created"), "update": _("Changed"), "delete": _("Deleted")}
    entries = []
    for row in rows.order_by("-seq")[:limit]:
        fields = ", ".join(sorted(row.changes)) if isinstance(row.changes, dict) else ""
        title = str(labels.get(row.action, row.action))
        entries.append(Entry(row.at, "changes", title, fields, actor=row.actor_label, icon="edit"))
    return entries


register(Source("changes", _("Changes"), _audit_changes, ()))
