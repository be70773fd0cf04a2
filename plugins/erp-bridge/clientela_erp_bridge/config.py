"""The bridge's configuration: deployment settings, never anything a user or a rule types.

Each value is read from the Django setting of the same name, else from the environment, on
every delivery (so a test or an operator changing it needs no restart):

- ``CLIENTELA_ERP_URL``: the ERP's HTTP endpoint; documents are POSTed there, signed.
- ``CLIENTELA_ERP_SECRET``: the HMAC-SHA256 key of the signature (required with the URL).
- ``CLIENTELA_ERP_DROP_DIR``: a folder the ERP picks files up from; documents are written there.
- ``CLIENTELA_ERP_EVENTS``: the events whose records are sent, comma-separated (default:
  ``sales.order.confirmed,customers.account.created,customers.account.updated``; empty: none,
  only rules send).

Either the URL or the folder, or both, must be set. The folder is the only place the bridge
writes: a rule chooses what to send, never where.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_EVENTS = (
    "sales.order.confirmed",
    "customers.account.created",
    "customers.account.updated",
)


class NotConfigured(Exception):
    """The bridge has nowhere to deliver, or an incomplete HTTP configuration."""


@dataclass(frozen=True)
class Config:
    url: str = ""
    secret: str = ""
    drop_dir: Path | None = None
    events: frozenset[str] = frozenset(DEFAULT_EVENTS)

    @property
    def targets(self) -> list[str]:
        return [t for t, on in (("http", self.url), ("folder", self.drop_dir)) if on]

    def check(self) -> None:
        if not self.url and self.drop_dir is None:
            raise NotConfigured("set CLIENTELA_ERP_URL or CLIENTELA_ERP_DROP_DIR")
        if self.url and not self.secret:
            raise NotConfigured("CLIENTELA_ERP_URL needs CLIENTELA_ERP_SECRET to sign with")
        if self.drop_dir is not None and not self.drop_dir.is_absolute():
            raise NotConfigured("CLIENTELA_ERP_DROP_DIR must be an absolute path")


def _value(name: str, default: str | None = "") -> Any:
    found = getattr(settings, name, None)
    if found is None:
        found = os.environ.get(name, default)
    return found


def config() -> Config:
    drop_dir = str(_value("CLIENTELA_ERP_DROP_DIR") or "").strip()
    events = _value("CLIENTELA_ERP_EVENTS", None)
    if events is None:
        names = frozenset(DEFAULT_EVENTS)
    elif isinstance(events, str):
        names = frozenset(n.strip() for n in events.split(",") if n.strip())
    else:
        names = frozenset(str(n) for n in events)
    return Config(
        url=str(_value("CLIENTELA_ERP_URL") or "").strip(),
        secret=str(_value("CLIENTELA_ERP_SECRET") or ""),
        drop_dir=Path(drop_dir) if drop_dir else None,
        events=names,
    )
