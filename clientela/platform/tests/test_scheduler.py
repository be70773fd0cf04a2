"""Periodic jobs: due jobs are enqueued once per slot, however many workers tick."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.platform import scheduler
from clientela.platform.models import PeriodicJob
from clientela.platform.tasks import clear_expired_sessions

TASK_PATH = "clientela.platform.tasks.clear_expired_sessions"
NOW = datetime(2026, 3, 10, 14, 2, 30, tzinfo=UTC)


def only_job(*, enabled: bool = True, name: str = "test.sessions") -> PeriodicJob:
    """The one job in the table, due a minute before NOW, every five minutes."""
    PeriodicJob.objects.all().delete()
    return PeriodicJob.objects.create(
        name=name,
        task_path=TASK_PATH,
        cron="*/5 * * * *",
        enabled=enabled,
        next_run_at=NOW - timedelta(minutes=1),
    )


def enqueued() -> int:
    return DBTaskResult.objects.filter(task_path=TASK_PATH).count()


def test_tick_enqueues_a_due_job_and_moves_it_to_its_next_cron_slot(db: Any) -> None:
    job = only_job()

    fired = scheduler.tick(NOW)

    assert fired == ["test.sessions"]
    assert enqueued() == 1
    assert DBTaskResult.objects.get(task_path=TASK_PATH).status == "READY"
    job.refresh_from_db()
    assert job.last_run_at == NOW
    assert job.next_run_at == datetime(2026, 3, 10, 14, 5, tzinfo=UTC)


def test_two_ticks_at_the_same_instant_fire_once(db: Any) -> None:
    only_job()

    first, second = scheduler.tick(NOW), scheduler.tick(NOW)

    assert (first, second) == (["test.sessions"], [])
    assert enqueued() == 1


def test_the_next_slot_fires_again(db: Any) -> None:
    job = only_job()
    scheduler.tick(NOW)

    assert scheduler.tick(datetime(2026, 3, 10, 14, 4, 59, tzinfo=UTC)) == []
    assert scheduler.tick(datetime(2026, 3, 10, 14, 5, tzinfo=UTC)) == ["test.sessions"]

    assert enqueued() == 2
    job.refresh_from_db()
    assert job.next_run_at == datetime(2026, 3, 10, 14, 10, tzinfo=UTC)


def test_a_disabled_job_does_not_fire(db: Any) -> None:
    job = only_job(enabled=False)

    assert scheduler.tick(NOW) == []

    assert enqueued() == 0
    job.refresh_from_db()
    assert (job.next_run_at, job.last_run_at) == (NOW - timedelta(minutes=1), None)


def test_two_workers_ticking_together_fire_a_job_once(
    transactional_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a due job, and a first worker that holds its row lock until the second has ticked
    only_job(name="test.race")
    first_holds_row = threading.Event()
    second_done = threading.Event()
    real_next_run = scheduler.next_run

    def next_run_slowly(cron: str, after: datetime) -> datetime:
        first_holds_row.set()
        # PostgreSQL: the second skips the locked row and is done at once. SQLite: the second
        # waits for the write lock, so this wait just runs out and the first commits.
        second_done.wait(timeout=2)
        return real_next_run(cron, after)

    monkeypatch.setattr(scheduler, "next_run", next_run_slowly)
    fired: list[str] = []
    errors: list[BaseException] = []

    def worker(started_after: threading.Event | None, done: threading.Event | None) -> None:
        try:
            if started_after is not None:
                assert started_after.wait(timeout=30)
            fired.extend(scheduler.tick(NOW))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()
            if done is not None:
                done.set()

    # when both tick at the same instant
    threads = [
        threading.Thread(target=worker, args=(None, None)),
        threading.Thread(target=worker, args=(first_holds_row, second_done)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then the job fired once
    assert errors == []
    assert fired == ["test.race"]
    assert enqueued() == 1


@pytest.mark.parametrize("cron", ["not a cron", "61 * * * *", "* * *", ""])
def test_periodic_refuses_an_invalid_cron(cron: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "_jobs", dict(scheduler._jobs))
    before = dict(scheduler._jobs)

    with pytest.raises(ValueError, match=r"invalid cron expression for test\.bad"):
        scheduler.periodic("test.bad", cron)

    assert scheduler._jobs == before


def test_sync_adds_a_row_for_every_declared_job(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a newly declared job and no rows at all
    monkeypatch.setattr(scheduler, "_jobs", dict(scheduler._jobs))
    scheduler.periodic("test.nightly", "0 2 * * *")(clear_expired_sessions)
    PeriodicJob.objects.all().delete()
    before = timezone.now()

    scheduler.sync_periodic_jobs()

    # then every declaration has its row, scheduled at its next slot
    rows = {job.name: job for job in PeriodicJob.objects.all()}
    assert set(rows) == set(scheduler._jobs)
    assert {"platform.clear-expired-sessions", "platform.prune-task-results"} <= set(rows)
    nightly = rows["test.nightly"]
    assert (nightly.cron, nightly.task_path, nightly.enabled) == ("0 2 * * *", TASK_PATH, True)
    assert nightly.last_run_at is None
    next_at = nightly.next_run_at.astimezone(UTC)
    assert (next_at.hour, next_at.minute, next_at.second) == (2, 0, 0)
    assert timedelta(0) < next_at - before <= timedelta(days=1)


def test_sync_reschedules_a_changed_job_and_keeps_unchanged_ones(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler, "_jobs", dict(scheduler._jobs))
    scheduler.periodic("test.hourly", "0 * * * *")(clear_expired_sessions)
    scheduler.sync_periodic_jobs()
    kept = PeriodicJob.objects.get(name="platform.prune-task-results")
    PeriodicJob.objects.filter(name="test.hourly").update(enabled=False)

    scheduler.periodic("test.hourly", "30 * * * *")(clear_expired_sessions)
    scheduler.sync_periodic_jobs()

    changed = PeriodicJob.objects.get(name="test.hourly")
    assert changed.cron == "30 * * * *"
    assert changed.next_run_at.astimezone(UTC).minute == 30
    assert changed.enabled is False  # an operator's switch survives a schedule change
    assert PeriodicJob.objects.get(name=kept.name).next_run_at == kept.next_run_at
