"""What the rules tests share: running the queue as the worker does, with the after-commit
callbacks (the events) run as a real commit would, and rules made through the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.tasks import task_backends
from django_tasks_db.models import DBTaskResult

from clientela.platform.models import Rule, User
from clientela.platform.services.rules import rule_create
from clientela.platform.taskqueue.backends import run_one

Capture = Callable[..., Any]


def drain() -> int:
    """Run every ready task as the worker would; a task that failed fails the test."""
    backend = task_backends["default"]
    ran = 0
    while run_one(backend, "test-worker"):
        ran += 1
        assert ran < 500, "the queue does not empty"
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert not failed.exists(), [(r.exception_class_path, r.traceback) for r in failed]
    return ran


def settle(capture: Capture) -> int:
    """Run tasks and the events their writes emit until nothing is left (chains of rules)."""
    ran = 0
    for _ in range(20):
        with capture(execute=True):
            done = drain()
        ran += done
        if not done:
            return ran
    raise AssertionError("rules keep firing")


def notify(title: str = "New record", **extra: Any) -> dict[str, Any]:
    return {"type": "platform.notify", "params": {"title": title, **extra}}


def make_rule(actor: User, **values: Any) -> Rule:
    values = {
        "name": "A rule",
        "object_type": "customers.lead",
        "trigger": "created",
        "actions": [notify()],
        **values,
    }
    return rule_create(actor=actor, values=values)
