"""The Redis task backend against a real Redis, run in-process and by real worker processes.

Each test gets its own key prefix, deleted afterwards. The worker process reads the prefix from
a two-line settings module written for the test (``clientela.settings`` plus the prefix), and
everything else from the same environment variables as production: CLIENTELA_TASK_BACKEND=redis
and REDIS_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import transaction
from django.tasks import TaskContext, TaskResultStatus, task, task_backends
from django.tasks.exceptions import InvalidTaskBackend, TaskResultDoesNotExist
from django.utils import timezone

from clientela.platform.models import Notification
from clientela.platform.taskqueue.redis_backend import RedisBackend
from clientela.platform.tasks import notify_user
from clientela.platform.tests.test_tasks_worker import (
    DEADLINE,
    committed_user,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
BACKEND_PATH = "clientela.platform.taskqueue.redis_backend.RedisBackend"


@task(takes_context=True)
def report_attempt(context: TaskContext, label: str) -> dict[str, Any]:
    return {"label": label, "attempt": context.attempt, "id": context.task_result.id}


@task()
async def add_async(a: int, b: int) -> int:
    return a + b


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); start one or set REDIS_URL")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def backend(redis_url: str, transactional_db: Any, settings: Any) -> Iterator[RedisBackend]:
    """The default task backend, switched to Redis under a prefix of this test's own."""
    prefix = f"clientela-test:{uuid.uuid4().hex}"
    settings.TASKS = {
        "default": {"BACKEND": BACKEND_PATH, "OPTIONS": {"url": redis_url, "prefix": prefix}}
    }
    backend = task_backends["default"]
    assert isinstance(backend, RedisBackend)
    try:
        yield backend
    finally:
        keys = list(backend.redis.scan_iter(match=f"{prefix}:*"))
        if keys:
            backend.redis.delete(*keys)
        backend.redis.close()


@pytest.fixture
def redis_worker_env(backend: RedisBackend, tmp_path: Path) -> dict[str, str]:
    """Environment for a ``clientela worker`` process on this test's Redis prefix and database."""
    module = tmp_path / "redis_worker_settings.py"
    module.write_text(
        "from clientela.settings import *  # noqa: F403\n"
        f"TASKS['default']['OPTIONS']['prefix'] = {backend.keys.prefix!r}  # noqa: F405\n"
    )
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH", "")) if p)
    return worker_env(
        CLIENTELA_TASK_BACKEND="redis",
        REDIS_URL=backend.url,
        DJANGO_SETTINGS_MODULE="redis_worker_settings",
        PYTHONPATH=path,
    )


def status_of(backend: RedisBackend, result_id: str) -> str:
    return backend.get_result(result_id).status


def claimed_ids(backend: RedisBackend) -> list[str]:
    """Every id sitting in any worker's processing list."""
    ids: list[str] = []
    for key in backend.redis.scan_iter(match=backend.keys.processing("*")):
        ids += backend.redis.lrange(key, 0, -1)
    return ids


def die_holding(backend: RedisBackend, result_id: str, worker_id: str) -> None:
    """What a worker that crashed mid-task leaves behind: the id claimed, the result RUNNING."""
    moved = backend.redis.lmove(
        backend.keys.ready("default", 0), backend.keys.processing(worker_id), "RIGHT", "LEFT"
    )
    assert moved == result_id
    backend.redis.hset(
        backend.keys.result(result_id),
        mapping={"status": "RUNNING", "worker_ids": f'["{worker_id}"]'},
    )


def test_redis_task_runs_in_a_separate_worker_process(
    backend: RedisBackend, redis_worker_env: dict[str, str], tmp_path: Path
) -> None:
    # given a task enqueued on Redis by this process
    user = committed_user("redisworker")
    result = notify_user.enqueue(user.pk, "Report ready", url="/reports/7")
    assert backend.redis.lrange(backend.keys.ready("default", 0), 0, -1) == [result.id]
    log = tmp_path / "worker.log"

    # when a real worker process (CLIENTELA_TASK_BACKEND=redis) runs one task
    process = start_worker(redis_worker_env, log)
    try:
        wait_for(lambda: status_of(backend, result.id) == "SUCCESSFUL", "the task to succeed", log)
        assert process.wait(timeout=DEADLINE) == 0
    finally:
        stop_worker(process)

    # then its work is done, its result readable here, and nothing is left claimed
    notification = Notification.objects.get(user=user)
    assert (notification.title, notification.url) == ("Report ready", "/reports/7")
    stored = notify_user.get_result(result.id)
    assert stored.status == TaskResultStatus.SUCCESSFUL
    assert stored.return_value == notification.pk
    assert stored.args == [user.pk, "Report ready"]
    assert stored.kwargs == {"url": "/reports/7"}
    assert len(stored.worker_ids) == 1
    assert f"-{process.pid}-" in stored.worker_ids[0]
    assert stored.enqueued_at is not None and stored.started_at is not None
    assert stored.finished_at is not None and stored.finished_at >= stored.started_at
    assert stored.errors == []
    assert claimed_ids(backend) == []
    # (the worker's scheduler may have queued periodic jobs that fell due meanwhile)
    assert result.id not in backend.redis.lrange(backend.keys.ready("default", 0), 0, -1)


