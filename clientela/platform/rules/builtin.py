"""The platform's own rule actions: wait (the engine turns the rest into a later step) and an
in-app notification to the record's owner or to a user."""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import BaseModel, ConfigDict, Field, model_validator

from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User
from clientela.platform.rules import registry
from clientela.platform.rules.registry import ActionCall, ActionType
from clientela.platform.services.notifications import notification_create

MAX_WAIT_MINUTES = 366 * 24 * 60


class WaitParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: int = Field(ge=1, le=MAX_WAIT_MINUTES, title=gettext_noop("Minutes"))


def _wait_run(call: ActionCall) -> dict[str, Any]:
    raise RuntimeError("the engine handles platform.wait itself")


def _wait_describe(call: ActionCall) -> str:
    minutes = call.params.minutes  # type: ignore[attr-defined]
    return _("Wait %(n)d minutes, then go on") % {"n": minutes}


class NotifyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["owner", "user"] = Field("owner", title=gettext_noop("Who"))
    user: int | None = Field(None, title=gettext_noop("User"))
    title: str = Field(min_length=1, max_length=200, title=gettext_noop("Title"))
    body: str = Field(default="", max_length=2000, title=gettext_noop("Message"))

    @model_validator(mode="after")
    def _user_named(self) -> NotifyParams:
        if self.to == "user" and self.user is None:
            raise ValueError("name the user to notify")
        return self


def _recipient(call: ActionCall) -> User:
    params: NotifyParams = call.params  # type: ignore[assignment]
    user_id = params.user if params.to == "user" else getattr(call.record, "owner_id", None)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise ValidationFailed(errors={"to": [_("Nobody active to notify.")]})
    return user


def _texts(call: ActionCall, user: User) -> tuple[str, str]:
    """Title and body with their merge fields (``{{ owner.name }}``), in the reader's
    language."""
    params: NotifyParams = call.params  # type: ignore[assignment]
    try:
        from clientela.platform.rules import merge
    except ImportError:  # the merge fields come with the built-in actions
        return params.title, params.body
    with merge.speaking_to(user):
        title = merge.render_line(params.title, call.object_type, call.record)
        return title, merge.render(params.body, call.object_type, call.record)


def _notify_run(call: ActionCall) -> dict[str, Any]:
    user = _recipient(call)
    title, body = _texts(call, user)
    url = ""
    if call.record is not None:
        url = registry.target(call.object_type).url(call.record)
    notification = notification_create(user=user, title=title, body=body, url=url)
    return {"notification": notification.pk, "user": user.pk}


def _notify_describe(call: ActionCall) -> str:
    user = _recipient(call)
    title, _body = _texts(call, user)
    return _("Notify %(user)s: %(title)s") % {"user": user.display_name, "title": title}


WAIT = ActionType(
    key="platform.wait",
    label=gettext_lazy("Wait, then go on"),
    params=WaitParams,
    run=_wait_run,
    describe=_wait_describe,
)
NOTIFY = ActionType(
    key="platform.notify",
    label=gettext_lazy("Send an in-app notification"),
    params=NotifyParams,
    run=_notify_run,
    describe=_notify_describe,
)


def register() -> None:
    registry.register_action(WAIT)
    registry.register_action(NOTIFY)
