"""Periodic jobs on cron expressions, shared safely by any number of workers.

Jobs are declared in code with ``@periodic``; each has a row whose ``next_run_at`` a worker
advances under a row lock (SKIP LOCKED on PostgreSQL) before enqueueing the task, so a job fires
once per slot however many workers tick at the same time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from croniter import croniter
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from clientela.platform.models import PeriodicJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    cron: str
    task_path: str


_jobs: dict[str, JobSpec] = {}


def periodic(name: str, cron: str) -> Callable[[Any], Any]:
    """Declare that the decorated ``django.tasks`` task runs on ``cron`` (5-field, UTC)."""
    if not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression for {name}: {cron!r}")

    def decorate(task: Any) -> Any:
        func = getattr(task, "func", task)
        _jobs[name] = JobSpec(name, cron, f"{func.__module__}.{func.__name__}")
        return task

    return decorate


def next_run(cron: str, after: datetime) -> datetime:
    return croniter(cron, after).get_next(datetime)


def sync_periodic_jobs() -> None:
    """Make the rows match the declarations: add new jobs, update changed schedules."""
    now = timezone.now()
    for spec in _jobs.values():
        job, created = PeriodicJob.objects.get_or_create(
            name=spec.name,
            defaults={
                "cron": spec.cron,
                "task_path": spec.task_path,
                "next_run_at": next_run(spec.cron, now),
            },
        )
        if not created and (job.cron != spec.cron or job.task_path != spec.task_path):
            job.cron, job.task_path = spec.cron, spec.task_path
            job.next_run_at = next_run(spec.cron, now)
            job.save(update_fields=["cron", "task_path", "next_run_at"])


def _lock_due(now: datetime) -> list[PeriodicJob]:
    due = PeriodicJob.objects.filter(enabled=True, next_run_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    return list(due)


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue every job that is due and move it to its next slot; returns the names fired."""
    now = now or timezone.now()
    fired = []
    with transaction.atomic():
        for job in _lock_due(now):
            try:
                task = import_string(job.task_path)
            except ImportError:
                logger.error("periodic job %s: cannot import %s", job.name, job.task_path)
                continue
            task.enqueue()
            job.last_run_at = now
            job.next_run_at = next_run(job.cron, now)
            job.save(update_fields=["last_run_at", "next_run_at"])
            fired.append(job.name)
    return fired
