"""Sign-in, lock-out, password reset over real SMTP, two-factor, and the security headers."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client

from clientela.conftest import PASSWORD
from clientela.platform.models import User


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    """The throttle's counters live in the cache (the database's, in these tests)."""
    cache.clear()
    yield
    cache.clear()


def _login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(make_user):
    assert make_user().password.startswith("argon2$")


def test_login_and_logout(make_user):
    user = make_user()
    client = Client()
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_pages_need_a_login(db):
    response = Client().get("/accounts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/accounts/")


def test_lockout_after_repeated_failures_even_with_the_right_password(make_user, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = make_user()
    client = Client()
    for _ in range(3):
        assert _login(client, user.username, "wrong").status_code == 200
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_user_name(make_user, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    victim, bystander = make_user(), make_user()
    for _ in range(2):
        _login(Client(), victim.username, "wrong")
    assert _login(Client(), bystander.username, PASSWORD).status_code == 302


def test_password_reset_mail_over_real_smtp(make_user, smtp_server):
    user = make_user()
    response = Client().post("/password-reset/", {"email": user.email})
    assert response.status_code == 302
    deadline = time.monotonic() + 10
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == user.email
    body = message.get_payload(decode=True).decode()
    link = re.search(r"http://[^/]+(/password-reset/[^/\s]+/[^/\s]+/)", body).group(1)

    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "A-brand-new-secret-9", "new_password2": "A-brand-new-secret-9"},
    )
    assert done.status_code == 302
    assert User.objects.get(pk=user.pk).check_password("A-brand-new-secret-9")


def test_password_reset_for_unknown_address_sends_nothing(db, smtp_server):
    response = Client().post("/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    time.sleep(0.2)
    assert smtp_server.messages == []


def _enable_totp(user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    User.objects.filter(pk=user.pk).update(totp_secret=secret, totp_enabled=True)
    return pyotp.TOTP(secret)


def test_two_factor_login_needs_a_valid_code(make_user):
    user = make_user()
    totp = _enable_totp(user)
    client = Client()
    response = _login(client, user.username, PASSWORD)
    assert response["Location"] == "/login/verify/"
    assert "_auth_user_id" not in client.session
    bad = client.post("/login/verify/", {"code": "000000" if totp.now() != "000000" else "111111"})
    assert bad.status_code == 200 and "_auth_user_id" not in client.session
    good = client.post("/login/verify/", {"code": totp.now()})
    assert good.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_two_factor_code_cannot_be_replayed(make_user):
    user = make_user()
    totp = _enable_totp(user)
    code = totp.now()
    first = Client()
    _login(first, user.username, PASSWORD)
    assert first.post("/login/verify/", {"code": code}).status_code == 302
    second = Client()
    _login(second, user.username, PASSWORD)
    assert second.post("/login/verify/", {"code": code}).status_code == 200
    assert "_auth_user_id" not in second.session


def test_verify_page_without_a_password_step_goes_back_to_login(db):
    response = Client().get("/login/verify/")
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_enable_two_factor_from_the_account_page(make_user, logged_in):
    user = make_user()
    browser = logged_in(user)
    page = browser.get("/account/two-factor/").content.decode()
    secret = re.search(r'class="secret-key">([A-Z2-7]+)<', page).group(1)
    assert browser.post("/account/two-factor/", {"code": "12"}).status_code == 200
    assert (
        browser.post("/account/two-factor/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    )
    user.refresh_from_db()
    assert user.totp_enabled and user.totp_secret == secret


def test_security_headers(make_user, logged_in):
    response = logged_in(make_user()).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(make_user):
    user = make_user()
    client = Client()
    response = _login(client, user.username, PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_login_form_needs_csrf(make_user):
    user = make_user()
    response = Client(enforce_csrf_checks=True).post(
        "/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 403


def test_pages_contain_no_inline_scripts(make_user, logged_in):
    for path in ("/", "/accounts/", "/account/tokens/", "/login/"):
        html = logged_in(make_user("administrator")).get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path, tag)
