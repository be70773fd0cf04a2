"""In-app notifications (the bell): created by services and rules, read by their user."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from clientela.platform.errors import NotFound
from clientela.platform.models import Notification, User


def notification_create(*, user: User, title: str, body: str = "", url: str = "") -> Notification:
    if url and not url.startswith("/"):
        raise ValueError("notification links must be local paths")
    return Notification.objects.create(user=user, title=title[:200], body=body, url=url)


def notification_mark_read(*, actor: User, notification_id: Any) -> Notification:
    try:
        notification = Notification.objects.get(pk=notification_id, user=actor)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
