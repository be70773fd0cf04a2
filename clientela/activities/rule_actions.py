"""The "create an activity" rule action: a task, call, meeting… on the record that fired the rule,
for a user a recipient setting names, due some time after the rule acts.

It goes through ``activity_create`` as the rule's run-as user, so the links are looked up
through that user's visibility and the owner must be one they may give records to.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, cast

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import BaseModel, ConfigDict, Field, model_validator

from clientela.activities.models import ActivityKind
from clientela.activities.services import NEEDS_DUE, activity_create
from clientela.platform import registry as record_types
from clientela.platform.errors import DomainError
from clientela.platform.rules import merge, recipients, registry
from clientela.platform.rules.params import MergeText, check_recipient, invalid
from clientela.platform.rules.recipients import Recipient

MAX_DUE_MINUTES = 366 * 24 * 60
UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60}
DIRECT_LINKS = {
    "customers.account": "account",
    "customers.contact": "contact",
    "customers.lead": "lead",
}


class CreateActivity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["task", "call", "meeting", "email", "note", "sms"] = Field(
        "task", title=gettext_noop("Kind"), description=gettext_noop("What the activity is.")
    )
    subject: MergeText = Field(
        min_length=1,
        max_length=200,
        title=gettext_noop("Subject"),
        description=gettext_noop('Merge fields allowed, e.g. Call {{ first_name | "the lead" }}.'),
    )
    description: MergeText = Field(
        "",
        max_length=20_000,
        title=gettext_noop("Details"),
        description=gettext_noop("Plain text; merge fields allowed."),
    )
    due_in: int | None = Field(
        None,
        ge=0,
        le=MAX_DUE_MINUTES,
        title=gettext_noop("Due in"),
        description=gettext_noop(
            "How long after the rule acts the activity is due (tasks and meetings need it)."
        ),
    )
    due_unit: Literal["minutes", "hours", "days"] = Field("hours", title=gettext_noop("Unit"))
    assign_to: Literal["owner", "owner_manager", "user", "role", "team_round_robin"] = Field(
        "owner",
        title=gettext_noop("Assign to"),
        description=gettext_noop(
            "The record's owner, the owner's manager, a chosen user, or users of a role or a "
            "team in turn."
        ),
    )
    user: int | None = recipients.user_field()
    role: str | None = recipients.role_field()
    team: int | None = recipients.team_field()

    @model_validator(mode="after")
    def _check(self) -> CreateActivity:
        if self.due_in is None and self.kind in NEEDS_DUE:
            raise invalid("CreateActivity", {("due_in",): _("Meetings and tasks need a due date.")})
        if self.due_in is not None and self.due_in * UNIT_MINUTES[self.due_unit] > MAX_DUE_MINUTES:
            raise invalid("CreateActivity", {("due_in",): _("Give at most a year.")})
        check_recipient("CreateActivity", self.recipient())
        return self

    def recipient(self) -> Recipient:
        return Recipient(self.assign_to, user=self.user, role=self.role, team=self.team)

    def due(self) -> timedelta | None:
        if self.due_in is None:
            return None
        return timedelta(minutes=self.due_in * UNIT_MINUTES[self.due_unit])


def links_for(object_type: str, record: Model) -> dict[str, Any]:
    """What the new activity is linked to: the record itself, or for an activity the records
    that activity is linked to."""
    if object_type in DIRECT_LINKS:
        return {DIRECT_LINKS[object_type]: record.pk}
    if object_type == "activities.activity":
        names = ("account_id", "contact_id", "lead_id", "link_type", "link_id")
        found = {name.removesuffix("_id"): getattr(record, name) for name in names[:3]}
        found |= {name: getattr(record, name) for name in names[3:]}
        return {name: value for name, value in found.items() if value not in (None, "")}
    return {"link_type": record_types.for_model(type(record)).key, "link_id": record.pk}


def _texts(p: CreateActivity, call: registry.ActionCall, user: Any) -> tuple[str, str]:
    with merge.speaking_to(user):
        subject = merge.render_line(p.subject, call.object_type, call.record)
        body = merge.render(p.description, call.object_type, call.record)
    return subject[:200], body


def create_run(call: registry.ActionCall) -> dict[str, Any]:
    p = cast(CreateActivity, call.params)
    if call.record is None:
        raise DomainError(_("The record is gone."), code="record_gone")
    user = recipients.resolve(p.recipient(), call.record)
    subject, body = _texts(p, call, user)
    due = p.due()
    values: dict[str, Any] = {
        "kind": p.kind,
        "subject": subject or str(ActivityKind(p.kind).label),
        "body": body,
        "owner": user.pk,
        "due_at": timezone.now() + due if due is not None else None,
        **links_for(call.object_type, call.record),
    }
    activity = activity_create(actor=call.actor, values=values)
    return {"activity": activity.pk, "owner": user.pk}


def create_describe(call: registry.ActionCall) -> str:
    p = cast(CreateActivity, call.params)
    who = recipients.describe(p.recipient(), call.record)
    subject, _body = _texts(p, call, None)
    text = _("Create an activity (%(kind)s) “%(subject)s” for %(who)s") % {
        "kind": str(ActivityKind(p.kind).label).lower(),
        "subject": subject,
        "who": who,
    }
    due = p.due()
    if due is None:
        return text
    when = timezone.localtime(timezone.now() + due)
    return _("%(text)s, due %(when)s") % {"text": text, "when": merge.show(when)}


ACTION = registry.ActionType(
    "activities.create",
    gettext_lazy("Create an activity"),
    CreateActivity,
    create_run,
    create_describe,
)
registry.register_action(ACTION)
