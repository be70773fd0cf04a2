"""How long the automation logs are kept: finished rule runs and webhook deliveries.

A CRM runs for years, and every rule firing and every delivery leaves a row. Finished ones go
after ``AUTOMATION_LOG_DAYS`` (90 by default); failed ones stay twice as long, as the record of
what went wrong. Runs that are pending, waiting or retrying, and deliveries still due, are never
touched: they are work, not log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from clientela.platform.models import DeliveryStatus, RuleRun, RunStatus, WebhookDelivery

BATCH = 5_000  # rows per DELETE, so no single statement holds the table for long


def _delete(queryset: models.QuerySet[Any]) -> int:
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        deleted += queryset.model._default_manager.filter(pk__in=ids).delete()[0]


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete the log rows past their time; how many of each went."""
    now = now or timezone.now()
    days = max(1, int(getattr(settings, "AUTOMATION_LOG_DAYS", 90)))
    finished, failed = now - timedelta(days=days), now - timedelta(days=2 * days)
    runs = RuleRun.objects.filter(
        models.Q(status__in=(RunStatus.DONE, RunStatus.SKIPPED), created_at__lt=finished)
        | models.Q(status=RunStatus.FAILED, created_at__lt=failed)
    )
    deliveries = WebhookDelivery.objects.filter(
        models.Q(status=DeliveryStatus.SUCCEEDED, created_at__lt=finished)
        | models.Q(status=DeliveryStatus.FAILED, created_at__lt=failed)
    )
    return {"rule_runs": _delete(runs), "webhook_deliveries": _delete(deliveries)}
