"""Panels that later apps add to a record's page (the deals on an account, the tickets on a
contact…), so the page's app never imports the apps above it.

An app registers ``Panel(key, label, record_types, render)``; ``render(actor, record)`` answers
``(template name, context)``, ready HTML (a string marked safe; a plain string is escaped), or
``None`` when the panel has nothing to show to this actor (no right to see it, say). The record
page renders ``rendered(request, record_type, record)`` with one include of
``platform/_panels.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest
    from django.utils.functional import Promise

    from clientela.platform.models import User

Rendered = tuple[str, Mapping[str, Any]] | str | None


@dataclass(frozen=True)
class Panel:
    key: str
    label: str | Promise
    record_types: tuple[str, ...]
    render: Callable[[User, Model], Rendered]


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    """Add (or, under the same key, replace) a panel; the order of registration is kept."""
    _panels[panel.key] = panel


def unregister(key: str) -> None:
    _panels.pop(key, None)


def panels_for(record_type: str) -> list[Panel]:
    return [p for p in _panels.values() if record_type in p.record_types]


def rendered(request: HttpRequest, record_type: str, record: Model) -> list[SafeString]:
    """Each registered panel of the record type, as HTML, in registration order."""
    out: list[SafeString] = []
    for panel in panels_for(record_type):
        result = panel.render(request.user, record)  # type: ignore[arg-type]
        if result is None:
            continue
        if isinstance(result, tuple):
            template, context = result
            out.append(SafeString(render_to_string(template, dict(context), request=request)))
        else:
            out.append(SafeString(conditional_escape(result)))
    return out
