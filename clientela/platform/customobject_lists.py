"""The list of each custom object's records, described once for the page and the export.

The spec is made per object when first asked for and registered like the built-in lists, so
saved views and the custom fields' columns, filters and sorts (``customlists``) work the same.
Sorts are by name (the ``(object, name, id)`` index) and by indexed custom fields.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clientela.platform import customobjects, listing, permissions
from clientela.platform.customobjects import Kind
from clientela.platform.listing import Column, Filter, FilterKind, ListSpec, ListState, Sort
from clientela.platform.models import CustomRecord, User
from clientela.platform.pagination import Page

EXPORT_LIMIT = 100_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_specs: dict[tuple[int, str], ListSpec] = {}


def spec_for(kind: Kind) -> ListSpec:
    """The object's list with its custom fields as they are now."""
    base = _specs.get((kind.id, kind.key))
    if base is None:
        base = listing.register(
            ListSpec(
                object_type=kind.type_key,
                model=kind.model,
                columns=(
                    Column("name", _("Name"), "name", sortable=True),
                    Column("owner", _("Owner"), "owner.display_name", select="owner"),
                    Column("team", _("Team"), "team.name", select="team"),
                    Column("created", _("Created"), "created_at"),
                    Column("updated", _("Updated"), "updated_at"),
                ),
                filters=(
                    Filter("owner", _("Owner"), FilterKind.USER, "owner_id"),
                    Filter("team", _("Team"), FilterKind.TEAM, "team_id"),
                    Filter("created", _("Created"), FilterKind.DATE_RANGE, "created_at"),
                ),
                sorts=(
                    Sort("name", _("Name, A to Z"), ("name", "id")),
                    Sort("-name", _("Name, Z to A"), ("-name", "-id")),
                ),
                default_sort="name",
                default_columns=("name", "owner", "updated"),
            )
        )
        _specs[(kind.id, kind.key)] = base
    return base.current()


def record_list(actor: User, kind: Kind, spec: ListSpec, state: ListState) -> QuerySet[Any]:
    """The filtered, searched, sorted records of the object that the actor may see."""
    records = spec.apply(kind.model._default_manager.all(), state, actor.pk)
    if state.query:
        records = records.filter(name__icontains=state.query)
    return spec.ordered(spec.shaped(permissions.visible_to(actor, records), state), state)


def record_page(
    actor: User, kind: Kind, spec: ListSpec, state: ListState, *, limit: int
) -> Page[CustomRecord]:
    return spec.page(record_list(actor, kind, spec, state), state, limit=limit)


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading ``=``, ``+``, ``-`` or ``@`` would make it
    a formula (CSV injection), so such a cell starts with an apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def export_csv(actor: User, kind: Kind, spec: ListSpec, state: ListState) -> Iterable[str]:
    """The list as CSV lines (its filters, search, sort and visible columns), id first."""
    permissions.require(actor, kind.type_key, "export")
    records = record_list(actor, kind, spec, state)[:EXPORT_LIMIT]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", *(str(c.label) for c in state.columns)])
    yield _drain(buffer)
    for record in records.iterator(chunk_size=2_000):
        writer.writerow(
            [record.pk, *(safe_cell(_plain(listing.cell(record, c))) for c in state.columns)]
        )
        yield _drain(buffer)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def kinds_for_navigation(actor: User) -> list[Kind]:
    """The active objects whose records the actor may see."""
    return [
        k
        for k in customobjects.kinds().values()
        if k.is_active and permissions.can(actor, k.type_key, "view")
    ]


def navigation_entries(actor: User) -> list[tuple[str, str, str]]:
    """The shell's entries: one per active object the actor may see."""
    from django.urls import reverse

    return [
        (k.label_plural, reverse("objects:record_list", args=[k.key]), "box")
        for k in kinds_for_navigation(actor)
    ]
