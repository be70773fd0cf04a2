"""The plugin API's contract: the list with what each plugin adds, the switches (audited,
seen by the registry at once), administrators only, unknown names 404."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from clientela.platform import plugins
from clientela.platform.models import AuditEntry, PluginState, User


@pytest.fixture(autouse=True)
def _fresh_switches() -> Iterator[None]:
    plugins.forget()
    yield
    plugins.forget()


@pytest.fixture
def api(api_as: Callable[..., Any], admin_user: User) -> Any:
    return api_as(admin_user)


def erp(listed: list[dict[str, Any]]) -> dict[str, Any]:
    return next(p for p in listed if p["name"] == "erp_bridge")


def test_plugins_are_listed_with_what_they_add(api: Any) -> None:
    answer = api.get("/api/v1/plugins")

    assert answer.status_code == 200
    found = erp(answer.json())
    assert {k: v for k, v in found.items() if k != "contributions"} == {
        "name": "erp_bridge",
        "label": "ERP bridge",
        "version": "0.1.0",
        "description": "Sends confirmed orders and customer master data to your ERP as JSON "
        "documents, by signed HTTP POST or into a drop folder.",
        "distribution": "clientela-erp-bridge",
        "installed": True,
        "error": "",
        "enabled": False,
        "changed_by": "",
        "changed_at": None,
    }
    assert [(c["kind"], c["key"], c["label"]) for c in found["contributions"]] == [
        ("rule_action", "erp_bridge.send", "Send to the ERP"),
        ("subscription", "sales.order.confirmed", "sales.order.confirmed"),
        ("subscription", "customers.account.created", "customers.account.created"),
        ("subscription", "customers.account.updated", "customers.account.updated"),
    ]
    assert found["contributions"][0]["kind_label"] == "Rule action"


def test_enable_then_disable(api: Any, admin_user: User) -> None:
    enabled = api.post("/api/v1/plugins/erp_bridge/enable")

    assert enabled.status_code == 200, enabled.content
    assert (enabled.json()["enabled"], enabled.json()["changed_by"]) == (True, "admin")
    assert enabled.json()["changed_at"] is not None
    assert plugins.is_enabled("erp_bridge") is True
    assert erp(api.get("/api/v1/plugins").json())["enabled"] is True

    disabled = api.post("/api/v1/plugins/erp_bridge/disable")

    assert disabled.status_code == 200
    assert disabled.json()["enabled"] is False
    assert plugins.is_enabled("erp_bridge") is False
    changes = list(
        AuditEntry.objects.filter(object_type=plugins.KEY)
        .order_by("seq")
        .values_list("changes", flat=True)
    )
    assert changes == [{"enabled": [False, True]}, {"enabled": [True, False]}]


def test_non_administrators_are_refused(api_as: Callable[..., Any], make_user: Any) -> None:
    manager = api_as(make_user("sales-manager"))

    listed = manager.get("/api/v1/plugins")
    switched = manager.post("/api/v1/plugins/erp_bridge/enable")

    assert (listed.status_code, listed.json()["code"]) == (403, "permission_denied")
    assert (switched.status_code, switched.json()["code"]) == (403, "permission_denied")
    assert switched["Content-Type"] == "application/problem+json"
    assert not PluginState.objects.exists()
    assert plugins.is_enabled("erp_bridge") is False


def test_an_unknown_plugin_is_not_found(api: Any) -> None:
    for path in ("/api/v1/plugins/nothing_here/enable", "/api/v1/plugins/nothing_here/disable"):
        answer = api.post(path)
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert not PluginState.objects.exists()


def test_a_plugin_that_did_not_load_cannot_be_enabled(api: Any) -> None:
    PluginState.objects.create(name="removed_plugin", enabled=False)

    answer = api.post("/api/v1/plugins/removed_plugin/enable")

    assert (answer.status_code, answer.json()["code"]) == (409, "plugin_not_loaded")
    assert PluginState.objects.get(name="removed_plugin").enabled is False


def test_a_read_only_token_cannot_switch(api_as: Callable[..., Any], admin_user: User) -> None:
    reader = api_as(admin_user, read_only=True)

    assert reader.get("/api/v1/plugins").status_code == 200
    answer = reader.post("/api/v1/plugins/erp_bridge/enable")

    assert answer.status_code == 403
    assert not PluginState.objects.exists()
