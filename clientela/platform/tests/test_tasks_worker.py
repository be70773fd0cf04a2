"""The database task backend, run by a real ``clientela worker`` process.

The helpers here (``worker_env``, ``start_worker``, ``wait_for``, ``stop_worker``) are shared with
test_tasks_redis.py: the worker is a separate process that must see the test database, so the
tests use ``transactional_db`` (rows really committed) and hand the test database's real name to
the child through ``DATABASE_URL``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from clientela.conf import REPO_ROOT
from clientela.platform.models import Notification, Role, User
from clientela.platform.tasks import notify_user

DEADLINE = 30.0


def child_database_url() -> str:
    """A DATABASE_URL naming the database this test runs against (not the configured one)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=child_database_url(),
        CLIENTELA_DATA_DIR=str(settings.DATA_DIR),
        CLIENTELA_TASK_BACKEND="db",
        CLIENTELA_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def start_worker(
    env: Mapping[str, str], log: Path, *, max_tasks: int = 1
) -> subprocess.Popen[bytes]:
    """``clientela worker`` as its own process, output kept in ``log`` for failure messages."""
    command = [sys.executable, "-m", "clientela.cli", "worker", "--interval", "0.2"]
    command += ["--max-tasks", str(max_tasks)]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=dict(env), cwd=REPO_ROOT, stdout=out, stderr=out)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=DEADLINE)


def wait_for(condition: Callable[[], Any], what: str, log: Path | None = None) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after a generous deadline."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    output = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(
        f"timed out after {DEADLINE:.0f}s waiting for {what}\n--- worker output ---\n{output}"
    )


def committed_user(username: str) -> User:
    """A user the worker process can see (``make_user`` needs the ``db`` fixture)."""
    return User.objects.create(
        username=username, email=f"{username}@example.com", role=Role.objects.get(slug="sales-rep")
    )


def test_db_backend_task_runs_in_a_separate_worker_process(
    transactional_db: Any, tmp_path: Path
) -> None:
    # given a task enqueued on the database backend by this process
    user = committed_user("dbworker")
    result = notify_user.enqueue(user.pk, "Export ready", url="/exports/1")
    assert DBTaskResult.objects.get(id=result.id).status == "READY"
    log = tmp_path / "worker.log"

    # when a real worker process runs one task
    process = start_worker(worker_env(), log)
    try:
        wait_for(
            lambda: DBTaskResult.objects.filter(id=result.id, status="SUCCESSFUL").exists(),
            "the task to succeed",
            log,
        )
        assert process.wait(timeout=DEADLINE) == 0
    finally:
        stop_worker(process)

    # then the notification exists and the result says so, with the worker's id
    notification = Notification.objects.get(user=user)
    assert (notification.title, notification.url) == ("Export ready", "/exports/1")
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == notification.pk
    assert len(result.worker_ids) == 1
    assert f"-{process.pid}-" in result.worker_ids[0]
