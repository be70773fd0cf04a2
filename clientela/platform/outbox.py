"""Outbound webhooks: the outbox of deliveries, the attempts, the retries and the sweep.

Every event a service emits (after its transaction committed) is matched against the active
endpoints; each match becomes a ``WebhookDelivery`` row, and a task is enqueued to post it.
The rows are the truth: ``sweep`` (a periodic job) enqueues every delivery that is due and not
queued, so a delivery whose task was never enqueued (the process died) or whose attempt died
half-way (its lease ran out) is posted later. Receivers get each delivery at least once and
de-duplicate on its id (``X-Clientela-Delivery``). See docs/decisions/0006-webhooks.md.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from clientela.platform import audit, events, registry
from clientela.platform.context import use_channel
from clientela.platform.models import (
    DeliveryStatus,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from clientela.platform.services.notifications import notification_create
from clientela.platform.webhook_http import Answer, DeliveryError, post, sign

logger = logging.getLogger(__name__)

ALL_EVENTS = "*"
VERBS = {
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "deleted": gettext_lazy("deleted"),
}
DUE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
LEASE = timedelta(seconds=60)  # longer than any attempt may take (the total timeout)
BODY_KEPT = 2000  # characters of a receiver's answer kept in the log
SWEEP_BATCH = 500
AUTO_DISABLED = "failures"


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# --- which events go out ------------------------------------------------------------------


def event_types() -> list[tuple[str, str]]:
    """Every event an endpoint can ask for: each owned record type created, updated, deleted."""
    return [
        (f"{t.key}.{verb}", _("%(type)s: %(verb)s") % {"type": t.label, "verb": label})
        for t in registry.all_types()
        if t.owned
        for verb, label in VERBS.items()
    ]


def event_names() -> set[str]:
    return {f"{t.key}.{verb}" for t in registry.all_types() if t.owned for verb in VERBS}


def _wants(endpoint: WebhookEndpoint, name: str) -> bool:
    return ALL_EVENTS in endpoint.event_types or name in endpoint.event_types


def _document(delivery_id: UUID, event: events.Event, at: datetime) -> dict[str, Any]:
    object_type = event.name.rpartition(".")[0]
    data: dict[str, Any] = {"object_type": object_type, **event.payload}
    if event.actor_id is not None:
        data["actor_id"] = event.actor_id
    document = {
        "id": str(delivery_id),
        "event": event.name,
        "occurred_at": at.isoformat(),
        "data": data,
    }
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


# --- from an event to deliveries ---------------------------------------------------------


def record_deliveries(event: events.Event) -> list[UUID]:
    """One delivery row per active endpoint that asked for ``event``; their ids."""
    return record_many([event])


def record_many(batch: list[events.Event]) -> list[UUID]:
    """The deliveries of many events, with one look at the endpoints and one insert."""
    names = event_names()
    batch = [event for event in batch if event.name in names]
    if not batch:
        return []
    active = list(WebhookEndpoint.objects.filter(is_active=True).only("id", "event_types"))
    if not active:
        return []
    now = timezone.now()
    rows = []
    for event in batch:
        for endpoint in active:
            if not _wants(endpoint, event.name):
                continue
            row = WebhookDelivery(endpoint=endpoint, event=event.name, next_attempt_at=now)
            row.payload = _document(row.id, event, now)
            rows.append(row)
    WebhookDelivery.objects.bulk_create(rows)
    return [row.id for row in rows]


def deliver(endpoint: WebhookEndpoint, name: str, data: dict[str, Any]) -> UUID:
    """One delivery to one endpoint that no event subscription made (a rule's "call a webhook"
    action): the same row, signature, retries and log; its task is enqueued after commit."""
    now = timezone.now()
    row = WebhookDelivery(endpoint=endpoint, event=name, next_attempt_at=now)
    document = {"id": str(row.id), "event": name, "occurred_at": now.isoformat(), "data": data}
    row.payload = json.loads(json.dumps(document, cls=DjangoJSONEncoder))
    row.save(force_insert=True)
    transaction.on_commit(lambda: enqueue([row.id]))
    return row.id


def on_event(event: events.Event) -> None:
    """Subscribed to every event: the rows first (the truth), then a task each (a speed-up)."""
    enqueue(record_deliveries(event))


def on_events(batch: list[events.Event]) -> None:
    enqueue(record_many(batch))


def enqueue(ids: Iterable[UUID], now: datetime | None = None) -> int:
    """Mark the deliveries queued and enqueue a task for each; a failed enqueue is left for
    the sweep."""
    from clientela.platform.tasks import deliver_webhook

    ids = list(ids)
    if not ids:
        return 0
    WebhookDelivery.objects.filter(pk__in=ids).update(queued_at=now or timezone.now())
    done = 0
    for delivery_id in ids:
        try:
            deliver_webhook.enqueue(str(delivery_id))
        except Exception:
            logger.exception("could not enqueue webhook delivery %s", delivery_id)
            WebhookDelivery.objects.filter(pk=delivery_id).update(queued_at=None)
        else:
            done += 1
    return done


def sweep(now: datetime | None = None) -> int:
    """Enqueue the deliveries that are due and not queued (or queued long ago and not run)."""
    now = now or timezone.now()
    requeue_after = timedelta(seconds=_setting("WEBHOOK_REQUEUE_AFTER_SECONDS", 300))
    due = (
        WebhookDelivery.objects.filter(
            status__in=DUE, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - requeue_after))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)
    )
    return enqueue(list(due[:SWEEP_BATCH]), now)


# --- one attempt -------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: base * 2^(n-1), plus up to 25 % jitter."""
    base = _setting("WEBHOOK_RETRY_BASE_SECONDS", 60)
    seconds = min(base * 2 ** max(attempts - 1, 0), 6 * 3600)
    return timedelta(seconds=seconds * (1 + random.random() / 4))


