"""Settings → Plugins in a real browser: an administrator finds the page from Settings, switches
the ERP bridge on and off, and reads the confirmations (no console error, no CSP violation)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from clientela.platform import plugins
from clientela.platform.models import PluginState, User

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_switches() -> Iterator[None]:
    plugins.forget()
    yield
    plugins.forget()


def test_an_administrator_switches_the_erp_bridge_on_and_off(
    page: Page, admin_user: User, sign_in: Callable[..., None]
) -> None:
    sign_in(page, admin_user.username)
    page.goto("/settings/")
    page.get_by_role("link", name="Plugins").click()

    row = page.locator('tr[data-plugin="erp_bridge"]')
    expect(row).to_contain_text("ERP bridge")
    expect(row).to_contain_text("Rule action: Send to the ERP")
    expect(row.locator(".status-badge")).to_have_text("Off")

    row.get_by_role("button", name="Switch on").click()

    expect(page.get_by_role("status")).to_contain_text("ERP bridge is switched on.")
    expect(row.locator(".status-badge")).to_have_text("On")
    assert PluginState.objects.get(name="erp_bridge").enabled is True
    if os.environ.get("CLIENTELA_SCREENSHOTS"):
        page.screenshot(path=os.environ["CLIENTELA_SCREENSHOTS"], full_page=True)

    row.get_by_role("button", name="Switch off").click()

    expect(page.get_by_role("status")).to_contain_text("ERP bridge is switched off.")
    expect(row.locator(".status-badge")).to_have_text("Off")
    assert PluginState.objects.get(name="erp_bridge").enabled is False
