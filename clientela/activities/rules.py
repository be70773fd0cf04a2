"""Activities as a rule target: their own fields, their account's, contact's and lead's, and
changes through the activities service (permissions, audit and events apply)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.activities.models import Activity
from clientela.activities.services import activity_update
from clientela.customers.models import Account, Contact, Lead
from clientela.platform.models import User
from clientela.platform.rules import registry
from clientela.platform.rules.fields import load, model_fields, read_path, user_fields
from clientela.platform.rules.registry import FieldInfo, Target

FIELDS = (
    *("kind", "subject", "body", "status", "direction", "outcome", "due_at"),
    *("duration_minutes", "location", "reminder_at", "completed_at", "owner", "created_at"),
    "updated_at",
)
WRITABLE = (
    *("subject", "body", "status", "direction", "outcome", "due_at", "duration_minutes"),
    *("location", "reminder_at", "owner"),
)


def activity_fields() -> list[FieldInfo]:
    return [
        *model_fields(Activity, FIELDS),
        *user_fields("owner.", _("Owner")),
        *model_fields(Account, ("name", "industry", "lifecycle"), "account.", _("Account")),
        *model_fields(Contact, ("first_name", "last_name", "email"), "contact.", _("Contact")),
        *model_fields(Lead, ("company", "status", "rating", "source"), "lead.", _("Lead")),
    ]


def _update(actor: User, record: models.Model, values: dict[str, Any]) -> models.Model:
    return activity_update(actor=actor, activity_id=record.pk, values=values)


ACTIVITY = Target(
    key="activities.activity",
    label=gettext_lazy("Activities"),
    fields=activity_fields,
    load=lambda pk: load(Activity, pk, ("owner", "account", "contact", "lead")),
    read=read_path,
    queryset=lambda: Activity.objects.all(),
    update=_update,
    url=lambda record: reverse("activities:detail", args=[record.pk]),
    date_fields=("due_at", "created_at", "completed_at"),
    status_fields=("status",),
    writable_fields=WRITABLE,
)


def register() -> None:
    registry.register_target(ACTIVITY)
