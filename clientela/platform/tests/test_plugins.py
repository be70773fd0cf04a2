"""Plugins: discovery through real entry points, broken plugins listed with their errors, the
switches (audited, administrators only, seen by other processes through the versioned cache),
and a switched-off plugin's handlers and rule actions left out.

Test plugins are real distributions: a ``.dist-info`` folder with ``entry_points.txt`` and a
module, put on ``sys.path`` for the test, found by ``importlib.metadata`` like an installed one.
"""

from __future__ import annotations

import copy
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clientela.customers.services.accounts import account_create
from clientela.platform import plugins
from clientela.platform.errors import Conflict, NotFound, PermissionDenied
from clientela.platform.models import AuditEntry, PluginState, User
from clientela.platform.rules import registry as rules
from clientela.platform.rules.editor import offered_actions
from clientela.platform.services.plugins import plugin_get, plugin_list, plugin_set_enabled

MODULE = "clientela_test_plugins"
ENTRY_POINTS = f"""\
[clientela.plugins]
good_plugin = {MODULE}:make_good
broken_setup = {MODULE}:broken
broken_import = clientela_test_no_such_module:plugin
not_a_plugin = {MODULE}:NOT_A_PLUGIN
misnamed = {MODULE}:misnamed
"""
SOURCE = """
from pydantic import BaseModel

from clientela.platform.plugins import DASHBOARD_WIDGET, KPI, Plugin
from clientela.platform.rules.registry import ActionType

CALLS = []
NOT_A_PLUGIN = 42


class NoParams(BaseModel):
    pass


def act(call):
    CALLS.append(("act", call.object_type))
    return {}


def action(key):
    return ActionType(key=key, label="Act", params=NoParams, run=act, describe=lambda c: "Act")


def on_account(event):
    CALLS.append((event.name, event.payload["id"]))


def good_setup(context):
    context.add_rule_action(action("good_plugin.act"))
    context.subscribe("customers.account.created", on_account)
    context.provide(KPI, "good_plugin.margin", {"formula": "revenue - cost"}, "Margin")
    context.provide(DASHBOARD_WIDGET, "good_plugin.top", {"size": 2}, "Top accounts")


def make_good():
    return Plugin(name="good_plugin", setup=good_setup, label="Good", description="Tests.")


def broken_setup(context):
    context.add_rule_action(action("broken_setup.act"))
    context.subscribe("customers.account.created", on_account)
    raise RuntimeError("the license server is unreachable")


broken = Plugin(name="broken_setup", setup=broken_setup)
misnamed = Plugin(name="other_name", setup=good_setup)
"""


@pytest.fixture(autouse=True)
def _fresh_switches() -> Iterator[None]:
    """Switches are cached per process; a test's rolled-back rows must not leak through it."""
    plugins.forget()
    yield
    plugins.forget()


