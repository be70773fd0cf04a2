"""The single customer view's timeline: one chronological list that every app feeds.

``platform`` names no business object. Apps register ``Source``s here (activities, later
opportunities, tickets, campaign touches…); each answers for one record with entries from its
own visibility-scoped selectors. The platform itself contributes field changes from the audit log.

Entries are ordered newest first by ``(at, kind, key)``, a total order across sources, so a
``Position`` (the last entry shown) is a cursor: each source returns only what sorts after it,
and "older" pages neither skip nor repeat entries that share a timestamp.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, DateTimeField, Field, Model, Q
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from clientela.platform import audit, permissions, registry
from clientela.platform.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from clientela.platform.models import User


@dataclass(frozen=True)
class Change:
    """One field of an audited change, ready to show: its label, old value and new value."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Position:
    """Where a timeline page ended: the ``(at, kind, key)`` of its last entry."""

    at: datetime
    kind: str
    key: int

    @property
    def order(self) -> tuple[datetime, str, int]:
        return (self.at, self.kind, self.key)

    def encode(self) -> str:
        raw = json.dumps([self.at.isoformat(), self.kind, self.key], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            at, kind, key = json.loads(raw)
            moment = parse_datetime(at)
            if moment is None or moment.tzinfo is None or not isinstance(key, int):
                raise ValueError(at)
            return cls(moment, str(kind), key)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            message = gettext_now("This cursor is not valid.")
            raise ValidationFailed(errors={"cursor": [message]}) from None

    def older(self, kind: str, at_field: str, key_field: str) -> Q:
        """Rows of source ``kind`` that sort after this position, as a filter on its table."""
        if kind < self.kind:
            return Q(**{f"{at_field}__lte": self.at})
        if kind > self.kind:
            return Q(**{f"{at_field}__lt": self.at})
        return Q(**{f"{at_field}__lt": self.at}) | Q(
            **{at_field: self.at, f"{key_field}__lt": self.key}
        )


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # the source's key, used by the filter chips
    key: int  # unique within the source; breaks ties between entries at the same instant
    title: str
    detail: str = ""
    url: str = ""
    actor: str = ""
    icon: str = ""
    badge: str = ""
    changes: tuple[Change, ...] = ()

    @property
    def position(self) -> Position:
        return Position(self.at, self.kind, self.key)

    @property
    def order(self) -> tuple[datetime, str, int]:
        return (self.at, self.kind, self.key)


# (actor, record, limit, after) -> entries newest first, at most ``limit``, all sorting after
# ``after`` when it is given (use ``after.older(kind, …)`` to filter).
Provider = Callable[["User", Model, int, Position | None], list[Entry]]
# (actor, record) -> the URL of an htmx partial shown above the timeline ("log a call"), or "".
Composer = Callable[["User", Model], str]


@dataclass(frozen=True)
class Source:
    kind: str
    label: str | Promise
    provider: Provider
    record_types: tuple[str, ...]  # which record types it has entries for; () = all
    composer: Composer | None = None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_cursor: str


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
        raise NotFound() from None
    return permissions.get_visible(actor, model._default_manager.all(), object_id)


def composers_for(actor: User, object_type: str, record: Model) -> list[str]:
    urls = (s.composer(actor, record) for s in sources_for(object_type) if s.composer)
    return [url for url in urls if url]


def collect(
    actor: User,
    object_type: str,
    record: Model,
    *,
    kinds: Sequence[str] = (),
    after: Position | None = None,
    limit: int = 50,
) -> Page:
    """Newest first, merged across sources; ``record`` must come from ``record_for``."""
    entries: list[Entry] = []
    for source in sources_for(object_type):
        if kinds and source.kind not in kinds:
            continue
        entries.extend(source.provider(actor, record, limit + 1, after))
    entries.sort(key=lambda e: e.order, reverse=True)
    page = entries[:limit]
    more = len(entries) > limit and bool(page)
    return Page(page, page[-1].position.encode() if more else "")


def _audit_changes(actor: User, record: Model, limit: int, after: Position | None) -> list[Entry]:
    from clientela.platform.models import AuditEntry

    key = registry.for_model(type(record)).key
    rows = AuditEntry.objects.filter(object_type=key, object_id=str(record.pk))
    if after is not None:
        rows = rows.filter(after.older("changes", "at", "seq"))
    found = audit.for_display(rows.order_by("-at", "-seq")[:limit])
    labels = {"create": _("Created"), "update": _("Changed"), "delete": _("Deleted")}
    described = readable_changes(actor, type(record), [row.changes for row in found])
    return [
        Entry(
            row.at,
            "changes",
            row.seq,
            str(labels.get(row.action, row.action)),
            detail=", ".join(c.label for c in changes),
            actor=row.actor_label,
            icon="edit",
            changes=changes,
        )
        for row, changes in zip(found, described, strict=True)
    ]


def readable_changes(
    actor: User, model: type[Model], rows: list[dict[str, Any]]
) -> list[tuple[Change, ...]]:
    """Audit ``changes`` dicts as labelled old → new values in the model's field order.

    Machine fields (not editable, like folded search text) are left out; references show the
    related record's name when the actor may see it, else its number.
    """
    fields = {f.name: f for f in model._meta.concrete_fields}
    order = {name: i for i, name in enumerate(fields)}
    refs = _references(actor, fields, rows)
    result = []
    for row in rows:
        pairs = row.items() if isinstance(row, dict) else []
        names = sorted(
            (n for n, _pair in pairs if n not in fields or fields[n].editable),
            key=lambda n: (order.get(n, len(order)), n),
        )
        result.append(tuple(_change(model, fields.get(n), n, row[n], refs) for n in names))
    return result


def _label(model: type[Model], name: str) -> str:
    """A field's label; for extra audited lists (tags, addresses) the related records' name."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return capfirst(name.replace("_", " "))
    if isinstance(field, Field):
        return capfirst(str(field.verbose_name))
    related = field.related_model
    if related is None or isinstance(related, str):
        return capfirst(name)
    return capfirst(str(related._meta.verbose_name_plural))


def _change(
    model: type[Model],
    field: Field | None,
    name: str,
    pair: Any,
    refs: dict[tuple[str, Any], str],
) -> Change:
    old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
    label = capfirst(str(field.verbose_name)) if field is not None else _label(model, name)
    return Change(label, _shown(field, old, refs), _shown(field, new, refs))


def _shown(field: Field | None, value: Any, refs: dict[tuple[str, Any], str]) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, list):
        return _clip(", ".join(str(v) for v in value))
    if field is None:
        return _clip(str(value))
    if field.is_relation:
        return refs.get((field.name, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext_now("Yes") if value else gettext_now("No")
    if isinstance(field, DateTimeField) and (moment := parse_datetime(str(value))):
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(field, DateField) and (day := parse_date(str(value)[:10])):
        return formats.date_format(day, "SHORT_DATE_FORMAT")
    return _clip(str(value))


def _clip(text: str, size: int = 120) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _references(
    actor: User, fields: dict[str, Field], rows: list[dict[str, Any]]
) -> dict[tuple[str, Any], str]:
    """Names for the ids that reference fields hold, in one query per referenced table."""
    from django.contrib.auth import get_user_model

    wanted: dict[str, set[Any]] = {}
    for row in rows:
        for name, pair in row.items() if isinstance(row, dict) else []:
            field = fields.get(name)
            if field is not None and field.is_relation and isinstance(pair, list | tuple):
                wanted.setdefault(name, set()).update(v for v in pair if isinstance(v, int))
    names: dict[tuple[str, Any], str] = {}
    for name, ids in wanted.items():
        target = fields[name].related_model
        if target is None or isinstance(target, str):
            continue
        if target is get_user_model():
            users = target._default_manager.filter(pk__in=ids)
            found = {u.pk: getattr(u, "display_name", str(u)) for u in users}
        else:
            try:
                owned = registry.for_model(target).owned
            except LookupError:
                continue
            rows_qs = target._default_manager.filter(pk__in=ids)
            if owned:  # a business record's name shows only to those who may see it
                rows_qs = permissions.visible_to(actor, rows_qs)
            found = {r.pk: str(r) for r in rows_qs}
        names.update(((name, pk), label) for pk, label in found.items())
    return names


register(Source("changes", _("Changes"), _audit_changes, ()))
