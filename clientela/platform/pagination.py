"""Keyset (cursor) pagination: stable under inserts and as fast on page 1,000 as on page 1."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from clientela.platform.errors import ValidationFailed


@dataclass(frozen=True)
class Page[M: Model]:
    items: list[M]
    next_cursor: str | None


def _encode(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise ValidationFailed(errors={"cursor": [_("This cursor is not valid.")]})
    return values


def _after(ordering: Sequence[str], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in ``ordering``: (a > x) or (a = x and b > y) …"""
    condition = Q()
    for i, field in enumerate(ordering):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for j in range(i):
            step &= Q(**{ordering[j].lstrip("-"): values[j]})
        condition |= step
    return condition


def paginate[M: Model](
    queryset: QuerySet[M], *, ordering: Sequence[str], cursor: str | None, limit: int
) -> Page[M]:
    """One page of ``queryset``; ``ordering`` must end in a unique field (usually ``id``)."""
    queryset = queryset.order_by(*ordering)
    if cursor:
        queryset = queryset.filter(_after(ordering, _decode(cursor, len(ordering))))
    rows = list(queryset[: limit + 1])
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = _encode([getattr(last, f.lstrip("-")) for f in ordering])
    return Page(items, next_cursor)
