"""Turning a user's TOTP second factor on and off; both need a valid code."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.platform import audit, auth
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User


def totp_enable(*, actor: User, secret: str, code: str) -> User:
    step = auth.totp_matching_step(secret, code)
    if step is None:
        raise ValidationFailed(errors={"code": [_("This code is not valid. Try the next one.")]})
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(
            totp_secret=secret, totp_enabled=True, totp_last_step=step
        )
        actor.totp_secret, actor.totp_enabled, actor.totp_last_step = secret, True, step
        audit.record(
            actor=actor, action="update", obj=actor, changes={"totp_enabled": [False, True]}
        )
    return actor


def totp_disable(*, actor: User, code: str) -> User:
    step = auth.totp_matching_step(actor.totp_secret, code, actor.totp_last_step)
    if step is None:
        raise ValidationFailed(errors={"code": [_("This code is not valid. Try the next one.")]})
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(
            totp_secret="", totp_enabled=False, totp_last_step=0
        )
        actor.totp_secret, actor.totp_enabled = "", False
        audit.record(
            actor=actor, action="update", obj=actor, changes={"totp_enabled": [True, False]}
        )
    return actor
