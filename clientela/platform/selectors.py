"""Reads on the platform's records, scoped by what the actor may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Model, QuerySet

from clientela.platform import permissions, registry
from clientela.platform.models import AuditEntry, Notification, Role, Team, User


def user_list(actor: User) -> QuerySet[User]:
    return permissions.visible_to(
        actor, User.objects.select_related("role").prefetch_related("teams")
    )


def user_get(actor: User, user_id: Any) -> User:
    return permissions.get_visible(actor, user_list(actor), user_id)


def me(actor: User) -> User:
    return User.objects.select_related("role").prefetch_related("teams").get(pk=actor.pk)


def team_list(actor: User) -> QuerySet[Team]:
    return permissions.visible_to(actor, Team.objects.annotate(member_count=Count("members")))


def team_get(actor: User, team_id: Any) -> Team:
    return permissions.get_visible(actor, team_list(actor), team_id)


def role_list(actor: User) -> QuerySet[Role]:
    return permissions.visible_to(actor, Role.objects.all())


def role_get(actor: User, role_id: Any) -> Role:
    return permissions.get_visible(actor, role_list(actor).prefetch_related("permissions"), role_id)


def audit_list(
    actor: User,
    *,
    object_type: str = "",
    object_id: str = "",
    actor_id: int | None = None,
    channel: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The global audit view: administrators (``platform.audit`` view) only."""
    entries = permissions.visible_to(actor, AuditEntry.objects.all())
    filters = {
        "object_type": object_type,
        "object_id": object_id,
        "actor_id": actor_id,
        "channel": channel,
        "action": action,
        "at__gte": since,
        "at__lt": until,
    }
    return entries.filter(**{k: v for k, v in filters.items() if v not in (None, "")})


def record_history(actor: User, record: Model) -> QuerySet[AuditEntry]:
    """A record's History tab: whoever may see the record may see its changes.

    ``record`` must come from a visibility-scoped selector; this does not check it again.
    """
    key = registry.for_model(type(record)).key
    return AuditEntry.objects.filter(object_type=key, object_id=str(record.pk)).order_by("-seq")


def notification_list(actor: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    notes = Notification.objects.filter(user=actor)
    return notes.filter(read_at__isnull=True) if unread_only else notes


def unread_count(actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).count()
