"""One call per backend to claim and run a single task, so the runner is backend-neutral."""

from __future__ import annotations

from typing import Any

from django.db.utils import OperationalError
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker as DbWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception


def _run_one_db(backend: DatabaseBackend, worker: str) -> bool:
    tasks = DBTaskResult.objects.ready().filter(backend_name=backend.alias)
    with exclusive_transaction(tasks.db):
        try:
            task_result = tasks.get_locked()
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return False
            raise
        if task_result is None:
            return False
        task_result.claim(worker)
    runner = DbWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend.alias,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker,
        excluded_queue_names=[],
    )
    runner.run_task(task_result)
    return True


def run_one(backend: Any, worker: str) -> bool:
    """Claim and run one ready task; False when there was none."""
    if isinstance(backend, DatabaseBackend):
        return _run_one_db(backend, worker)
    run = getattr(backend, "run_one", None)
    if run is None:
        raise TypeError(f"{type(backend).__name__} cannot be run by the Clientela worker")
    return bool(run(worker))
