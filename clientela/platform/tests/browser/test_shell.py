"""The shell in a real browser: sign-in, navigation, language, keyboard use, phone width."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from clientela.conf import REPO_ROOT
from clientela.customers.services import account_create, contact_create
from clientela.platform.models import User
from clientela.platform.services.notifications import notification_create

pytestmark = pytest.mark.browser

NAV = [
    "Dashboard",
    "Accounts",
    "Contacts",
    "Leads",
    "Pipeline",
    "Activities",
    "Marketing",
    "Service",
    "Contact center",
    "Reports",
    "Settings",
]
UNBUILT = {
    "Marketing": "/marketing/",
    "Contact center": "/contact-center/",
}
BUILT = {"Pipeline": "/sales/", "Service": "/service/", "Reports": "/reports/"}
SignIn = Callable[..., None]
SignOut = Callable[[Page], None]
Url = Callable[[str], str]


def nav_in(language: str) -> list[str]:
    """The nav labels as the catalogue has them (English wherever pt-BR is still missing)."""
    with translation.override(language):
        return [translation.gettext(label) for label in NAV]


def figure(page: Page, label: str) -> str:
    box = page.locator(".figure").filter(
        has=page.locator(".figure-label").get_by_text(label, exact=True)
    )
    return box.locator(".figure-value").inner_text()


def test_admin_signs_in_walks_every_section_and_logs_out(
    page: Page, admin_user: User, sign_in: SignIn, sign_out: SignOut, url: Url
) -> None:
    account_create(actor=admin_user, values={"name": "Padaria Estrela"})
    account_create(actor=admin_user, values={"name": "Oficina Rápida"})

    sign_in(page, "admin")

    expect(page).to_have_url(url("/"))
    expect(page.locator("#nav a")).to_have_text(NAV)
    expect(page.locator(".figure")).to_have_count(3)
    assert figure(page, "Accounts") == "2"
    assert figure(page, "Contacts") == "0"
    assert figure(page, "My accounts") == "2"

    for label, path in UNBUILT.items():
        page.locator("#nav").get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(url(path))
        expect(page.locator("main h1")).to_have_text(label)
        expect(page.locator(".empty-state .empty-title")).to_have_text("Coming soon")
        expect(page.locator(f"#nav a[href='{path}']")).to_have_attribute("aria-current", "page")
    for label, path in BUILT.items():
        page.locator("#nav").get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(url(path))
        expect(page.get_by_text("Coming soon")).to_have_count(0)
        expect(page.locator(f"#nav a[href='{path}']")).to_have_attribute("aria-current", "page")

    sign_out(page)

    expect(page).to_have_url(url("/login/"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(url("/login/?next=/"))


def test_wrong_password_shows_an_error_and_stays_on_login(
    page: Page, admin_user: User, sign_in: SignIn, url: Url
) -> None:
    sign_in(page, "admin", "not-the-password")

    expect(page).to_have_url(url("/login/"))
    expect(page.locator(".form-errors[role=alert]")).to_contain_text(
        "Please enter a correct username and password"
    )
    expect(page.locator("#nav")).to_have_count(0)


def test_language_switch_is_kept_on_the_user(
    open_page: Callable[..., Page], admin_user: User, sign_in: SignIn, sign_out: SignOut, url: Url
) -> None:
    page = open_page()
    sign_in(page, "admin")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.select_option("#lang-select", "pt-br")

    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    expect(page.locator("#lang-select")).to_have_value("pt-br")
    expect(page).to_have_url(url("/"))
    expect(page.locator("#nav a")).to_have_text(nav_in("pt-br"))
    admin_user.refresh_from_db()
    assert admin_user.language == "pt-br"

    # Another browser (no language cookie) gets Portuguese back from the user's own setting.
    sign_out(page)
    elsewhere = open_page()
    sign_in(elsewhere, "admin")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "pt-br")
    expect(elsewhere.locator("#lang-select")).to_have_value("pt-br")

    elsewhere.locator("#nav a[href='/accounts/']").click()
    elsewhere.wait_for_load_state()  # app.js wires the select up once the page has loaded
    elsewhere.select_option("#lang-select", "en")

    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
    expect(elsewhere.locator("#lang-select")).to_have_value("en")
    expect(elsewhere).to_have_url(url("/accounts/"))
    expect(elsewhere.locator("#nav a")).to_have_text(NAV)
    admin_user.refresh_from_db()
    assert admin_user.language == "en"
    sign_out(elsewhere)
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    page: Page, admin_user: User, sign_in: SignIn, url: Url
) -> None:
    sign_in(page, "admin")
    page.goto("/accounts/")

    page.keyboard.press("Tab")

    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to content")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # on screen once focused

    page.keyboard.press("Enter")

    expect(page.locator("#main")).to_be_focused()
    expect(page).to_have_url(url("/accounts/#main"))


def test_phone_width_hides_the_nav_behind_the_menu_button(
    open_page: Callable[..., Page], admin_user: User, sign_in: SignIn, url: Url
) -> None:
    page = open_page(viewport={"width": 375, "height": 740})
    sign_in(page, "admin")
    nav = page.locator("#nav")
    toggle = page.locator("button.nav-toggle")
    expect(nav).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.documentElement.scrollWidth") == 375  # no sideways scroll

    toggle.click()

    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(toggle).to_be_focused()

    toggle.click()
    nav.get_by_role("link", name="Accounts", exact=True).click()

    expect(page).to_have_url(url("/accounts/"))
    expect(nav).to_be_hidden()


@pytest.mark.skipif(
    os.environ.get("CLIENTELA_SCREENSHOT") != "1",
    reason="writes docs/screenshot.png only with CLIENTELA_SCREENSHOT=1",
)
def test_readme_screenshot(page: Page, admin_user: User, sign_in: SignIn) -> None:
    admin_user.first_name, admin_user.last_name = "Ana", "Souza"
    admin_user.save(update_fields=["first_name", "last_name"])
    for name in ["Padaria Estrela", "Oficina Rápida", "Mercado Bom Preço", "Clínica Sorriso"]:
        account = account_create(actor=admin_user, values={"name": name})
        if name != "Clínica Sorriso":
            contact_create(
                actor=admin_user,
                values={"first_name": "Maria", "last_name": "Silva", "account": account.pk},
            )
    notification_create(user=admin_user, title="Welcome to Clientela")
    notification_create(user=admin_user, title="Your accounts are ready")

    sign_in(page, "admin")
    expect(page.locator(".figure")).to_have_count(3)

    target = REPO_ROOT / "docs" / "screenshot.png"
    target.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
