"""Which channel the current work came through, for the audit log (ui, api, import, …)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_channel: ContextVar[str] = ContextVar("clientela_channel", default="system")


def current_channel() -> str:
    return _channel.get()


@contextmanager
def use_channel(channel: str) -> Iterator[None]:
    token = _channel.set(channel)
    try:
        yield
    finally:
        _channel.reset(token)
