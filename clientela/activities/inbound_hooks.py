"""What an inbound webhook of the kind ``activity`` does: create an activity as the API does."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from clientela.activities.models import Activity
from clientela.activities.schemas import ActivityIn
from clientela.activities.services import activity_create
from clientela.platform import inbound
from clientela.platform.models import User

REFERENCES = {f"{n}_id": n for n in ("owner", "team", "account", "contact", "lead")}


def create_activity(*, actor: User, data: dict[str, Any]) -> Activity:
    payload = inbound.parse(ActivityIn, data)
    values = {REFERENCES.get(k, k): v for k, v in payload.dict().items()}
    return activity_create(actor=actor, values=values)


ACTIVITY = inbound.InboundKind("activity", _("Activity"), "activities.activity", create_activity)
