"""Where apps register what an inbound webhook can create, so ``platform`` names no record.

The customers app registers ``lead``, the activities app ``activity``, each in its
``AppConfig.ready()``. A handler checks the posted document as the app's API would (a
``ValidationFailed`` with field errors otherwise) and creates the record through the app's
service, as the hook's owner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from clientela.platform.errors import ValidationFailed

if TYPE_CHECKING:
    from django.db.models import Model
    from django.utils.functional import Promise

    from clientela.platform.models import User


@dataclass(frozen=True)
class InboundKind:
    key: str  # "lead": what an administrator picks and the hook stores
    label: str | Promise
    object_type: str  # the registry key of what it creates: "customers.lead"
    handle: Callable[..., Model]  # handle(*, actor: User, data: dict) -> the new record


_kinds: dict[str, InboundKind] = {}


def register(kind: InboundKind) -> None:
    existing = _kinds.get(kind.key)
    if existing is not None and existing.handle is not kind.handle:
        raise ValueError(f"inbound kind {kind.key!r} registered twice")
    _kinds[kind.key] = kind


def get(key: str) -> InboundKind:
    return _kinds[key]


def kinds() -> list[InboundKind]:
    return sorted(_kinds.values(), key=lambda k: k.key)


def handle(key: str, *, actor: User, data: dict[str, Any]) -> Model:
    return _kinds[key].handle(actor=actor, data=data)


def parse[S: BaseModel](schema: type[S], data: dict[str, Any]) -> S:
    """``data`` checked by the API's schema; its errors as a 422 keyed by field, as the API
    answers them."""
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        errors: dict[str, list[str]] = {}
        for item in exc.errors():
            location = ".".join(str(p) for p in item.get("loc", ())) or "body"
            errors.setdefault(location, []).append(str(item.get("msg", "")))
        raise ValidationFailed(errors=errors) from None
