"""The daily prune of the automation logs: finished rule runs and webhook deliveries go after
their retention period, failed ones after twice that, and work still due is never touched."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from clientela.platform import retention
from clientela.platform.models import (
    DeliveryStatus,
    RuleRun,
    RunStatus,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from clientela.platform.tasks import prune_automation_logs
from clientela.platform.tests.rules_support import make_rule


def _aged(model, days: int, **values) -> str:
    row = model.objects.create(**values)
    model.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days))
    return str(row.pk)


def test_finished_logs_go_after_their_time_failed_ones_later_work_never(
    admin_user: User, settings
) -> None:
    settings.AUTOMATION_LOG_DAYS = 30
    rule = make_rule(admin_user)
    run = {"rule": rule, "object_type": "customers.lead", "record_id": "1"}
    keep = {
        _aged(RuleRun, 10, status=RunStatus.DONE, **run),
        _aged(RuleRun, 45, status=RunStatus.FAILED, **run),  # failed: 60 days
        _aged(RuleRun, 400, status=RunStatus.WAITING, **run),  # still work
        _aged(RuleRun, 400, status=RunStatus.RETRYING, **run),
    }
    _aged(RuleRun, 31, status=RunStatus.DONE, **run)
    _aged(RuleRun, 31, status=RunStatus.SKIPPED, **run)
    _aged(RuleRun, 61, status=RunStatus.FAILED, **run)
    endpoint = WebhookEndpoint.objects.create(
        url="https://example.com/hook", event_types=["*"], secret="s"
    )
    hook = {"endpoint": endpoint, "event": "customers.lead.created"}
    kept_deliveries = {
        _aged(WebhookDelivery, 29, status=DeliveryStatus.SUCCEEDED, **hook),
        _aged(WebhookDelivery, 59, status=DeliveryStatus.FAILED, **hook),
        _aged(WebhookDelivery, 300, status=DeliveryStatus.PENDING, **hook),
    }
    _aged(WebhookDelivery, 31, status=DeliveryStatus.SUCCEEDED, **hook)
    _aged(WebhookDelivery, 61, status=DeliveryStatus.FAILED, **hook)

    assert retention.prune() == {"rule_runs": 3, "webhook_deliveries": 2}
    assert {str(pk) for pk in RuleRun.objects.values_list("pk", flat=True)} == keep
    assert {str(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True)} == (
        kept_deliveries
    )
    assert prune_automation_logs.call() == {"rule_runs": 0, "webhook_deliveries": 0}


def test_the_prune_deletes_in_batches(admin_user: User, settings, monkeypatch) -> None:
    settings.AUTOMATION_LOG_DAYS = 1
    monkeypatch.setattr(retention, "BATCH", 2)
    rule = make_rule(admin_user)
    for _ in range(5):
        _aged(RuleRun, 5, status=RunStatus.DONE, rule=rule, object_type="customers.lead")

    assert retention.prune()["rule_runs"] == 5
    assert not RuleRun.objects.exists()
