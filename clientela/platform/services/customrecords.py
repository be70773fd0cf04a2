"""Records of custom objects: create, change, delete (one or many), through the same generic
record service as built-in types, so permissions, ownership, audit and events are the same.

A record belongs to one object for good; every function takes the object (a ``Kind``), and a
record of another object answers "not found", like one the actor may not see.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.platform import customfields, permissions
from clientela.platform.customobjects import Kind
from clientela.platform.errors import DomainError, NotFound, ValidationFailed
from clientela.platform.models import CustomRecord, User
from clientela.platform.services import records

NAME_LENGTH = 200
MAX_BULK = 10_000
WRITABLE = ("name", "owner", "team", "custom")


def record_list(actor: User, kind: Kind, *, query: str = "") -> QuerySet[CustomRecord]:
    """The object's records the actor may see, optionally those whose name holds ``query``."""
    found = permissions.visible_to(actor, kind.model._default_manager.all())
    if query:
        found = found.filter(name__icontains=query[:100])
    return found


def record_get(actor: User, kind: Kind, pk: Any) -> CustomRecord:
    return permissions.get_visible(actor, kind.model._default_manager.all(), pk)


def _clean(actor: User, kind: Kind, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in WRITABLE}
    errors: dict[str, list[str]] = {}
    if creating or "name" in values:
        name = values.get("name")
        if not isinstance(name, str) or not name.strip():
            errors["name"] = [_("Enter a name.")]
        elif len(name.strip()) > NAME_LENGTH:
            errors["name"] = [_("Enter at most %(n)d characters.") % {"n": NAME_LENGTH}]
        else:
            values["name"] = name.strip()
    customfields.clean_into(actor, kind.type_key, values, errors, creating=creating)
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def _require_active(kind: Kind) -> None:
    if not kind.is_active:
        raise ValidationFailed(
            _("“%(name)s” is switched off: its records cannot be added or changed.")
            % {"name": kind.label}
        )


def record_create(*, actor: User, kind: Kind, values: dict[str, Any]) -> CustomRecord:
    permissions.require(actor, kind.type_key, "create")
    _require_active(kind)
    cleaned = _clean(actor, kind, values, creating=True)
    return records.record_create(
        actor=actor, model=kind.model, values={**cleaned, "object_id": kind.id}
    )


def record_update(*, actor: User, kind: Kind, pk: Any, values: dict[str, Any]) -> CustomRecord:
    record_get(actor, kind, pk)  # another object's record, or one out of sight: not found
    permissions.require(actor, kind.type_key, "edit")
    _require_active(kind)
    cleaned = _clean(actor, kind, values, creating=False)
    return records.record_update(actor=actor, model=kind.model, pk=pk, values=cleaned)


def record_delete(*, actor: User, kind: Kind, pk: Any) -> None:
    records.record_delete(actor=actor, model=kind.model, pk=pk)


def clean_ids(ids: Any) -> list[int]:
    if not isinstance(ids, list | tuple) or not ids:
        raise ValidationFailed(errors={"ids": [_("Select at least one record.")]})
    if len(ids) > MAX_BULK:
        raise ValidationFailed(
            errors={"ids": [_("Select at most %(n)d records.") % {"n": MAX_BULK}]}
        )
    try:
        return list(dict.fromkeys(int(pk) for pk in ids))
    except (TypeError, ValueError):
        raise ValidationFailed(errors={"ids": [_("Enter record numbers.")]}) from None


def records_delete(*, actor: User, kind: Kind, ids: Any) -> int:
    """Delete every record or none: one that is out of sight or refused stops them all."""
    wanted = clean_ids(ids)
    permissions.require(actor, kind.type_key, "delete")
    seen = set(record_list(actor, kind).filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in seen]
    if missing:
        raise ValidationFailed(
            ngettext(
                "Nothing was deleted: %(n)d record was not found.",
                "Nothing was deleted: %(n)d records were not found.",
                len(missing),
            )
            % {"n": len(missing)},
            errors={"ids": [f"#{pk}" for pk in missing[:20]]},
        )
    with transaction.atomic():
        for pk in wanted:
            try:
                record_delete(actor=actor, kind=kind, pk=pk)
            except NotFound:
                raise
            except DomainError as exc:
                raise ValidationFailed(
                    _("Nothing was deleted: #%(id)s: %(reason)s")
                    % {"id": pk, "reason": exc.message}
                ) from None
    return len(wanted)
