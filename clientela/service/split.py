"""Splitting a ticket: the messages about a second matter move to a new ticket of their own.

A customer often raises two matters in one thread. The agent picks the messages about the
second one; they move, with their attachments, to a new ticket for the same customer, in the
same queue and priority, whose SLA clock starts now. Both tickets stay related and each says so
in an automatic message. The moved mail keeps its Message-ID, so the customer's answers to it
thread to the new ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import User
from clientela.service.conversation import first_response
from clientela.service.models import (
    Attachment,
    Kind,
    Status,
    Ticket,
    TicketMessage,
)
from clientela.service.services import KEY, _locked, ticket_open

# copied to the new ticket: the customer and where the work is done
KEPT = ("queue", "priority", "category", "account", "contact", "requester_email", "asset")


def _ids(message_ids: Iterable[Any]) -> set[int]:
    found: set[int] = set()
    for raw in message_ids:
        try:
            found.add(int(raw))
        except (TypeError, ValueError):
            error = _("Choose messages of this ticket.")
            raise ValidationFailed(errors={"messages": [error]}) from None
    if not found:
        raise ValidationFailed(errors={"messages": [_("Choose the messages to move.")]})
    return found


def _subject(subject: str) -> str:
    text = (subject or "").strip()
    if not text:
        raise ValidationFailed(errors={"subject": [_("Give the new ticket a subject.")]})
    if len(text) > Ticket._meta.get_field("subject").max_length:  # type: ignore[operator]
        raise ValidationFailed(errors={"subject": [_("The subject is too long.")]})
    return text


def ticket_split(
    *, actor: User, ticket_id: Any, message_ids: Iterable[Any], subject: str
) -> Ticket:
    """Move the chosen customer messages, replies and notes to a new ticket, answered."""
    permissions.require(actor, KEY, "create")
    ids, title = _ids(message_ids), _subject(subject)
    with transaction.atomic():
        source = _locked(actor, ticket_id)
        if source.status == Status.CLOSED:
            raise Conflict(_("Closed tickets cannot be split."), code="ticket_closed")
        movable = TicketMessage.objects.filter(ticket=source).exclude(kind=Kind.SYSTEM)
        chosen = list(movable.filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise ValidationFailed(errors={"messages": [_("Choose messages of this ticket.")]})
        if not movable.exclude(pk__in=ids).exists():
            raise ValidationFailed(
                errors={"messages": [_("Leave at least one message on this ticket.")]}
            )
        now = timezone.now()
        values = {field: getattr(source, field) for field in KEPT} | {"subject": title}
        target = ticket_open(actor=actor, values=values, channel=source.channel, now=now)
        before = audit.snapshot(source)
        TicketMessage.objects.filter(pk__in=ids).update(ticket=target)
        Attachment.objects.filter(message_id__in=ids).update(ticket=target)
        _count_customer_messages(source)
        _count_customer_messages(target)
        if any(m.kind == Kind.REPLY for m in chosen):
            first_response(target, now)  # the customer was answered already
        target.save()
        source.save()
        target.related.add(source)
        _say(source, _("Messages moved to ticket #%(number)s.") % {"number": target.pk})
        _say(target, _("Split from ticket #%(number)s.") % {"number": source.pk})
        changes = audit.diff(before, audit.snapshot(source))
        audit.record(
            actor=actor, action="update", obj=source, changes=changes | {"split": [None, target.pk]}
        )
    return target


def _count_customer_messages(ticket: Ticket) -> None:
    """First-contact resolution and the customer's last word follow the messages moved."""
    customer = TicketMessage.objects.filter(ticket=ticket, kind=Kind.CUSTOMER)
    ticket.customer_messages = customer.count()
    ticket.last_customer_at = customer.aggregate(last=Max("created_at"))["last"]


def _say(ticket: Ticket, text: str) -> None:
    TicketMessage.objects.create(ticket=ticket, kind=Kind.SYSTEM, body=text)
