"""Reminders: at their time the owner gets one in-app notification, however many workers run."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from clientela.activities.models import Activity
from clientela.activities.services import activity_create, reminders_due
from clientela.activities.tasks import deliver_reminders
from clientela.customers.services import account_create
from clientela.platform import scheduler
from clientela.platform.models import Notification, PeriodicJob
from clientela.platform.services import notifications


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("North")])


def planned_call(rep, *, remind_in: timedelta, due_in: timedelta = timedelta(hours=1), **extra):
    account = account_create(actor=rep, values={"name": "Acme"})
    now = timezone.now()
    return activity_create(
        actor=rep,
        values={
            "kind": "call",
            "subject": "Call Ana",
            "account": account,
            "due_at": now + due_in,
            "reminder_at": now + remind_in,
            **extra,
        },
    )


def test_a_due_reminder_notifies_the_owner_once(rep):
    call = planned_call(rep, remind_in=timedelta(minutes=-1))

    first = reminders_due(timezone.now())
    second = reminders_due(timezone.now())

    assert [a.pk for a in first] == [call.pk]
    assert second == []
    note = Notification.objects.get(user=rep)
    assert note.title.startswith("Reminder: Call Ana at ")
    assert note.url == f"/activities/{call.pk}/"
    call.refresh_from_db()
    assert call.reminded_at is not None


def test_reminders_wait_for_their_time_and_skip_finished_activities(rep):
    planned_call(rep, remind_in=timedelta(minutes=30))
    done = planned_call(rep, remind_in=timedelta(minutes=-5), status="done")
    cancelled = planned_call(rep, remind_in=timedelta(minutes=-5), status="cancelled")

    assert reminders_due(timezone.now()) == []
    assert Notification.objects.filter(user=rep).count() == 0
    assert Activity.objects.get(pk=done.pk).reminded_at is None
    assert Activity.objects.get(pk=cancelled.pk).reminded_at is None


def test_the_reminder_title_is_in_the_owners_language_and_zone(make_user):
    rep = make_user("sales-rep", language="pt-br", time_zone="America/Sao_Paulo")
    call = planned_call(rep, remind_in=timedelta(minutes=-1))

    reminders_due(timezone.now())

    local = timezone.localtime(call.due_at, timezone.get_fixed_timezone(-180))
    assert local.strftime("%H:%M") in Notification.objects.get(user=rep).title


def test_the_job_runs_every_minute_through_the_scheduler(rep):
    scheduler.sync_periodic_jobs()
    job = PeriodicJob.objects.get(name="activities.deliver-reminders")
    assert (job.cron, job.task_path) == (
        "* * * * *",
        "clientela.activities.tasks.deliver_reminders",
    )
    planned_call(rep, remind_in=timedelta(minutes=-2))

    delivered = deliver_reminders.call()

    assert delivered == 1
    assert Notification.objects.filter(user=rep).count() == 1


def test_two_workers_delivering_together_notify_once(
    transactional_db: Any, rep, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given ten due reminders, and a first worker that pauses after claiming its rows
    for _ in range(10):
        planned_call(rep, remind_in=timedelta(minutes=-1))
    first_claimed = threading.Event()
    second_done = threading.Event()
    original = notifications.notification_create

    def slow_create(**kwargs: Any):
        if not first_claimed.is_set():
            # PostgreSQL: the second worker skips the locked rows and finishes at once.
            # SQLite: it waits for the write lock, so this wait runs out and the first commits.
            first_claimed.set()
            second_done.wait(timeout=2)
        return original(**kwargs)

    monkeypatch.setattr(notifications, "notification_create", slow_create)
    totals: list[int] = []
    errors: list[BaseException] = []

    def worker(wait_for: threading.Event | None, done: threading.Event | None) -> None:
        try:
            if wait_for is not None:
                assert wait_for.wait(timeout=30)
            totals.append(len(reminders_due(timezone.now())))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()
            if done is not None:
                done.set()

    # when two workers run at once
    threads = [
        threading.Thread(target=worker, args=(None, None)),
        threading.Thread(target=worker, args=(first_claimed, second_done)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every reminder was delivered exactly once
    assert errors == []
    assert sum(totals) == 10
    assert Notification.objects.filter(user=rep).count() == 10
    assert not Activity.objects.filter(reminded_at__isnull=True).exists()
