"""Helpers for apps that register rule targets: a model's fields as ``FieldInfo`` (with related
records' fields under a prefix) and reading a dotted path on a record.

``platform`` names no business model: the apps pass theirs in (``customers/rules.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from clientela.platform.models import User
from clientela.platform.rules.registry import FieldInfo

USER_PARTS = ("name", "email")


def _kind(field: models.Field[Any, Any]) -> str:
    if field.choices:
        return "choice"
    if isinstance(field, models.ForeignKey):
        return "user" if field.related_model is User else "number"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.DecimalField | models.FloatField):
        return "decimal"
    if isinstance(field, models.IntegerField):
        return "number"
    return "text"


def model_fields(
    model: type[models.Model], names: Sequence[str], prefix: str = "", relation: str = ""
) -> list[FieldInfo]:
    """``names`` of ``model`` as conditions see them; under ``prefix`` ("account.") with the
    relation's name before each label ("Account: Industry"). ``tags`` reads as a list."""
    found = []
    for name in names:
        if name == "tags":
            info = FieldInfo(f"{prefix}tags", _("tags"), "multi_choice")
        else:
            field = model._meta.get_field(name)
            choices = tuple((str(v), str(label)) for v, label in field.choices or ())  # type: ignore[union-attr]
            label = str(getattr(field, "verbose_name", name))
            info = FieldInfo(f"{prefix}{name}", label, _kind(field), choices)  # type: ignore[arg-type]
        if relation:
            label = _("%(relation)s: %(field)s") % {"relation": relation, "field": info.label}
            info = FieldInfo(info.path, label, info.type, info.choices)
        found.append(info)
    return found


def user_fields(prefix: str, relation: str) -> list[FieldInfo]:
    """A related user's name and e-mail (``owner.name``, ``owner.email``)."""
    return [
        FieldInfo(f"{prefix}name", _("%(relation)s: name") % {"relation": relation}, "text"),
        FieldInfo(f"{prefix}email", _("%(relation)s: e-mail") % {"relation": relation}, "text"),
    ]


def read_path(record: models.Model | None, path: str) -> Any:
    """The value at a dotted path (``account.industry``, ``owner.name``); ``None`` on a blank
    link. A foreign key at the end reads as its id, ``tags`` as the names."""
    head, _dot, rest = path.partition(".")
    if record is None:
        return None
    if isinstance(record, User) and not rest:
        return {"name": record.display_name, "email": record.email}.get(head)
    if head == "tags" and not rest:
        return sorted((t.name for t in record.tags.all()), key=str.casefold)  # type: ignore[attr-defined]
    field = record._meta.get_field(head)
    if isinstance(field, models.ForeignKey):
        if not rest:
            return getattr(record, field.attname)
        return read_path(getattr(record, head), rest)
    if rest:
        return None
    return getattr(record, head)


def load(model: type[models.Model], pk: Any, related: Sequence[str] = ()) -> models.Model | None:
    """The record by id with its related records, or None (a bad id included)."""
    try:
        return model._default_manager.select_related(*related).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None
