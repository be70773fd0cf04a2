"""Outbound webhook endpoints: register, change, remove, rotate the secret, switch back on,
and send a failed delivery again. Administrators only.

The secret is generated here and handed back once (creation, rotation); the audit log records
that it changed, never its value.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.platform import audit, outbox, permissions
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import DeliveryStatus, User, WebhookDelivery, WebhookEndpoint
from clientela.platform.webhook_http import url_problem

KEY = "platform.webhook"
DELIVERY_KEY = "platform.webhookdelivery"
AUDITED = ("url", "description", "event_types", "is_active")
URL_PROBLEMS = {
    "invalid": gettext_lazy("Enter a valid web address."),
    "scheme": gettext_lazy("Use an http:// or https:// address."),
    "credentials": gettext_lazy(
        "Put no user name or password in the address; the secret signs each delivery."
    ),
    "address": gettext_lazy("This address is not allowed (link-local and metadata addresses)."),
}


def require_admin(actor: User, key: str, action: str) -> None:
    """Webhooks reach outside systems with the company's data: administrators only, and with
    the right on the record type."""
    if not actor.is_administrator:
        raise PermissionDenied()
    permissions.require(actor, key, action)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def endpoint_list(actor: User) -> models.QuerySet[WebhookEndpoint]:
    require_admin(actor, KEY, "view")
    return WebhookEndpoint.objects.order_by("id")


def endpoint_get(actor: User, pk: Any) -> WebhookEndpoint:
    require_admin(actor, KEY, "view")
    try:
        return WebhookEndpoint.objects.get(pk=int(pk))
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def delivery_list(
    actor: User, endpoint_id: Any, status: str = ""
) -> models.QuerySet[WebhookDelivery]:
    endpoint = endpoint_get(actor, endpoint_id)
    require_admin(actor, DELIVERY_KEY, "view")
    rows = WebhookDelivery.objects.filter(endpoint=endpoint)
    if status:
        rows = rows.filter(status=status)
    return rows


# --- cleaning ------------------------------------------------------------------------------


def _clean_url(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    url = str(values.get("url") or "").strip()
    if not url:
        errors["url"] = [_("Enter the address that receives the events.")]
    elif len(url) > 500:
        errors["url"] = [_("Enter at most %(n)d characters.") % {"n": 500}]
    else:
        problem = url_problem(url)
        if problem:
            errors["url"] = [str(URL_PROBLEMS[problem])]
    values["url"] = url


def _clean_events(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    raw = values.get("event_types")
    if not isinstance(raw, list | tuple) or not raw:
        errors["event_types"] = [_("Choose at least one event, or all events.")]
        return
    names = {str(n).strip() for n in raw}
    if outbox.ALL_EVENTS in names:
        values["event_types"] = [outbox.ALL_EVENTS]
        return
    unknown = sorted(names - outbox.event_names())
    if unknown:
        errors["event_types"] = [
            _("Unknown events: %(names)s.") % {"names": ", ".join(unknown[:5])}
        ]
        return
    values["event_types"] = sorted(names)


def clean_common(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """What outbound and inbound endpoints share: a short description and the on/off switch."""
    description = str(values.get("description") or "").strip()
    if len(description) > 200:
        errors["description"] = [_("Enter at most %(n)d characters.") % {"n": 200}]
    values["description"] = description
    values["is_active"] = bool(values.get("is_active", True))


def delete_audited(actor: User, record: models.Model, audited: tuple[str, ...]) -> None:
    """Delete an endpoint, its last settings kept in the audit log."""
    before = audit.snapshot(record, audited)
    with transaction.atomic():
        record_pk = record.pk
        record.delete()
        record.pk = record_pk
        audit.record(actor=actor, action="delete", obj=record, changes=audit.diff(before, {}))


def rotate_secret(actor: User, record: models.Model) -> str:
    """A new secret for an endpoint, returned to be shown once; the audit says it changed,
    never what it is."""
    secret = new_secret()
    with transaction.atomic():
        type(record)._default_manager.filter(pk=record.pk).update(
            secret=secret, updated_at=timezone.now()
        )
        audit.record(actor=actor, action="update", obj=record, changes={"secret": ["…", "…"]})
    return secret


def clean_endpoint(values: dict[str, Any], current: WebhookEndpoint | None) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in AUDITED}
    if current is not None:
        values = {**{k: getattr(current, k) for k in AUDITED}, **values}
    errors: dict[str, list[str]] = {}
    _clean_url(values, errors)
    _clean_events(values, errors)
    clean_common(values, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return values


# --- writes -------------------------------------------------------------------------------


def endpoint_create(*, actor: User, values: dict[str, Any]) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret, which is shown this once."""
    require_admin(actor, KEY, "create")
    cleaned = clean_endpoint(values, None)
    secret = new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(**cleaned, secret=secret, created_by=actor)
        after = audit.snapshot(endpoint, AUDITED)
        audit.record(actor=actor, action="create", obj=endpoint, changes=audit.diff({}, after))
    return endpoint, secret


