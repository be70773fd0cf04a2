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
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


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


def available() -> bool:
    """Worth starting: more than one core, and not switched off in the settings."""
    from django.conf import settings

    wanted = getattr(settings, "CLIENTELA_HELPER_PROCESSES", True)
    return bool(wanted) and (os.cpu_count() or 1) > 1


@contextlib.contextmanager
def helper_process() -> Iterator[ProcessPoolExecutor]:
    """One spawned worker; ``submit`` functions of modules that import after set-up.

    It takes about a second to start (a new interpreter, then Django), so it pays on work
    that lasts several seconds. Leaving the block waits for submitted work and stops it.
    """
    from django.conf import settings
    from django.utils import translation

    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE
    language = translation.get_language() or settings.LANGUAGE_CODE
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_boot,
        initargs=(settings_module, language),
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
