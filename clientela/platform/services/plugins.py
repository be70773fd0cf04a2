"""Installed plugins and their switches. Administrators only.

A plugin is off until it is switched on here; the switch is audited and reaches every web and
worker process within a few seconds (``plugins.LOCAL_TTL``) without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions, plugins
from clientela.platform.errors import Conflict, NotFound, PermissionDenied
from clientela.platform.models import PluginState, User

KEY = plugins.KEY


def require_admin(actor: User, action: str) -> None:
    """Plugins run code with the company's data: administrators only, with the right on the
    record type."""
    if not actor.is_administrator:
        raise PermissionDenied()
    permissions.require(actor, KEY, action)


@dataclass(frozen=True)
class PluginInfo:
    """A plugin as the settings page and the API show it."""

    name: str
    label: str
    version: str
    description: str
    distribution: str
    installed: bool  # False: a switch is left for a plugin that is no longer installed
    error: str  # why it did not load, or ""
    enabled: bool
    changed_by: str
    changed_at: datetime | None
    contributions: list[dict[str, str]] = field(default_factory=list)


def _info(found: plugins.LoadedPlugin | None, state: PluginState | None, name: str) -> PluginInfo:
    changed_by = state.changed_by.get_username() if state and state.changed_by else ""
    return PluginInfo(
        name=name,
        label=str(found.label or name) if found else name,
        version=found.version if found else "",
        description=str(found.description) if found else "",
        distribution=found.distribution if found else "",
        installed=found is not None,
        error=found.error if found else _("Not installed any more."),
        enabled=bool(state and state.enabled),
        changed_by=changed_by,
        changed_at=state.changed_at if state else None,
        contributions=[
            {"kind": c.kind, "kind_label": str(plugins.KINDS[c.kind]), "key": c.key}
            | {"label": str(c.label)}
            for c in (found.contributions if found else [])
        ],
    )


def plugin_list(actor: User) -> list[PluginInfo]:
    """Installed plugins, and switches left for plugins no longer installed, by name."""
    require_admin(actor, "view")
    states = {s.name: s for s in PluginState.objects.select_related("changed_by")}
    found = {p.name: p for p in plugins.installed()}
    return [_info(found.get(n), states.get(n), n) for n in sorted(found.keys() | states.keys())]


def plugin_get(actor: User, name: Any) -> PluginInfo:
    require_admin(actor, "view")
    name = str(name)
    found = plugins.get(name)
    state = PluginState.objects.select_related("changed_by").filter(name=name).first()
    if found is None and state is None:
        raise NotFound()
    return _info(found, state, name)


def plugin_set_enabled(*, actor: User, name: Any, enabled: bool) -> PluginInfo:
    """Switch a plugin on or off for every process. A plugin that did not load (or is gone)
    can be switched off, never on."""
    current = plugin_get(actor, name)
    require_admin(actor, "edit")
    if enabled and (not current.installed or current.error):
        raise Conflict(
            _("This plugin did not load, so it cannot be switched on: %(error)s")
            % {"error": current.error},
            code="plugin_not_loaded",
        )
    with transaction.atomic():
        state, _created = PluginState.objects.select_for_update().get_or_create(name=current.name)
        if state.enabled != enabled:
            before = state.enabled
            state.enabled, state.changed_by = enabled, actor
            state.save()
            changes = {"enabled": [before, enabled]}
            audit.record(actor=actor, action="update", obj=state, changes=changes)
            plugins.forget()
            transaction.on_commit(plugins.changed)
    return plugin_get(actor, current.name)
