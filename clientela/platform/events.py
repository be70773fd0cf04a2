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
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def _dispatch(event: Event) -> None:
    for handler in _subscribers.get(event.name, []) + _subscribers.get("*", []):
        try:
            handler(event)
        except Exception:
            # One failing subscriber must not stop the others or undo the committed write.
            logger.exception("event handler %r failed for %s", handler, event.name)


def emit(event: Event) -> None:
    """Dispatch after commit, in the context the event was emitted in: a reaction knows the
    rule chain that caused the write (the rules' loop guard) even when the commit comes
    later, outside it."""
    context = contextvars.copy_context()
    transaction.on_commit(lambda: context.run(_dispatch, event))
