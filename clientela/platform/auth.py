"""Login throttling and TOTP checks.

Failures are counted per user name and per client address in the cache (Redis when
configured, so every app server sees the same counts); past the limit, logins for that name or
address are refused until the lock-out expires, even with the right password.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import pyotp
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from clientela.platform.models import User


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _keys(username: str, ip: str) -> list[str]:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{name}", f"login-fail:ip:{ip}"]


def login_blocked(username: str, ip: str) -> bool:
    user_key, ip_key = _keys(username, ip)
    limit = settings.LOGIN_FAILURE_LIMIT
    # An address gets more room than a name: an office shares one address.
    return (cache.get(user_key, 0) >= limit) or (cache.get(ip_key, 0) >= limit * 4)


def login_failed(username: str, ip: str) -> None:
    for key in _keys(username, ip):
        cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


def login_succeeded(username: str, ip: str) -> None:
    cache.delete(_keys(username, ip)[0])


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email or user.username, issuer_name="Clientela"
    )


def totp_matching_step(secret: str, code: str, last_step: int = 0) -> int | None:
    """The time step ``code`` belongs to (±1 step of clock drift), or None.

    A step at or before ``last_step`` is refused, so a code cannot be replayed.
    """
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(datetime.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if step > last_step and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
