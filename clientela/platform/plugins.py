"""Plugins: installed Python packages that add services to Clientela through one registry.

A plugin is a distribution that declares an entry point in the group ``clientela.plugins``;
the entry point names a ``Plugin`` (or a callable that returns one). At start-up
(``PlatformConfig.ready``) each is imported and its ``setup(context)`` runs once. Through the
``PluginContext`` it adds rule actions, subscribes to domain events and provides services of
the other kinds (channel adapters, KPI definitions, import connectors, dashboard widgets) that
later apps read with ``contributions(kind)``.

Installing is not switching on: a plugin is off until an administrator enables it (a
``PluginState`` row). What a plugin adds is registered once, but offered and run only while it
is enabled; ``is_enabled`` answers from a versioned cache, so a switch reaches every web and
worker process within ``LOCAL_TTL`` seconds, without a restart. A plugin that fails to import
or to set up is listed with its error and never stops start-up. See
docs/decisions/0009-plugins.md.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

from clientela.platform import events, registry

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from clientela.platform.rules.registry import ActionType

logger = logging.getLogger(__name__)

GROUP = "clientela.plugins"
KEY = "platform.plugin"  # the record type: roles, the audit log
DISABLED_ENV = "CLIENTELA_PLUGINS_DISABLED"
LOCAL_TTL = 2.0  # seconds a process trusts its copy of the switches before asking again
VERSION_KEY = "clientela:plugins:version"
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,59}")

# What a plugin can contribute. Rule actions and event subscriptions have their own calls on
# the context; the other kinds go through ``provide`` and are read back with ``contributions``.
RULE_ACTION = "rule_action"
SUBSCRIPTION = "subscription"
CHANNEL_ADAPTER = "channel_adapter"
KPI = "kpi"
IMPORT_CONNECTOR = "import_connector"
DASHBOARD_WIDGET = "dashboard_widget"
KINDS: dict[str, Any] = {
    RULE_ACTION: _("Rule action"),
    SUBSCRIPTION: _("Event subscription"),
    CHANNEL_ADAPTER: _("Channel adapter"),
    KPI: _("KPI definition"),
    IMPORT_CONNECTOR: _("Import connector"),
    DASHBOARD_WIDGET: _("Dashboard widget"),
}


class PluginError(Exception):
    """A plugin that cannot be loaded as it is; the message is shown on the plugins page."""


@dataclass(frozen=True)
class Plugin:
    """What an entry point names. ``name`` must be the entry point's name."""

    name: str
    setup: Callable[[PluginContext], None]
    label: str | Promise = ""
    description: str | Promise = ""
    version: str = ""  # empty: the distribution's version


@dataclass(frozen=True)
class Contribution:
    kind: str
    key: str
    obj: Any
    label: str | Promise
    plugin: str


@dataclass
class LoadedPlugin:
    """An installed plugin as this process found it: loaded, or with the error that stopped it."""

    name: str
    entry_point: str  # "clientela_erp_bridge:plugin"
    distribution: str
    version: str
    label: str | Promise = ""
    description: str | Promise = ""
    error: str = ""
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


class PluginContext:
    """Handed to ``Plugin.setup``: collects what the plugin adds. Nothing reaches the shared
    registries until ``setup`` returned, so a plugin whose setup fails leaves nothing behind."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.contributions: list[Contribution] = []

    def _key(self, kind: str, key: str) -> str:
        if not key.startswith(f"{self.name}."):
            raise PluginError(f"the {kind} key {key!r} must start with {self.name + '.'!r}")
        if any(c.kind == kind and c.key == key for c in self.contributions):
            raise PluginError(f"the {kind} {key!r} is added twice")
        return key

    def add_rule_action(self, action: ActionType) -> None:
        """A rule action, offered to rules (and run) only while the plugin is enabled."""
        self._key(RULE_ACTION, action.key)
        owned = dataclasses.replace(action, plugin=self.name)
        self.contributions.append(
            Contribution(RULE_ACTION, action.key, owned, action.label, self.name)
        )

    def subscribe(self, event_name: str, handler: events.Handler) -> None:
        """``handler(event)`` after each matching commit, only while the plugin is enabled."""
        if not callable(handler):
            raise PluginError(f"the handler for {event_name!r} is not callable")
        self.contributions.append(
            Contribution(SUBSCRIPTION, event_name, handler, event_name, self.name)
        )

    def provide(self, kind: str, key: str, obj: Any, label: str | Promise = "") -> None:
        """A channel adapter, KPI definition, import connector or dashboard widget."""
        if kind not in KINDS or kind in (RULE_ACTION, SUBSCRIPTION):
            raise PluginError(f"unknown kind {kind!r}")
        self._key(kind, key)
        self.contributions.append(Contribution(kind, key, obj, label or key, self.name))


# --- the switches, cached per process --------------------------------------------------------


@dataclass
class _Local:
    version: str = ""
    checked: float = 0.0
    enabled: frozenset[str] | None = None


_local = _Local()


def _version() -> str:
    value = cache.get(VERSION_KEY)
    if value is None:
        value = str(time.time_ns())
        cache.add(VERSION_KEY, value, timeout=None)
        value = cache.get(VERSION_KEY) or value
    return str(value)


def enabled_names() -> frozenset[str]:
    """The names switched on, as every process sees them within ``LOCAL_TTL`` seconds."""
    try:
        now = time.monotonic()
        if now - _local.checked > LOCAL_TTL:
            current = _version()
            if current != _local.version:
                _local.enabled = None
                _local.version = current
            _local.checked = now
        if _local.enabled is None:
            from clientela.platform.models import PluginState

            rows = PluginState.objects.filter(enabled=True).values_list("name", flat=True)
            _local.enabled = frozenset(rows)
    except DatabaseError:
        # Tables not migrated yet (``migrate`` itself, ``check``): nothing is on.
        _local.checked = 0.0
        return frozenset()
    return _local.enabled


def is_enabled(name: str) -> bool:
    """Whether an administrator switched plugin ``name`` on (a plugin with no row is off)."""
    return name in enabled_names()


def changed() -> None:
    """Call after a switch changed: every process reads the switches again."""
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)
    forget()


def forget() -> None:
    """Drop this process's copy of the switches (the next question reads them again)."""
    _local.enabled = None
    _local.version = ""
    _local.checked = 0.0