@pytest.fixture
def test_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Installs the test distribution, loads it, and takes it away afterwards."""
    dist = tmp_path / f"{MODULE}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: clientela-test-plugins\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    (tmp_path / f"{MODULE}.py").write_text(textwrap.dedent(SOURCE))
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(plugins._plugins)
    plugins.load()
    try:
        yield sys.modules[MODULE]
    finally:
        for name in set(plugins._plugins) - before:
            plugins.unload(name)
        sys.modules.pop(MODULE, None)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def new_account(admin: User, on_commit: Callable[..., Any], name: str = "Padaria") -> Any:
    with on_commit():
        return account_create(actor=admin, values={"name": name})


# --- discovery ------------------------------------------------------------------------------


def test_discovery_finds_the_erp_bridge_through_its_entry_point():
    found = {ep.name: ep for ep in plugins.discover()}
    assert found["erp_bridge"].value == "clientela_erp_bridge:plugin"
    assert found["erp_bridge"].dist is not None
    assert found["erp_bridge"].dist.name == "clientela-erp-bridge"

    loaded = plugins.get("erp_bridge")
    assert loaded is not None
    assert (loaded.error, loaded.version, loaded.distribution) == (
        "",
        "0.1.0",
        "clientela-erp-bridge",
    )
    assert str(loaded.label) == "ERP bridge"
    assert [(c.kind, c.key) for c in loaded.contributions] == [
        ("rule_action", "erp_bridge.send"),
        ("subscription", "sales.order.confirmed"),
        ("subscription", "customers.account.created"),
        ("subscription", "customers.account.updated"),
    ]
    assert rules.action_type("erp_bridge.send").plugin == "erp_bridge"


def test_broken_plugins_are_listed_with_their_error_and_leave_nothing_behind(
    test_plugins, admin_user
):
    errors = {p.name: p.error for p in plugin_list(admin_user)}
    assert errors["good_plugin"] == ""
    assert errors["erp_bridge"] == ""
    assert errors["broken_setup"] == "RuntimeError: the license server is unreachable"
    assert (
        errors["broken_import"]
        == "ModuleNotFoundError: No module named 'clientela_test_no_such_module'"
    )
    assert errors["not_a_plugin"] == f"PluginError: {MODULE}:NOT_A_PLUGIN is not a clientela Plugin"
    assert errors["misnamed"] == (
        "PluginError: the entry point is 'misnamed' but the plugin says 'other_name'"
    )
    # the failed setup's action and subscription never reached the shared registries
    assert "broken_setup.act" not in [a.key for a in rules.action_types()]
    assert plugins.get("broken_setup").contributions == []


def test_a_plugin_that_did_not_load_cannot_be_switched_on(test_plugins, admin_user):
    with pytest.raises(Conflict) as refused:
        plugin_set_enabled(actor=admin_user, name="broken_setup", enabled=True)
    assert refused.value.code == "plugin_not_loaded"
    assert not PluginState.objects.exists()
    assert not AuditEntry.objects.filter(object_type=plugins.KEY).exists()


def test_a_broken_plugin_switched_on_behind_the_apps_back_still_runs_nothing(
    test_plugins, admin_user, on_commit
):
    PluginState.objects.create(name="broken_setup", enabled=True)
    account = new_account(admin_user, on_commit)
    assert plugins.is_enabled("broken_setup")
    assert test_plugins.CALLS == []
    assert account.pk


# --- the switches ---------------------------------------------------------------------------


def test_enabling_is_audited_and_offers_what_the_plugin_adds(test_plugins, admin_user, on_commit):
    assert plugins.contributions(plugins.KPI) == []
    assert "good_plugin.act" not in [a.key for a in offered_actions("customers.account")]

    with on_commit():
        info = plugin_set_enabled(actor=admin_user, name="good_plugin", enabled=True)

    assert (info.name, info.enabled, info.changed_by) == ("good_plugin", True, "admin")
    state = PluginState.objects.get(name="good_plugin")
    assert (state.enabled, state.changed_by) == (True, admin_user)
    entry = AuditEntry.objects.get(object_type=plugins.KEY)
    assert (entry.action, entry.actor, entry.object_id) == ("update", admin_user, str(state.pk))
    assert entry.changes == {"enabled": [False, True]}
    assert [(c.key, c.obj) for c in plugins.contributions(plugins.KPI)] == [
        ("good_plugin.margin", {"formula": "revenue - cost"})
    ]
    assert [c.key for c in plugins.contributions(plugins.DASHBOARD_WIDGET)] == ["good_plugin.top"]
    assert "good_plugin.act" in [a.key for a in offered_actions("customers.account")]


def test_switching_to_the_same_state_changes_nothing(test_plugins, admin_user):
    info = plugin_set_enabled(actor=admin_user, name="good_plugin", enabled=False)
    assert info.enabled is False
    assert not AuditEntry.objects.filter(object_type=plugins.KEY).exists()


def test_a_switch_reaches_another_process_through_the_versioned_cache(
    test_plugins, admin_user, on_commit, monkeypatch
):
    monkeypatch.setattr(plugins, "LOCAL_TTL", 2.0)  # the suite trusts copies for ever
    # another process has read the switches: good_plugin is off there
    assert plugins.is_enabled("good_plugin") is False
    other = copy.copy(plugins._local)

    with on_commit():
        plugin_set_enabled(actor=admin_user, name="good_plugin", enabled=True)
    assert plugins.is_enabled("good_plugin") is True  # this process knows at once

    here = plugins._local
    plugins._local = other
    try:
        # within LOCAL_TTL the other process trusts its copy ...
        assert plugins.is_enabled("good_plugin") is False
        # ... then asks the shared cache, finds a new version and reads the rows again
        other.checked -= plugins.LOCAL_TTL + 1
        assert plugins.is_enabled("good_plugin") is True
    finally:
        plugins._local = here

    # a process starting afresh (its local copy cleared) reads the rows too
    plugins.forget()
    assert plugins.is_enabled("good_plugin") is True
    with on_commit():
        plugin_set_enabled(actor=admin_user, name="good_plugin", enabled=False)
    plugins.forget()
    assert plugins.is_enabled("good_plugin") is False


def test_a_switched_off_plugins_handlers_are_not_called(test_plugins, admin_user, on_commit):
    first = new_account(admin_user, on_commit, "Off")
    assert test_plugins.CALLS == []

    with on_commit():
        plugin_set_enabled(actor=admin_user, name="good_plugin", enabled=True)
    second = new_account(admin_user, on_commit, "On")
    calls = test_plugins.CALLS
    assert calls == [("customers.account.created", second.pk)]

    with on_commit():
        plugin_set_enabled(actor=admin_user, name="good_plugin", enabled=False)
    new_account(admin_user, on_commit, "Off again")
    assert calls == [("customers.account.created", second.pk)]
    assert first.pk != second.pk
    assert "good_plugin.act" not in [a.key for a in offered_actions("customers.account")]


# --- who may ---------------------------------------------------------------------------------


def test_only_administrators_list_or_switch_plugins(test_plugins, make_user):
    manager = make_user("sales-manager")
    with pytest.raises(PermissionDenied):
        plugin_list(manager)
    with pytest.raises(PermissionDenied):
        plugin_set_enabled(actor=manager, name="good_plugin", enabled=True)
    assert not PluginState.objects.exists()
    assert not AuditEntry.objects.filter(object_type=plugins.KEY).exists()
    assert plugins.is_enabled("good_plugin") is False


def test_an_unknown_plugin_is_not_found(admin_user):
    with pytest.raises(NotFound):
        plugin_set_enabled(actor=admin_user, name="no_such_plugin", enabled=True)
    with pytest.raises(NotFound):
        plugin_get(admin_user, "no_such_plugin")
    assert not PluginState.objects.exists()


def test_a_switch_left_for_a_removed_plugin_is_listed_and_can_be_switched_off(admin_user):
    PluginState.objects.create(name="removed_plugin", enabled=True)
    listed = {p.name: p for p in plugin_list(admin_user)}["removed_plugin"]
    assert (listed.installed, listed.enabled, listed.error) == (
        False,
        True,
        "Not installed any more.",
    )
    with pytest.raises(Conflict):
        plugin_set_enabled(actor=admin_user, name="removed_plugin", enabled=True)
    info = plugin_set_enabled(actor=admin_user, name="removed_plugin", enabled=False)
    assert info.enabled is False
    assert PluginState.objects.get(name="removed_plugin").enabled is False


def test_plugins_disabled_by_the_environment_are_not_loaded(monkeypatch):
    monkeypatch.setenv(plugins.DISABLED_ENV, "1")
    saved = dict(plugins._plugins)
    plugins._plugins.clear()
    try:
        plugins.connect()
        assert plugins.installed() == []
    finally:
        plugins._plugins.update(saved)
