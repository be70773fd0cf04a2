"""Helpers for the ERP bridge's tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from django.tasks import task_backends
from django_tasks_db.models import DBTaskResult

from clientela.platform.taskqueue.backends import run_one

SECRET = "erp-secret-for-tests"
TASK_PATH = "clientela_erp_bridge.tasks.send_record"


def drain(limit: int = 50) -> int:
    """Run every ready task as the worker does."""
    backend = task_backends["default"]
    ran = 0
    while run_one(backend, "test-worker"):
        ran += 1
        assert ran < limit, "the queue does not empty"
    return ran


def erp_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at"))


def files_in(folder: Path) -> list[str]:
    """Every entry, hidden ones too (a temporary file left behind would show)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