def _claim(delivery_id: Any, now: datetime) -> bool:
    """Take the delivery for one attempt, if it is still due; the lease makes a dead attempt
    due again, and a second task for the same delivery finds nothing to do."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status__in=DUE, next_attempt_at__lte=now, endpoint__is_active=True
        ).update(
            attempts=F("attempts") + 1,
            next_attempt_at=now + LEASE,
            queued_at=None,
            last_attempt_at=now,
        )
    )


def headers_for(delivery: WebhookDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Clientela-Webhooks/1",
        "X-Clientela-Event": delivery.event,
        "X-Clientela-Delivery": str(delivery.pk),
        "X-Clientela-Timestamp": str(timestamp),
        "X-Clientela-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }


def _post(delivery: WebhookDelivery) -> tuple[Answer | DeliveryError, int]:
    """The receiver's answer (or why there was none) and how long it took, in ms."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    started = time.monotonic()
    outcome: Answer | DeliveryError
    try:
        outcome = post(delivery.endpoint.url, body, headers_for(delivery, body, int(time.time())))
    except DeliveryError as exc:
        outcome = exc
    return outcome, int((time.monotonic() - started) * 1000)


def attempt(delivery_id: Any, now: datetime | None = None) -> str:
    """Post one delivery if it is due; its new status ("skipped" when it was not due)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    outcome, duration_ms = _post(delivery)
    return _record(delivery, outcome, duration_ms, max(now, timezone.now()))


def _answer_fields(outcome: Answer | DeliveryError, duration_ms: int) -> dict[str, Any]:
    if isinstance(outcome, DeliveryError):
        return {
            "response_status": None,
            "response_body": "",
            "error": str(outcome)[:500],
            "duration_ms": duration_ms,
        }
    error = ""
    if 300 <= outcome.status < 400:
        error = "redirect not followed"
    elif not 200 <= outcome.status < 300:
        error = f"HTTP {outcome.status}"
    return {
        "response_status": outcome.status,
        "response_body": outcome.body[:BODY_KEPT],
        "error": error,
        "duration_ms": duration_ms,
    }


def _retryable(outcome: Answer | DeliveryError) -> bool:
    if isinstance(outcome, DeliveryError):
        return outcome.retryable
    return outcome.status == 429 or outcome.status >= 500


def _record(
    delivery: WebhookDelivery, outcome: Answer | DeliveryError, duration_ms: int, now: datetime
) -> str:
    fields = _answer_fields(outcome, duration_ms)
    rows = WebhookDelivery.objects.filter(pk=delivery.pk)
    with transaction.atomic():
        if isinstance(outcome, Answer) and 200 <= outcome.status < 300:
            rows.update(
                status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None, **fields
            )
            WebhookEndpoint.objects.filter(
                pk=delivery.endpoint_id, consecutive_failures__gt=0
            ).update(consecutive_failures=0)
            return DeliveryStatus.SUCCEEDED
        max_attempts = int(_setting("WEBHOOK_MAX_ATTEMPTS", 8))
        if _retryable(outcome) and delivery.attempts < max_attempts:
            next_at = now + backoff(delivery.attempts)
            rows.update(status=DeliveryStatus.RETRYING, next_attempt_at=next_at, **fields)
            return DeliveryStatus.RETRYING
        rows.update(status=DeliveryStatus.FAILED, next_attempt_at=None, **fields)
        _count_failure(delivery.endpoint_id, now)
    return DeliveryStatus.FAILED


# --- endpoints that keep failing ---------------------------------------------------------


def administrators() -> list[User]:
    return list(
        User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(role__is_admin=True))
    )


def _count_failure(endpoint_id: int, now: datetime) -> None:
    """One more delivery given up; past the limit the endpoint is switched off and the
    administrators are told (an administrator switches it on again)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.consecutive_failures += 1
    limit = int(_setting("WEBHOOK_DISABLE_AFTER_FAILURES", 10))
    if not endpoint.is_active or endpoint.consecutive_failures < limit:
        endpoint.save(update_fields=["consecutive_failures"])
        return
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = AUTO_DISABLED
    endpoint.save(
        update_fields=["consecutive_failures", "is_active", "disabled_at", "disabled_reason"]
    )
    with use_channel("system"):
        audit.record(
            actor=None, action="update", obj=endpoint, changes={"is_active": [True, False]}
        )
    _notify_disabled(endpoint)


