"""Domain events: services emit them, subscribers react after the transaction commits.

Cross-app reactions go through here instead of imports between apps or Django signals.
"""

from __future__ import annotations

import contextvars
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    actor_id: int | None
    payload: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Event], None]
BatchHandler = Callable[[list[Event]], None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)
_batch_of: dict[Handler, BatchHandler] = {}


def subscribe(name: str, handler: Handler, *, batch: BatchHandler | None = None) -> None:
    """``batch``: the same reaction for many events at once (``emit_many``), written so that
    it costs a few statements per batch rather than per event."""
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)
    if batch is not None:
        _batch_of[handler] = batch


def _dispatch(event: Event) -> None:
    for handler in _subscribers.get(event.name, []) + _subscribers.get("*", []):
        try:
            handler(event)
        except Exception:
            # One failing subscriber must not stop the others or undo the committed write.
            logger.exception("event handler %r failed for %s", handler, event.name)


def _dispatch_many(batch: list[Event]) -> None:
    groups: dict[Handler, list[Event]] = {}
    for event in batch:
        for handler in _subscribers.get(event.name, []) + _subscribers.get("*", []):
            groups.setdefault(handler, []).append(event)
    for handler, group in groups.items():
        together = _batch_of.get(handler)
        if together is None:
            for event in group:
                _dispatch_one(handler, event)
            continue
        try:
            together(group)
        except Exception:
            logger.exception("event handler %r failed for %d events", together, len(group))


def _dispatch_one(handler: Handler, event: Event) -> None:
    try:
        handler(event)
    except Exception:
        logger.exception("event handler %r failed for %s", handler, event.name)


def emit_many(batch: list[Event]) -> None:
    """Many events from one write (a sweep over thousands of records): dispatched after
    commit like ``emit``, to each subscriber's batch reaction where it has one."""
    if not batch:
        return
    context = contextvars.copy_context()
    transaction.on_commit(lambda: context.run(_dispatch_many, list(batch)))


def emit(event: Event) -> None:
    """Dispatch after commit, in the context the event was emitted in: a reaction knows the
    rule chain that caused the write (the rules' loop guard) even when the commit comes
    later, outside it."""
    context = contextvars.copy_context()
    transaction.on_commit(lambda: context.run(_dispatch, event))