def test_redis_failing_task_records_failed_with_exception_class(
    backend: RedisBackend, redis_worker_env: dict[str, str], tmp_path: Path
) -> None:
    # given a task that will raise: notifications only link to local paths
    user = committed_user("redisfail")
    result = notify_user.enqueue(user.pk, "Phish", url="https://evil.example/")
    log = tmp_path / "worker.log"

    # when a worker process runs it
    process = start_worker(redis_worker_env, log)
    try:
        wait_for(lambda: status_of(backend, result.id) == "FAILED", "the task to fail", log)
        assert process.wait(timeout=DEADLINE) == 0
    finally:
        stop_worker(process)

    # then the failure is recorded with its exception class and traceback, and nothing was written
    stored = backend.get_result(result.id)
    assert stored.status == TaskResultStatus.FAILED
    assert [error.exception_class_path for error in stored.errors] == ["builtins.ValueError"]
    assert stored.errors[0].exception_class is ValueError
    assert "notification links must be local paths" in stored.errors[0].traceback
    with pytest.raises(ValueError, match="Task failed"):
        _ = stored.return_value
    assert not Notification.objects.filter(user=user).exists()
    assert claimed_ids(backend) == []


def test_redis_deferred_task_is_not_run_before_run_after(
    backend: RedisBackend, redis_worker_env: dict[str, str], tmp_path: Path
) -> None:
    # given a task deferred by an hour, enqueued before one due now
    user = committed_user("redisdefer")
    run_after = timezone.now() + timedelta(hours=1)
    later = notify_user.using(run_after=run_after).enqueue(user.pk, "Later")
    now = notify_user.enqueue(user.pk, "Now")
    log = tmp_path / "worker.log"

    # when a worker process runs one task
    process = start_worker(redis_worker_env, log)
    try:
        wait_for(lambda: status_of(backend, now.id) == "SUCCESSFUL", "the due task to run", log)
        assert process.wait(timeout=DEADLINE) == 0
    finally:
        stop_worker(process)

    # then it ran the due task, and the deferred one still waits in the schedule
    assert list(Notification.objects.filter(user=user).values_list("title", flat=True)) == ["Now"]
    deferred = backend.get_result(later.id)
    assert deferred.status == TaskResultStatus.READY
    assert deferred.task.run_after == run_after
    assert backend.redis.zscore(backend.keys.scheduled, later.id) == run_after.timestamp()
    # another worker finds nothing of it to run (it may run a periodic job that fell due)
    backend.run_one("another-worker")
    assert backend.get_result(later.id).status == TaskResultStatus.READY
    assert backend.redis.zscore(backend.keys.scheduled, later.id) == run_after.timestamp()
    assert list(Notification.objects.filter(user=user).values_list("title", flat=True)) == ["Now"]


def test_redis_deferred_task_runs_once_due(backend: RedisBackend) -> None:
    user = committed_user("redisdue")
    run_after = timezone.now() + timedelta(seconds=1)
    result = notify_user.using(run_after=run_after).enqueue(user.pk, "Due soon")

    wait_for(lambda: backend.run_one("w1"), "the deferred task to become due and run")

    stored = backend.get_result(result.id)
    assert stored.status == TaskResultStatus.SUCCESSFUL
    assert stored.started_at is not None and stored.started_at >= run_after
    assert Notification.objects.filter(user=user, title="Due soon").count() == 1
    assert backend.redis.zcard(backend.keys.scheduled) == 0


def test_redis_task_of_a_dead_worker_is_requeued_and_runs_exactly_once(
    backend: RedisBackend,
) -> None:
    # given a worker that claimed a task and died while running it (no heartbeat at all)
    user = committed_user("redisorphan")
    result = notify_user.enqueue(user.pk, "Orphan")
    die_holding(backend, result.id, "dead-worker")
    assert backend.redis.llen(backend.keys.ready("default", 0)) == 0

    # when stale claims are requeued
    assert backend.requeue_stale(max_age=60) == 1

    # then the task is ready again, and a live worker runs it once and only once
    assert backend.get_result(result.id).status == TaskResultStatus.READY
    assert claimed_ids(backend) == []
    assert backend.run_one("live-worker") is True
    assert backend.run_one("live-worker") is False
    assert backend.requeue_stale(max_age=60) == 0
    assert backend.run_one("third-worker") is False
    assert Notification.objects.filter(user=user, title="Orphan").count() == 1
    stored = backend.get_result(result.id)
    assert stored.status == TaskResultStatus.SUCCESSFUL
    assert stored.worker_ids == ["dead-worker", "live-worker"]
    assert stored.attempts == 2