def _notify_disabled(endpoint: WebhookEndpoint) -> None:
    url = reverse("settings:webhook_detail", args=[endpoint.pk])
    for admin in administrators():
        with override(admin.language or settings.LANGUAGE_CODE):
            title = _("A webhook was switched off after repeated failures")
            body = _(
                "%(count)d deliveries in a row to %(url)s failed. Fix the receiver, then switch "
                "the webhook on again; the deliveries it missed can be sent again."
            ) % {"count": endpoint.consecutive_failures, "url": endpoint.url}
        notification_create(user=admin, title=title, body=body, url=url)


def connect() -> None:
    """Called from ``PlatformConfig.ready()``: the webhook record types (for roles and the
    audit log) and the subscription to every event."""
    from clientela.platform.models import InboundHook

    for key, label, model, actions in (
        ("platform.webhook", gettext_lazy("Outbound webhooks"), WebhookEndpoint, None),
        (
            "platform.webhookdelivery",
            gettext_lazy("Webhook deliveries"),
            WebhookDelivery,
            ("view",),
        ),
        ("platform.inboundhook", gettext_lazy("Inbound webhooks"), InboundHook, None),
    ):
        extra = {"actions": actions} if actions else {}
        registry.register(registry.ObjectType(key, label, model, "platform", owned=False, **extra))
    events.subscribe(ALL_EVENTS, on_event, batch=on_events)
