"""Inbound webhook endpoints: outside systems post a lead or an activity, Clientela creates it.

Administrators create an endpoint with a kind (a handler an app registered in
``platform.inbound``), a default owner and a secret shown once. A post proves it knows the
secret with an HMAC signature of its body (``X-Clientela-Signature: sha256=<hex>``, over
``<timestamp>.<body>`` when it sends ``X-Clientela-Timestamp``) or by sending the secret itself
(``Authorization: Bearer <secret>``); both are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import audit, events, inbound
from clientela.platform.context import use_channel
from clientela.platform.errors import NotFound, ValidationFailed
from clientela.platform.models import InboundHook, User
from clientela.platform.rules.triggers import INBOUND_EVENT
from clientela.platform.services.webhooks import (
    clean_common,
    delete_audited,
    new_secret,
    require_admin,
    rotate_secret,
)

KEY = "platform.inboundhook"
AUDITED = ("kind", "description", "owner", "is_active")
TIMESTAMP_TOLERANCE = 300  # seconds a signed timestamp may be off


def hook_list(actor: User) -> models.QuerySet[InboundHook]:
    require_admin(actor, KEY, "view")
    return InboundHook.objects.select_related("owner").order_by("id")


def hook_get(actor: User, pk: Any) -> InboundHook:
    require_admin(actor, KEY, "view")
    try:
        return InboundHook.objects.select_related("owner").get(pk=int(pk))
    except (InboundHook.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _clean(values: dict[str, Any], current: InboundHook | None) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in AUDITED}
    if current is not None:
        values = {**{k: getattr(current, k) for k in AUDITED}, **values}
    errors: dict[str, list[str]] = {}
    if values.get("kind") not in {k.key for k in inbound.kinds()}:
        errors["kind"] = [_("Choose one of the offered values.")]
    owner = values.get("owner")
    if not isinstance(owner, User):
        owner = User.objects.filter(pk=owner, is_active=True).first() if owner else None
    if owner is None or not owner.is_active:
        errors["owner"] = [_("Choose an active user.")]
    values["owner"] = owner
    clean_common(values, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def hook_create(*, actor: User, values: dict[str, Any]) -> tuple[InboundHook, str]:
    """The new endpoint and its secret, which is shown this once."""
    require_admin(actor, KEY, "create")
    cleaned = _clean(values, None)
    secret = new_secret()
    with transaction.atomic():
        hook = InboundHook.objects.create(
            **cleaned, secret=secret, public_id=secrets.token_hex(12), created_by=actor
        )
        after = audit.snapshot(hook, AUDITED)
        audit.record(actor=actor, action="create", obj=hook, changes=audit.diff({}, after))
    return hook, secret


def hook_update(*, actor: User, pk: Any, values: dict[str, Any]) -> InboundHook:
    hook = hook_get(actor, pk)
    require_admin(actor, KEY, "edit")
    cleaned = _clean(values, hook)
    with transaction.atomic():
        hook = InboundHook.objects.select_for_update().get(pk=hook.pk)
        before = audit.snapshot(hook, AUDITED)
        for name, value in cleaned.items():
            setattr(hook, name, value)
        hook.save()
        changes = audit.diff(before, audit.snapshot(hook, AUDITED))
        if changes:
            audit.record(actor=actor, action="update", obj=hook, changes=changes)
    return hook_get(actor, hook.pk)


def hook_delete(*, actor: User, pk: Any) -> None:
    hook = hook_get(actor, pk)
    require_admin(actor, KEY, "delete")
    delete_audited(actor, hook, AUDITED)


def hook_rotate_secret(*, actor: User, pk: Any) -> tuple[InboundHook, str]:
    hook = hook_get(actor, pk)
    require_admin(actor, KEY, "edit")
    secret = rotate_secret(actor, hook)
    return hook_get(actor, hook.pk), secret


# --- receiving -----------------------------------------------------------------------------


def authentic(
    hook: InboundHook, body: bytes, *, signature: str, timestamp: str, bearer: str
) -> bool:
    """Whether the post knows the hook's secret (constant-time comparisons only)."""
    key = hook.secret.encode()
    if signature:
        message = body
        if timestamp:
            if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TIMESTAMP_TOLERANCE:
                return False
            message = timestamp.encode() + b"." + body
        expected = "sha256=" + hmac.new(key, message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.strip().encode())
    if bearer:
        return hmac.compare_digest(key, bearer.strip().encode())
    return False


def receive(hook: InboundHook, data: dict[str, Any]) -> tuple[str, models.Model]:
    """Create the hook's kind of record from ``data`` as its owner, on the API channel."""
    try:
        kind = inbound.get(hook.kind)
    except KeyError:
        raise NotFound() from None
    with use_channel("api"):
        record = kind.handle(actor=hook.owner, data=data)
    InboundHook.objects.filter(pk=hook.pk).update(
        last_received_at=timezone.now(), received_count=F("received_count") + 1
    )
    payload = {"hook": hook.public_id, "object_type": kind.object_type, "id": record.pk}
    events.emit(events.Event(INBOUND_EVENT, hook.owner_id, payload))  # rules' inbound trigger
    return kind.object_type, record