# --- loading -----------------------------------------------------------------------------------

_plugins: dict[str, LoadedPlugin] = {}


def installed() -> list[LoadedPlugin]:
    """Every plugin this process found, loaded or not, by name."""
    return sorted(_plugins.values(), key=lambda p: p.name)


def get(name: str) -> LoadedPlugin | None:
    return _plugins.get(name)


def contributions(kind: str) -> list[Contribution]:
    """What enabled plugins contribute of ``kind``, by key (the one registry later apps read)."""
    on = enabled_names()
    found = [
        c
        for p in _plugins.values()
        if p.ok and p.name in on
        for c in p.contributions
        if c.kind == kind
    ]
    return sorted(found, key=lambda c: c.key)


def discover() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=GROUP), key=lambda ep: (ep.name, ep.value))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _instantiate(entry_point: metadata.EntryPoint) -> Plugin:
    obj = entry_point.load()
    if not isinstance(obj, Plugin) and callable(obj):
        obj = obj()
    if not isinstance(obj, Plugin):
        raise PluginError(f"{entry_point.value} is not a clientela Plugin")
    if obj.name != entry_point.name:
        raise PluginError(
            f"the entry point is {entry_point.name!r} but the plugin says {obj.name!r}"
        )
    return obj


def _load_one(entry_point: metadata.EntryPoint) -> LoadedPlugin:
    dist = entry_point.dist
    loaded = LoadedPlugin(
        name=entry_point.name,
        entry_point=entry_point.value,
        distribution=dist.name if dist is not None else "",
        version=dist.version if dist is not None else "",
    )
    try:
        if not NAME_RE.fullmatch(entry_point.name):
            raise PluginError("a plugin name has lower-case letters, digits and underscores")
        plugin = _instantiate(entry_point)
        loaded.label = plugin.label or plugin.name
        loaded.description = plugin.description
        loaded.version = plugin.version or loaded.version
        context = PluginContext(plugin.name)
        plugin.setup(context)
        _register(loaded, context.contributions)
    except Exception as exc:
        logger.exception("plugin %s (%s) did not load", entry_point.name, entry_point.value)
        loaded.error = _describe(exc)
        return loaded
    loaded.contributions = context.contributions
    return loaded


def _guarded(loaded: LoadedPlugin, handler: events.Handler) -> events.Handler:
    """The handler, called only while this very plugin is loaded here and switched on."""
    name = loaded.name

    def run(event: events.Event) -> None:
        if _plugins.get(name) is loaded and is_enabled(name):
            handler(event)

    run.__qualname__ = f"plugin {name}: {getattr(handler, '__qualname__', handler)!s}"
    return run


def _register(loaded: LoadedPlugin, added: list[Contribution]) -> None:
    """Put a plugin's rule actions and subscriptions into the shared registries, all or none."""
    from clientela.platform.rules import registry as rules

    actions = [c for c in added if c.kind == RULE_ACTION]
    done: list[str] = []
    try:
        for contribution in actions:
            rules.register_action(contribution.obj)
            done.append(contribution.key)
    except ValueError:
        for key in done:
            rules.unregister_action(key)
        raise
    for contribution in added:
        if contribution.kind == SUBSCRIPTION:
            events.subscribe(str(contribution.label), _guarded(loaded, contribution.obj))


def load() -> list[LoadedPlugin]:
    """Load every installed plugin not loaded yet (at start-up; again after an install, tests)."""
    for entry_point in discover():
        if entry_point.name in _plugins:
            if _plugins[entry_point.name].entry_point != entry_point.value:
                logger.error("two plugins are named %s; the second is ignored", entry_point.name)
            continue
        _plugins[entry_point.name] = _load_one(entry_point)
    return installed()


def unload(name: str) -> None:
    """Forget a plugin in this process: its actions go, its subscriptions stop (tests)."""
    from clientela.platform.rules import registry as rules

    plugin = _plugins.pop(name, None)
    for contribution in plugin.contributions if plugin else ():
        if contribution.kind == RULE_ACTION:
            rules.unregister_action(contribution.key)


def connect() -> None:
    """Called from ``PlatformConfig.ready()``: the record type, then the installed plugins
    (unless ``CLIENTELA_PLUGINS_DISABLED`` is set, for a start that must not run them)."""
    from clientela.platform.models import PluginState

    registry.register(
        registry.ObjectType(
            KEY, _("Plugins"), PluginState, "platform", owned=False, actions=("view", "edit")
        )
    )
    if os.environ.get(DISABLED_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        logger.info("plugins not loaded: %s is set", DISABLED_ENV)
        return
    load()
