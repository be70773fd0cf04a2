"""The task worker: picks tasks from the configured backend and ticks the scheduler.

``clientela worker`` runs it in the foreground; ``clientela serve`` runs it in a thread of the
web process for the embedded, one-machine set-up.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from django.db import close_old_connections
from django.tasks import task_backends

from clientela.platform import scheduler

logger = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident() % 100000}"[:64]


class Runner:
    """Alternates between scheduler ticks and task batches until ``stop`` is called."""

    def __init__(
        self, *, interval: float = 1.0, tick_every: float = 15.0, max_tasks: int | None = None
    ) -> None:
        self.interval = interval
        self.tick_every = tick_every
        self.max_tasks = max_tasks
        self._stop = threading.Event()
        self._last_tick = 0.0
        self.backend = task_backends["default"]

    def stop(self) -> None:
        self._stop.set()

    def _tick(self) -> None:
        if time.monotonic() - self._last_tick < self.tick_every:
            return
        self._last_tick = time.monotonic()
        try:
            fired = scheduler.tick()
            if fired:
                logger.info("scheduler enqueued %s", ", ".join(fired))
        except Exception:
            logger.exception("scheduler tick failed")
        finally:
            close_old_connections()

    def run(self) -> None:
        from clientela.platform.taskqueue.backends import run_one

        done = 0
        logger.info("worker %s started on backend %s", worker_id(), type(self.backend).__name__)
        while not self._stop.is_set():
            self._tick()
            ran = run_one(self.backend, worker_id())
            close_old_connections()
            if ran:
                done += 1
                if self.max_tasks is not None and done >= self.max_tasks:
                    return
                continue
            self._stop.wait(self.interval)


def start_in_thread(*, interval: float = 1.0, tick_every: float = 15.0) -> Runner:
    runner = Runner(interval=interval, tick_every=tick_every)
    thread = threading.Thread(target=runner.run, name="clientela-worker", daemon=True)
    thread.start()
    return runner
