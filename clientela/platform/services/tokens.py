"""Personal API tokens: shown once, stored as a SHA-256 digest, revocable, optionally read-only.

Tokens are 256-bit random values, so a fast digest is enough (no password-style stretching);
the prefix lets us find the row without comparing every digest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import audit
from clientela.platform.errors import NotFound, ValidationFailed
from clientela.platform.models import ApiToken, User
from clientela.platform.services.notifications import notification_create

TOKEN_PREFIX = "clt_"  # noqa: S105 (a marker, not a secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def token_create(
    *, actor: User, name: str, read_only: bool = False, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for the actor; returns the row and the only copy of the secret."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Enter a name of 1 to 100 characters.")]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if errors:
        raise ValidationFailed(errors=errors)
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=prefix,
            digest=_digest(secret),
            read_only=read_only,
            expires_at=expires_at,
        )
        notification_create(
            user=actor,
            title=_("A new API token “%(name)s” was created for your account.") % {"name": name},
            body=_("If you did not create it, revoke it now and change your password."),
            url="/account/tokens/",
        )
        audit.record(
            actor=actor,
            action="create",
            obj=token,
            changes=audit.diff(
                {}, audit.snapshot(token, ["name", "prefix", "read_only", "expires_at"])
            ),
        )
    return token, secret


def token_revoke(*, actor: User, token_id: Any) -> ApiToken:
    try:
        token = ApiToken.objects.get(pk=token_id, user=actor, revoked_at__isnull=True)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="update",
            obj=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        )
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The live token for ``secret``, or None; compares digests in constant time."""
    if not secret.startswith(TOKEN_PREFIX) or secret.count("_") < 2:
        return None
    prefix = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user", "user__role").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    now = timezone.now()
    if (
        token.revoked_at
        or (token.expires_at and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
