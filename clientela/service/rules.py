"""Tickets as a rule target: their fields, their account's, and status, priority and SLA state
as statuses ("SLA entered: Late → notify the team's manager" is the escalation on breach)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.customers.models import Account
from clientela.platform.models import User
from clientela.platform.rules import registry
from clientela.platform.rules.fields import load, model_fields, read_path, user_fields
from clientela.platform.rules.registry import FieldInfo, Target
from clientela.service.models import Queue, Ticket

FIELDS = (
    *("subject", "status", "priority", "channel", "sla_state", "requester_email"),
    *("first_response_due", "resolution_due", "first_response_breached"),
    *("resolution_breached", "first_responded_at", "resolved_at", "created_at", "owner"),
)
WRITABLE = ("subject", "priority", "queue", "category")
ACCOUNT_RELATED = ("name", "industry", "size_band", "lifecycle", "relationship", "country")


def ticket_fields() -> list[FieldInfo]:
    queues = [(str(q.pk), q.name) for q in Queue.objects.order_by("position", "name")]
    return [
        *model_fields(Ticket, FIELDS),
        FieldInfo("queue", _("queue"), "choice", queues),
        *user_fields("owner.", _("Owner")),
        *model_fields(Account, ACCOUNT_RELATED, "account.", _("Account")),
    ]


def _update(actor: User, record: models.Model, values: dict[str, Any]) -> models.Model:
    from clientela.service.services import ticket_update

    return ticket_update(actor=actor, ticket_id=record.pk, values=values)


TICKET = Target(
    key="service.ticket",
    label=gettext_lazy("Tickets"),
    fields=ticket_fields,
    load=lambda pk: load(Ticket, pk, ("owner", "account", "queue")),
    read=read_path,
    queryset=lambda: Ticket.objects.all(),
    update=_update,
    url=lambda record: reverse("service:ticket", args=[record.pk]),
    date_fields=("created_at", "first_response_due", "resolution_due", "resolved_at"),
    status_fields=("status", "priority", "sla_state", "queue"),
    writable_fields=WRITABLE,
)


def register() -> None:
    registry.register_target(TICKET)