def test_redis_worker_process_recovers_a_dead_workers_task_by_itself(
    backend: RedisBackend, redis_worker_env: dict[str, str], tmp_path: Path
) -> None:
    # given a task held by a worker that died, and nobody calling requeue_stale by hand
    user = committed_user("redisrecover")
    result = notify_user.enqueue(user.pk, "Recovered")
    die_holding(backend, result.id, "crashed-host-123-1")
    log = tmp_path / "worker.log"

    # when a fresh worker process starts
    process = start_worker(redis_worker_env, log)
    try:
        wait_for(lambda: status_of(backend, result.id) == "SUCCESSFUL", "the recovery", log)
        assert process.wait(timeout=DEADLINE) == 0
    finally:
        stop_worker(process)

    # then it found the orphan and ran it once
    assert Notification.objects.filter(user=user, title="Recovered").count() == 1
    assert backend.get_result(result.id).worker_ids[0] == "crashed-host-123-1"
    assert claimed_ids(backend) == []


def test_redis_requeue_stale_leaves_live_workers_claims_alone(backend: RedisBackend) -> None:
    user = committed_user("redislive")
    result = notify_user.enqueue(user.pk, "Busy")
    backend.heartbeat("busy-worker")
    die_holding(backend, result.id, "busy-worker")

    assert backend.requeue_stale(max_age=60) == 0

    assert claimed_ids(backend) == [result.id]
    assert backend.get_result(result.id).status == TaskResultStatus.RUNNING


def test_redis_higher_priority_runs_first(backend: RedisBackend) -> None:
    user = committed_user("redisprio")
    for title, priority in [("low", -10), ("normal", 0), ("high", 10), ("normal 2", 0)]:
        notify_user.using(priority=priority).enqueue(user.pk, title)

    ran = 0
    while backend.run_one("w1"):
        ran += 1

    assert ran == 4
    titles = list(Notification.objects.filter(user=user).order_by("id").values_list("title"))
    assert titles == [("high",), ("normal",), ("normal 2",), ("low",)]


def test_redis_task_taking_context_sees_its_own_result(backend: RedisBackend) -> None:
    result = report_attempt.enqueue("ctx")

    assert backend.run_one("w1") is True

    stored = report_attempt.get_result(result.id)
    assert stored.return_value == {"label": "ctx", "attempt": 1, "id": result.id}


def test_redis_runs_async_tasks(backend: RedisBackend) -> None:
    result = add_async.enqueue(2, 40)

    assert backend.run_one("w1") is True

    assert add_async.get_result(result.id).return_value == 42


def test_redis_enqueue_in_a_transaction_waits_for_commit(backend: RedisBackend) -> None:
    user = committed_user("redistx")
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = notify_user.enqueue(user.pk, "Never")
        raise RuntimeError("roll back")
    with transaction.atomic():
        committed = notify_user.enqueue(user.pk, "Committed")
        with pytest.raises(TaskResultDoesNotExist):
            backend.get_result(committed.id)

    with pytest.raises(TaskResultDoesNotExist):
        backend.get_result(rolled_back.id)
    assert backend.get_result(committed.id).status == TaskResultStatus.READY
    assert backend.run_one("w1") is True
    assert backend.run_one("w1") is False
    assert list(Notification.objects.values_list("title", flat=True)) == ["Committed"]


def test_redis_get_result_of_unknown_id_raises(backend: RedisBackend) -> None:
    with pytest.raises(TaskResultDoesNotExist):
        backend.get_result("no-such-id")


def test_redis_backend_declares_what_it_supports() -> None:
    assert RedisBackend.supports_defer is True
    assert RedisBackend.supports_get_result is True
    assert RedisBackend.supports_priority is True
    assert RedisBackend.supports_async_task is True


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs OPTIONS\\['url'\\]"),
        ({"url": "http://127.0.0.1:6379"}, "must start with redis://"),
        ({"url": REDIS_URL, "prefix": "has space"}, "prefix must be"),
        ({"url": REDIS_URL, "prefix": ""}, "prefix must be"),
        ({"url": REDIS_URL, "stale_after": -1}, "'stale_after' must be positive"),
        ({"url": REDIS_URL, "requeue_every": "often"}, "'requeue_every' must be a number"),
        ({"url": REDIS_URL, "result_ttl": -5}, "'result_ttl' must be positive"),
        ({"url": REDIS_URL, "prefx": "typo"}, "unknown options \\['prefx'\\]"),
    ],
)
def test_redis_backend_refuses_bad_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidTaskBackend, match=message):
        RedisBackend("default", {"OPTIONS": options})


def test_redis_task_that_cannot_be_imported_fails_without_stopping_the_worker(
    backend: RedisBackend,
) -> None:
    # given a message naming a task that no longer exists (e.g. removed in an upgrade)
    result = report_attempt.enqueue("soon gone")
    backend.redis.hset(backend.keys.result(result.id), "task_path", "clientela.gone.task")

    assert backend.run_one("w1") is True

    stored = backend.redis.hgetall(backend.keys.result(result.id))
    assert stored["status"] == "FAILED"
    assert stored["exception_class_path"] == "builtins.ModuleNotFoundError"
    assert claimed_ids(backend) == []
    assert backend.run_one("w1") is False


def test_redis_worker_keeps_polling_while_redis_is_unreachable() -> None:
    unreachable = RedisBackend("default", {"OPTIONS": {"url": "redis://127.0.0.1:1/0"}})

    assert unreachable.run_one("w1") is False
