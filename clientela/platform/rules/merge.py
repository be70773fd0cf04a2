"""Merge fields in the texts rules send and write: ``Hello {{ first_name }}`` and
``{{ account.name | "your company" }}`` (the fallback when the value is blank).

A small parser of our own, never a template engine and never ``eval``: a field is a dotted path
the record's target can read (``rules.registry.Target.read``), so a text can name nothing else.
Unknown paths are refused when the rule is saved (``check``); a path that went away later (a
deleted custom field) renders empty. Values are shown as people read them, in the language and
time zone of whoever the text is for (``speaking_to``).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Model
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from clientela.platform import customfields
from clientela.platform.rules import registry, triggers

if TYPE_CHECKING:
    from clientela.platform.models import User

FIELD = re.compile(r"\{\{(.*?)\}\}", re.S)
INSIDE = re.compile(
    r"\s*(?P<path>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*"
    r'(?:\|\s*"(?P<fallback>(?:[^"\\\n]|\\.)*)"\s*)?'
)
MAX_FIELDS = 50  # merge fields in one text
MAX_FALLBACK = 200


@dataclass(frozen=True)
class Field:
    path: str
    fallback: str = ""


Part = str | Field


def parse(text: str) -> tuple[list[Part], list[str]]:
    """The text cut into literal pieces and fields, and what is wrong with it (translated)."""
    parts: list[Part] = []
    problems: list[str] = []
    end = 0
    between = []  # the text outside every {{ … }}, where a stray brace pair is an error
    for match in FIELD.finditer(text):
        parts.append(text[end : match.start()])
        between.append(text[end : match.start()])
        end = match.end()
        inside = INSIDE.fullmatch(match.group(1))
        if inside is None:
            problems.append(
                _('“%(field)s” is not a merge field: write {{ field }} or {{ field | "text" }}.')
                % {"field": match.group(0)[:80]}
            )
            parts.append(match.group(0))
            continue
        fallback = re.sub(r"\\(.)", r"\1", inside.group("fallback") or "")
        if len(fallback) > MAX_FALLBACK:
            problems.append(
                _("A fallback text has at most %(n)d characters.") % {"n": MAX_FALLBACK}
            )
        parts.append(Field(inside.group("path"), fallback))
    parts.append(text[end:])
    literal = "".join([*between, text[end:]])
    if "{{" in literal or "}}" in literal:
        problems.append(_("A merge field is not closed: write {{ field }}."))
    if sum(isinstance(p, Field) for p in parts) > MAX_FIELDS:
        problems.append(_("A text has at most %(n)d merge fields.") % {"n": MAX_FIELDS})
    return parts, problems


def known_paths(object_type: str) -> dict[str, registry.FieldInfo | customfields.Definition]:
    """What a text on a record of ``object_type`` may name: the target's fields and its
    custom fields (``custom.<key>``)."""
    known: dict[str, registry.FieldInfo | customfields.Definition] = {
        f.path: f for f in registry.target(object_type).fields()
    }
    for item in customfields.definitions(object_type):
        known[f"custom.{item.key}"] = item
    return known


def check(text: str, object_type: str) -> list[str]:
    """The problems of ``text`` for rules on ``object_type`` (empty when it is fine): what the
    rules service shows when a rule is saved."""
    parts, problems = parse(text)
    known = known_paths(object_type)
    for part in parts:
        if isinstance(part, Field) and part.path not in known:
            problems.append(_("Unknown merge field: %(path)s.") % {"path": part.path})
    return list(dict.fromkeys(problems))


def fields_in(text: str) -> list[str]:
    return [p.path for p in parse(text)[0] if isinstance(p, Field)]


def render(text: str, object_type: str, record: Model | None) -> str:
    """``text`` with each field's value; blank values give the fallback, unknown paths and
    unreadable values give it too. A field that does not parse stays as written."""
    parts, _problems = parse(text)
    if not any(isinstance(p, Field) for p in parts):
        return text
    known = known_paths(object_type) if record is not None else {}
    target = registry.target(object_type) if record is not None else None
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        shown = ""
        if target is not None and record is not None and part.path in known:
            shown = show(_read(target, record, part.path), known[part.path])
        out.append(shown or part.fallback)
    return "".join(out)


def render_line(text: str, object_type: str, record: Model | None) -> str:
    """A one-line text (a subject): line breaks in the text or its values become spaces."""
    return one_line(render(text, object_type, record))


def one_line(text: str) -> str:
    return " ".join(text.split())


def _read(target: registry.Target, record: Model, path: str) -> Any:
    try:
        return triggers.read(target, record, path)
    except (AttributeError, KeyError, LookupError, ValueError, TypeError):
        return None


def show(value: Any, about: registry.FieldInfo | customfields.Definition | None = None) -> str:
    """A value as people read it in the active language and time zone."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(about, customfields.Definition):
        try:
            return customfields.display(about, value)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(about, registry.FieldInfo) and about.choices:
        labels = {str(code): str(label) for code, label in about.choices}
        if isinstance(value, list | tuple):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))
    return _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal | float):
        return formats.number_format(value, force_grouping=True)
    if isinstance(value, list | tuple | set):
        return ", ".join(_plain(v) for v in value if v not in (None, ""))
    display_name = getattr(value, "display_name", None)
    if isinstance(display_name, str):
        return display_name
    return str(value)


@contextmanager
def speaking_to(user: User | None = None, language: str = "") -> Iterator[None]:
    """Render for ``user`` (their language and time zone) or in ``language`` (a contact's);
    the site's language and time zone otherwise."""
    zone = None
    if user is not None and user.time_zone:
        try:
            zone = zoneinfo.ZoneInfo(user.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
    spoken = user.language if user is not None and user.language else language
    if spoken not in dict(settings.LANGUAGES):
        spoken = settings.LANGUAGE_CODE
    with translation.override(spoken), timezone.override(zone or timezone.get_default_timezone()):
        yield
