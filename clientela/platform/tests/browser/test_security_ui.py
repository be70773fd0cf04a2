"""Security in a real browser: the CSP watch itself, two-factor sign-in, API tokens."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyotp
import pytest
from playwright.sync_api import Dialog, Page, Playwright, expect

from clientela.platform.models import ApiToken, User

if TYPE_CHECKING:
    from clientela.platform.tests.browser.conftest import BrowserProblems

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]
SignOut = Callable[[Page], None]
Url = Callable[[str], str]
CODE_REFUSED = "This code is not valid. Try the next one."


def test_an_inline_script_is_blocked_and_reported(
    page: Page, browser_problems: BrowserProblems
) -> None:
    """The watch every browser test relies on: an injected inline script breaks the CSP."""
    page.goto("/login/")

    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
    }""")
    page.wait_for_timeout(200)

    assert page.evaluate("window.injected === undefined")
    assert any(p.startswith("CSP violation: script-src") for p in browser_problems.seen)
    browser_problems.allow("script-src|inline script")


def other_code(totp: pyotp.TOTP) -> str:
    """A six-digit code valid in no time step near now."""
    near = {totp.at(time.time() + 30 * k) for k in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 999999, 7919)) if c not in near)


def send_code(page: Page, code: str, button: str) -> None:
    page.fill("input[name=code]", code)
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def test_two_factor_turned_on_then_required_at_sign_in(
    page: Page, make_user: Callable[..., User], sign_in: SignIn, sign_out: SignOut, url: Url
) -> None:
    user = make_user("sales-rep", username="rita")
    sign_in(page, "rita")
    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Two-factor authentication").click()
    secret = page.locator("code.secret-key").inner_text()
    totp = pyotp.TOTP(secret)
    enabling_code = totp.now()

    send_code(page, enabling_code, "Turn on")

    expect(page).to_have_url(url("/account/"))
    expect(page.locator(".message-success")).to_have_text("Two-factor authentication is on.")
    user.refresh_from_db()
    assert user.totp_enabled and user.totp_secret == secret

    sign_out(page)
    sign_in(page, "rita")
    expect(page).to_have_url(url("/login/verify/"))
    expect(page.locator("#nav")).to_have_count(0)

    send_code(page, other_code(totp), "Verify")
    expect(page).to_have_url(url("/login/verify/"))
    expect(page.locator(".field.has-error .error")).to_have_text(CODE_REFUSED)

    send_code(page, enabling_code, "Verify")  # a code already used is not taken twice
    expect(page.locator(".field.has-error .error")).to_have_text(CODE_REFUSED)
    page.goto("/")
    expect(page).to_have_url(url("/login/?next=/"))

    # The next time step's code: the server allows one step of clock drift either way.
    sign_in(page, "rita")
    send_code(page, totp.at(time.time() + 30), "Verify")

    expect(page).to_have_url(url("/"))
    expect(page.locator(".user-menu summary")).to_have_text(user.display_name)


def test_api_token_made_in_the_ui_works_until_revoked(
    page: Page,
    playwright: Playwright,
    live_server: Any,
    make_user: Callable[..., User],
    sign_in: SignIn,
) -> None:
    make_user("sales-rep", username="tomas")
    sign_in(page, "tomas")
    page.goto("/account/tokens/")
    page.fill("input[name=name]", "nightly export")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").input_value()
    # A context of its own: no session cookie, only the token speaks for the caller.
    api = playwright.request.new_context(base_url=live_server.url)
    auth = {"Authorization": f"Bearer {secret}"}

    me = api.get("/api/v1/me", headers=auth)

    assert me.status == 200
    assert me.json()["username"] == "tomas"

    page.goto("/account/tokens/")
    expect(page.locator("#new-token")).to_have_count(0)  # shown once only
    row = page.locator("tbody tr", has_text="nightly export")
    expect(row).to_contain_text("Active")

    dialogs: list[str] = []

    def answer(accept: bool) -> Callable[[Dialog], None]:
        def handle(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return handle

    page.once("dialog", answer(accept=False))
    row.get_by_role("button", name="Revoke").click()
    page.wait_for_timeout(300)  # time enough for a form post that should not happen
    assert dialogs == ["Revoke this token? Scripts using it will stop working."]
    expect(page.locator(".message-success")).to_have_count(0)
    assert ApiToken.objects.get(name="nightly export").revoked_at is None
    assert api.get("/api/v1/me", headers=auth).status == 200

    page.once("dialog", answer(accept=True))
    row.get_by_role("button", name="Revoke").click()

    expect(page.locator(".message-success")).to_have_text("The token “nightly export” was revoked.")
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    assert ApiToken.objects.get(name="nightly export").revoked_at is not None
    assert api.get("/api/v1/me", headers=auth).status == 401
    api.dispose()