def endpoint_update(*, actor: User, pk: Any, values: dict[str, Any]) -> WebhookEndpoint:
    """Switching an endpoint on again clears its failure count, as ``endpoint_enable`` does."""
    endpoint = endpoint_get(actor, pk)
    require_admin(actor, KEY, "edit")
    cleaned = clean_endpoint(values, endpoint)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        before = audit.snapshot(endpoint, AUDITED)
        if cleaned["is_active"] and not endpoint.is_active:
            _switched_on(endpoint)
        elif not cleaned["is_active"] and endpoint.is_active:
            endpoint.disabled_at, endpoint.disabled_reason = timezone.now(), ""
        for name, value in cleaned.items():
            setattr(endpoint, name, value)
        endpoint.save()
        changes = audit.diff(before, audit.snapshot(endpoint, AUDITED))
        if changes:
            audit.record(actor=actor, action="update", obj=endpoint, changes=changes)
    return endpoint


def _switched_on(endpoint: WebhookEndpoint) -> None:
    endpoint.is_active = True
    endpoint.consecutive_failures = 0
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""


def endpoint_enable(*, actor: User, pk: Any) -> WebhookEndpoint:
    """Switch an endpoint on again (after an automatic switch-off); its waiting deliveries
    resume with the next sweep."""
    return endpoint_update(actor=actor, pk=pk, values={"is_active": True})


def endpoint_delete(*, actor: User, pk: Any) -> None:
    endpoint = endpoint_get(actor, pk)
    require_admin(actor, KEY, "delete")
    delete_audited(actor, endpoint, AUDITED)


def endpoint_rotate_secret(*, actor: User, pk: Any) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown this once; deliveries from now on are signed with it."""
    endpoint = endpoint_get(actor, pk)
    require_admin(actor, KEY, "edit")
    secret = rotate_secret(actor, endpoint)
    endpoint.refresh_from_db()
    return endpoint, secret


def delivery_resend(*, actor: User, endpoint_id: Any, delivery_id: Any) -> WebhookDelivery:
    """Send a failed delivery again, with the same id (receivers that had it skip it)."""
    endpoint = endpoint_get(actor, endpoint_id)
    require_admin(actor, KEY, "edit")
    try:
        delivery = WebhookDelivery.objects.get(pk=delivery_id, endpoint=endpoint)
    except (WebhookDelivery.DoesNotExist, DjangoValidationError, ValueError, TypeError):
        raise NotFound() from None
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(_("Only a failed delivery can be sent again."), code="not_failed")
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, queued_at=None
        )
        audit.record(
            actor=actor, action="update", obj=endpoint, changes={"resent": [None, str(delivery.pk)]}
        )
    if endpoint.is_active:
        outbox.enqueue([delivery.pk], now)
    delivery.refresh_from_db()
    return delivery
