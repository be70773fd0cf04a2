"""Custom records on the timelines of the records they link to.

A "Vehicle" whose lookup field points at a contact shows on that contact's timeline (and on any
other record type's that a lookup field targets): the source asks the definitions which fields
link to the timeline's type, so it names no business object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Model, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from clientela.platform import customfields, customobjects, permissions, registry, timeline
from clientela.platform.models import FieldType

if TYPE_CHECKING:
    from clientela.platform.models import User

KIND = "objects"


def _links(kind: customobjects.Kind, target: str, pk: int) -> Q | None:
    """Records of ``kind`` whose lookup fields hold ``pk`` of ``target``; None when none can."""
    condition: Q | None = None
    for item in customfields.definitions(kind.type_key):
        if item.field_type == FieldType.LOOKUP and item.target == target:
            part = Q(**{f"{customfields.COLUMN}__{item.key}": pk})
            condition = part if condition is None else condition | part
    return condition


def _url(kind: customobjects.Kind, pk: int) -> str:
    try:
        return reverse("objects:record_detail", args=[kind.key, pk])
    except NoReverseMatch:
        return ""


def linked_records(
    actor: User, record: Model, limit: int, after: timeline.Position | None
) -> list[timeline.Entry]:
    """Newest first: the visible custom records that link to ``record``."""
    try:
        target = registry.for_model(type(record)).key
    except LookupError:
        return []
    entries: list[timeline.Entry] = []
    for kind in customobjects.kinds().values():
        condition = _links(kind, target, record.pk)
        if condition is None:
            continue
        rows = permissions.visible_to(actor, kind.model._default_manager.filter(condition))
        if after is not None:
            rows = rows.filter(after.older(KIND, "created_at", "id"))
        for row in rows.select_related("owner").order_by("-created_at", "-id")[:limit]:
            entries.append(
                timeline.Entry(
                    row.created_at,
                    KIND,
                    row.pk,
                    f"{kind.label}: {row.name}",
                    url=_url(kind, row.pk),
                    actor=row.owner.display_name,
                    icon="box",
                    badge=kind.label,
                )
            )
    return entries


def install() -> None:
    """The timeline source and the shell's entries (``PlatformConfig.ready``)."""
    from clientela.platform import customobject_lists, navigation

    timeline.register(timeline.Source(KIND, _("Custom records"), linked_records, ()))
    navigation.register_entries(customobject_lists.navigation_entries)
