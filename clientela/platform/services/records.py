"""Create, change and delete any owned business record the same way.

Apps clean their own fields and then call these, so every record type gets the same permission
checks, ownership rules, row locking, audit entries and events.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from clientela.platform import audit, customfields, events, permissions, registry
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import Scope, Team, User


def resolve_ownership(actor: User, key: str, owner: Any, team: Any) -> tuple[User, Team | None]:
    """Owner and team for a record, refusing ones that would put it outside the actor's sight."""
    scope = permissions.grant_for(actor, key).scope
    owner_obj = (
        actor
        if owner in (None, "")
        else (
            owner
            if isinstance(owner, User)
            else User.objects.filter(pk=owner, is_active=True).first()
        )
    )
    if owner_obj is None:
        raise ValidationFailed(errors={"owner": [_("Unknown user.")]})
    if team in (None, ""):
        team_obj = (
            actor.teams.order_by("id").first()
            if owner_obj.pk == actor.pk
            else owner_obj.teams.order_by("id").first()
        )
    else:
        team_obj = team if isinstance(team, Team) else Team.objects.filter(pk=team).first()
        if team_obj is None:
            raise ValidationFailed(errors={"team": [_("Unknown team.")]})
    if scope == Scope.OWN and owner_obj.pk != actor.pk:
        raise ValidationFailed(errors={"owner": [_("You may only own records yourself.")]})
    if scope == Scope.TEAM:
        outside = team_obj is not None and team_obj.pk not in permissions.team_ids(actor)
        if outside or (team_obj is None and owner_obj.pk != actor.pk):
            raise ValidationFailed(errors={"team": [_("Choose one of your own teams.")]})
    return owner_obj, team_obj


def _public(changes: dict[str, Any]) -> dict[str, Any]:
    """The audit diff as events carry it (rules read it): without internal columns."""
    return {k: v for k, v in changes.items() if k != "search_text"}


def _event_name(key: str, verb: str) -> str:
    return f"{key}.{verb}"


def record_create[M: models.Model](*, actor: User, model: type[M], values: dict[str, Any]) -> M:
    key = registry.for_model(model).key
    permissions.require(actor, key, "create")
    values = dict(values)
    owner, team = resolve_ownership(actor, key, values.pop("owner", None), values.pop("team", None))
    if customfields.COLUMN in values:
        values[customfields.COLUMN] = customfields.applied(values[customfields.COLUMN], None)
    with transaction.atomic():
        record = model(**values, owner=owner, team=team)
        record.full_clean(exclude=["owner", "team"], validate_unique=False)
        record.save()
        audit.record(
            actor=actor, action="create", obj=record, changes=audit.diff({}, audit.snapshot(record))
        )
    events.emit(events.Event(_event_name(key, "created"), actor.pk, {"id": record.pk}))
    return record


def record_update[M: models.Model](
    *, actor: User, model: type[M], pk: Any, values: dict[str, Any]
) -> M:
    key = registry.for_model(model).key
    record = permissions.get_for_action(actor, model._default_manager.all(), pk, "edit")
    values = dict(values)
    if "owner" in values or "team" in values:
        owner, team = resolve_ownership(
            actor,
            key,
            values.pop("owner", record.owner_id),  # type: ignore[attr-defined]
            values.pop("team", record.team_id),  # type: ignore[attr-defined]
        )
        values.update(owner=owner, team=team)
    with transaction.atomic():
        record = model._default_manager.select_for_update().get(pk=record.pk)
        before = audit.snapshot(record)
        for name, value in values.items():
            if name == customfields.COLUMN:
                value = customfields.applied(value, getattr(record, name))
            setattr(record, name, value)
        record.full_clean(validate_unique=False)
        record.save()
        changes = audit.diff(before, audit.snapshot(record))
        if changes:
            audit.record(actor=actor, action="update", obj=record, changes=changes)
    if changes:
        events.emit(
            events.Event(
                _event_name(key, "updated"),
                actor.pk,
                {"id": record.pk, "fields": sorted(changes), "changes": _public(changes)},
            )
        )
    return record


def record_delete(*, actor: User, model: type[models.Model], pk: Any) -> None:
    key = registry.for_model(model).key
    record = permissions.get_for_action(actor, model._default_manager.all(), pk, "delete")
    record_pk, before = record.pk, audit.snapshot(record)
    try:
        with transaction.atomic():
            record.delete()
            record.pk = record_pk
            audit.record(actor=actor, action="delete", obj=record, changes=audit.diff(before, {}))
    except (ProtectedError, RestrictedError):
        raise Conflict(_("Other records depend on this one; it cannot be deleted.")) from None
    events.emit(events.Event(_event_name(key, "deleted"), actor.pk, {"id": record_pk}))
