"""Platform background tasks and their schedules."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.tasks import task
from django.utils import timezone

from clientela.platform.models import User
from clientela.platform.scheduler import periodic
from clientela.platform.services.notifications import notification_create

logger = logging.getLogger(__name__)


@task()
def notify_user(user_id: int, title: str, body: str = "", url: str = "") -> int:
    """Deliver an in-app notification from background work (reminders, finished exports…)."""
    user = User.objects.get(pk=user_id)
    return notification_create(user=user, title=title, body=body, url=url).pk


@periodic("platform.clear-expired-sessions", "17 3 * * *")
@task()
def clear_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@periodic("platform.prune-task-results", "29 3 * * *")
@task()
def prune_task_results(days: int = 14) -> int:
    """Finished task results older than ``days`` are only noise in the queue table."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


@task()
def custom_field_index(field_id: int) -> str:
    """Build or drop a custom field's index after its definition changed (decision 0005)."""
    from clientela.platform.services.customfields import index_sync

    return index_sync(field_id)


@task()
def deliver_webhook(delivery_id: str) -> str:
    """Post one webhook delivery if it is still due (decision 0006)."""
    from clientela.platform import outbox

    return outbox.attempt(delivery_id)


@periodic("platform.webhook-sweep", "* * * * *")
@task()
def sweep_webhooks() -> int:
    """Enqueue the webhook deliveries that are due and not queued: the outbox's safety net."""
    from clientela.platform import outbox

    return outbox.sweep()


@task()
def run_rule(run_id: str) -> str:
    """Run one rule run from its step if it is still due (decision 0007)."""
    from clientela.platform.rules import runner

    return runner.attempt(run_id)


@task()
def run_rules(run_ids: list[str]) -> dict[str, int]:
    """Run many rule runs in turn (enqueued together when many came at once); one that fails
    unexpectedly is logged and left to the sweep, the others still run."""
    from clientela.platform.rules import runner

    outcomes: dict[str, int] = {}
    for run_id in run_ids:
        try:
            status = runner.attempt(run_id)
        except Exception:
            logger.exception("rule run %s failed", run_id)
            status = "error"
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes


@periodic("platform.rules-sweep", "* * * * *")
@task()
def sweep_rules() -> int:
    """Enqueue the rule runs that are due and not queued: waits that ended, retries, lost tasks."""
    from clientela.platform.rules import engine

    return engine.sweep()


@periodic("platform.rules-scan", "* * * * *")
@task()
def scan_rules() -> int:
    """Fire the date-relative rules whose moment came and the scheduled rules whose slot came."""
    from clientela.platform.rules import engine, triggers

    return engine.enqueue(triggers.scan_dates() + triggers.scan_schedules())


@periodic("platform.prune-automation-logs", "41 3 * * *")
@task()
def prune_automation_logs() -> dict[str, int]:
    """Finished rule runs and webhook deliveries past their retention period."""
    from clientela.platform import retention

    return retention.prune()
