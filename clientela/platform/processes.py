"""A helper process for CPU-bound work that needs the app's code but not its database.

One Python process uses one core; a long import on a machine with two spends half of it waiting
for the database and the other half in Python. ``helper_process()`` starts one more
interpreter (``spawn``: nothing of this process is inherited, least of all its database
connections, which must never be shared across a fork), sets Django up in it with the caller's
settings and language, and refuses any query there: work sent to it must be pure computation,
and a query would be a bug, reported as one.

This module is imported by the new interpreter before Django is set up, so it imports nothing
of the app at the top.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

# Collector thresholds for batch work that allocates a few hundred thousand short-lived dicts
# and lists: the defaults (700, 10, 10) collect thousands of times a batch.
BATCH_GC_THRESHOLDS = (50_000, 20, 100)


class QueryRefused(RuntimeError):
    """A helper process tried to use the database."""


def _refuse(*_args: Any) -> Any:
    raise QueryRefused("the helper process has no database; do this work in the caller")


def _boot(settings_module: str, language: str) -> None:
    """Runs first in the new interpreter."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.db import connections
    from django.utils import translation

    translation.activate(language)
    for alias in connections:
        connections[alias].execute_wrappers.append(_refuse)
    # What is loaded now (Django, the app: some 300,000 objects) lives as long as the process:
    # set apart from the collector, which otherwise walks it again and again under the
    # helper's batch work (a fifth of an import's cleaning time at the default thresholds).
    gc.freeze()
    gc.set_threshold(*BATCH_GC_THRESHOLDS)


def available() -> bool:
    """Worth starting: more than one core, and not switched off in the settings."""
    from django.conf import settings

    wanted = getattr(settings, "CLIENTELA_HELPER_PROCESSES", True)
    return bool(wanted) and (os.cpu_count() or 1) > 1


def _ready() -> bool:
    return True


def _call(language: str, function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    from django.utils import translation

    with translation.override(language):
        return function(*args)


class Helper:
    """The helper as its caller sees it: ``submit`` runs a function there, in the caller's
    language (messages made there are in it)."""

    def __init__(self, pool: ProcessPoolExecutor, language: str) -> None:
        self.pool, self.language = pool, language

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        return self.pool.submit(_call, self.language, function, args)


_ahead: tuple[ProcessPoolExecutor, Future[bool]] | None = None


def _start() -> tuple[ProcessPoolExecutor, Future[bool]]:
    from django.conf import settings

    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_boot,
        initargs=(settings_module, settings.LANGUAGE_CODE),
    )
    # The worker is spawned on the first submission: this one makes it boot now.
    return pool, pool.submit(_ready)


def start_helper() -> None:
    """Start the helper ahead of the work (it may be called before Django is set up).

    A new interpreter and Django take about a second to start; started while this process
    reads its input, the helper is ready when the work begins. The next ``helper_process()``
    takes it; ``stop_helper()`` ends it if nothing did.
    """
    global _ahead
    if _ahead is None and available():
        _ahead = _start()


def stop_helper() -> None:
    global _ahead
    if _ahead is not None:
        _ahead[0].shutdown(wait=True, cancel_futures=True)
        _ahead = None


@contextlib.contextmanager
def helper_process() -> Iterator[Helper]:
    """One spawned worker; ``submit`` functions of modules that import after set-up.

    It takes about a second to start (a new interpreter, then Django), so it pays on work
    that lasts several seconds, unless ``start_helper()`` started it ahead. Leaving the block
    cancels the work not started and tells the helper to stop, without waiting for it: the
    caller has taken every result it needs, and a Python interpreter with Django loaded takes
    a quarter of a second to end (an import's indexes are rebuilt meanwhile). The pool's own
    thread reaps the process, and the caller's interpreter waits for it only when it exits.
    """
    global _ahead
    from django.conf import settings
    from django.utils import translation

    language = translation.get_language() or settings.LANGUAGE_CODE
    pool, _booted = _ahead or _start()
    _ahead = None
    try:
        yield Helper(pool, language)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
