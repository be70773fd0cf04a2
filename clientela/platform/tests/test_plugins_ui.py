"""Settings → Plugins through the Django client: the list with what each plugin adds and its
load errors, the empty state, switching with a CSRF-checked POST and a confirmation, and the
page being for administrators only."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client

from clientela.platform import plugins
from clientela.platform.models import PluginState, User

PAGE = "/settings/plugins/"
SWITCH = "/settings/plugins/erp_bridge/switch/"


@pytest.fixture(autouse=True)
def _fresh_switches() -> Iterator[None]:
    plugins.forget()
    yield
    plugins.forget()


@pytest.fixture
def browser(admin_user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    return client


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


def row(page: str, name: str) -> str:
    found = re.search(rf'<tr data-plugin="{name}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {name}"
    return found.group(1)


def test_the_page_lists_the_installed_plugin_and_what_it_adds(browser: Client) -> None:
    page = browser.get(PAGE).content.decode()

    erp = row(page, "erp_bridge")
    assert "<strong>ERP bridge</strong> <code>erp_bridge</code>" in erp
    assert "<td>0.1.0</td>" in erp
    assert "Rule action: Send to the ERP <code>erp_bridge.send</code>" in erp
    assert "Event subscription: sales.order.confirmed" in erp
    assert "Event subscription: customers.account.updated" in erp
    assert '<span class="status-badge off">Off</span>' in erp
    assert f'action="{SWITCH}"' in erp
    assert '<input type="hidden" name="enabled" value="1">' in erp
    assert "Did not load" not in erp


def test_switching_on_and_off_with_confirmations(browser: Client, admin_user: User) -> None:
    token = csrf_token(browser.get(PAGE).content.decode())

    on = browser.post(SWITCH, {"enabled": "1", "csrfmiddlewaretoken": token}, follow=True)

    assert on.redirect_chain == [(PAGE, 302)]
    page = on.content.decode()
    assert "ERP bridge is switched on." in page
    assert '<span class="status-badge on">On</span>' in row(page, "erp_bridge")
    assert "by admin," in row(page, "erp_bridge")
    assert PluginState.objects.get(name="erp_bridge").enabled is True
    assert plugins.is_enabled("erp_bridge")

    off = browser.post(SWITCH, {"enabled": "0", "csrfmiddlewaretoken": token}, follow=True)

    assert "ERP bridge is switched off." in off.content.decode()
    assert PluginState.objects.get(name="erp_bridge").enabled is False
    assert not plugins.is_enabled("erp_bridge")


def test_a_switch_without_the_csrf_token_is_refused(browser: Client) -> None:
    answer = browser.post(SWITCH, {"enabled": "1"})

    assert answer.status_code == 403
    assert not PluginState.objects.exists()


def test_the_switch_takes_only_a_post(browser: Client) -> None:
    assert browser.get(SWITCH).status_code == 405


def test_a_plugin_that_did_not_load_shows_its_error_and_no_switch(
    browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = plugins.LoadedPlugin(
        name="broken_plugin",
        entry_point="broken_module:plugin",
        distribution="broken-plugin",
        version="2.0",
        error="ModuleNotFoundError: No module named 'broken_module'",
    )
    monkeypatch.setitem(plugins._plugins, "broken_plugin", broken)

    page = browser.get(PAGE).content.decode()

    shown = row(page, "broken_plugin")
    assert "Did not load: <code>ModuleNotFoundError: No module named &#x27;broken_module&#x27;" in (
        shown
    )
    assert "switch/" not in shown
    token = csrf_token(page)
    answer = browser.post(
        "/settings/plugins/broken_plugin/switch/",
        {"enabled": "1", "csrfmiddlewaretoken": token},
        follow=True,
    )
    assert "This plugin did not load, so it cannot be switched on" in answer.content.decode()
    assert not PluginState.objects.exists()


def test_the_empty_state_when_no_plugin_is_installed(
    browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plugins, "_plugins", {})

    page = browser.get(PAGE).content.decode()

    assert "No plugins are installed." in page
    assert "<table" not in page


def test_the_settings_index_links_to_the_page(browser: Client) -> None:
    page = browser.get("/settings/").content.decode()
    assert f'<a class="card" href="{PAGE}"><strong>Plugins</strong>' in page


def test_the_pages_are_for_administrators(make_user) -> None:
    client = Client()
    client.force_login(make_user("sales-manager"))

    assert client.get(PAGE).status_code == 403
    assert client.post(SWITCH, {"enabled": "1"}).status_code == 403
    assert not PluginState.objects.exists()
