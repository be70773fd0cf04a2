"""A ticket's conversation: customer messages, agents' replies and internal notes, attachments,
and the merges and splits that move messages between tickets.

A reply is the first response when it is the first public one from an agent: it stops the
first-response clock and opens a new ticket. Replies to a customer with an address are queued as
mail on commit (``service/outbound.py``); a failed delivery shows on the message, it is never
silently dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers.models import Contact
from clientela.platform import audit, events, permissions
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import User
from clientela.service import sla
from clientela.service.models import (
    Attachment,
    Delivery,
    Kind,
    Status,
    Ticket,
    TicketChannel,
    TicketMessage,
)
from clientela.service.services import KEY, _locked, move

MAX_BODY = 200_000
# never stored from an agent's upload; mail carrying them keeps them only in its raw message
BLOCKED_EXTENSIONS = frozenset(
    {
        *("exe", "bat", "cmd", "com", "scr", "pif", "js", "jse", "vbs", "vbe"),
        *("msi", "msp", "ps1", "jar", "sh", "cpl", "hta", "lnk", "reg"),
    }
)


@dataclass(frozen=True)
class NewFile:
    filename: str
    content_type: str
    content: bytes


def max_attachment_bytes() -> int:
    return int(settings.SERVICE_ATTACHMENT_MAX_BYTES)


def file_problem(item: NewFile) -> str:
    """Why ``item`` may not be stored, or ""."""
    extension = item.filename.rsplit(".", 1)[-1].lower() if "." in item.filename else ""
    if extension in BLOCKED_EXTENSIONS:
        return _("“%(name)s”: files of this type are not accepted.") % {"name": item.filename}
    if len(item.content) > max_attachment_bytes():
        return _("“%(name)s” is larger than %(size)s.") % {
            "name": item.filename,
            "size": filesizeformat(max_attachment_bytes()),
        }
    return ""


def check_files(files: Iterable[NewFile]) -> list[NewFile]:
    files = list(files)
    problems = [p for p in (file_problem(f) for f in files) if p]
    if problems:
        raise ValidationFailed(errors={"attachments": problems})
    return files


def store_files(ticket: Ticket, message: TicketMessage | None, files: Iterable[NewFile]) -> None:
    for item in files:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            filename=item.filename[:200] or "attachment",
            content_type=(item.content_type or "application/octet-stream")[:100],
            size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(),
        )
        attachment.file.save("upload", ContentFile(item.content), save=False)
        attachment.save()


def _body(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise ValidationFailed(errors={"body": [_("Write a message.")]})
    if len(body) > MAX_BODY:
        raise ValidationFailed(errors={"body": [_("The message is too long.")]})
    return body


def add_customer_message(
    ticket: Ticket,
    *,
    body: str,
    channel: str,
    contact: Contact | None = None,
    from_address: str = "",
    message_id: str = "",
    files: Iterable[NewFile] = (),
    counted: bool = False,
) -> TicketMessage:
    """What the customer said, on whichever channel; a waiting or solved ticket opens again.
    ``counted``: the ticket was just opened with this message counted (``customer_messages``
    and ``last_customer_at`` set), so it is not written again."""
    now = timezone.now()
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=Kind.CUSTOMER,
        contact=contact or ticket.contact,
        from_address=from_address,
        body=body.strip() or "—",
        channel=channel,
        message_id=message_id,
    )
    store_files(ticket, message, files)
    if not counted:
        ticket.customer_messages += 1
        ticket.last_customer_at = now
        if ticket.status in (Status.PENDING, Status.RESOLVED):
            move(ticket, Status.OPEN, now)
        ticket.save()
    events.emit(events.Event(f"{KEY}.customer_replied", None, {"id": ticket.pk}))
    return message


def first_response(ticket: Ticket, now: Any) -> None:
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        sla.stop(ticket, "first_response", now)
    if ticket.status == Status.NEW:
        move(ticket, Status.OPEN, now)


def ticket_reply(
    *,
    actor: User,
    ticket_id: Any,
    body: str,
    files: Iterable[NewFile] = (),
    status: str = "",
) -> TicketMessage:
    """An agent answers the customer; ``status`` (pending, resolved…) is entered after it."""
    text, files = _body(body), check_files(files)
    if status and status not in Status.values:
        raise ValidationFailed(errors={"status": [_("Choose one of the listed values.")]})
    with transaction.atomic():
        ticket = _locked(actor, ticket_id)
        if ticket.status == Status.CLOSED:
            raise Conflict(_("The ticket is closed; open a new one."), code="ticket_closed")
        before, now = audit.snapshot(ticket), timezone.now()
        first_response(ticket, now)
        if status:
            move(ticket, status, now)  # refused before anything is written
        message = TicketMessage.objects.create(
            ticket=ticket,
            kind=Kind.REPLY,
            author=actor,
            body=text,
            to_addresses=ticket.requester_email,
            channel=TicketChannel.EMAIL if ticket.requester_email else ticket.channel,
            delivery=Delivery.QUEUED if ticket.requester_email else "",
        )
        store_files(ticket, message, files)
        ticket.save()
        _audit_message(actor, ticket, message, before)
    _after_reply(ticket, message, status)
    return message


def _after_reply(ticket: Ticket, message: TicketMessage, status: str) -> None:
    from clientela.service import outbound

    if message.delivery == Delivery.QUEUED:
        outbound.queue(message.pk)
    if status == Status.RESOLVED:
        outbound.ask_satisfaction(ticket.pk)
    events.emit(events.Event(f"{KEY}.replied", message.author_id, {"id": ticket.pk}))


def _audit_message(
    actor: User, ticket: Ticket, message: TicketMessage, before: dict[str, Any]
) -> None:
    changes = audit.diff(before, audit.snapshot(ticket))
    changes[message.kind] = [None, message.pk]
    audit.record(actor=actor, action="update", obj=ticket, changes=changes)


def ticket_note(
    *, actor: User, ticket_id: Any, body: str, files: Iterable[NewFile] = ()
) -> TicketMessage:
    """An internal note: agents only, never mailed, no effect on the SLA clock."""
    text, files = _body(body), check_files(files)
    with transaction.atomic():
        ticket = _locked(actor, ticket_id)
        before = audit.snapshot(ticket)
        message = TicketMessage.objects.create(
            ticket=ticket, kind=Kind.NOTE, author=actor, body=text
        )
        store_files(ticket, message, files)
        _audit_message(actor, ticket, message, before)
    return message


def ticket_merge(*, actor: User, ticket_id: Any, into_id: Any) -> Ticket:
    """Move the conversation of ``ticket_id`` into ``into_id`` and close it, pointing there."""
    if str(ticket_id) == str(into_id):
        raise ValidationFailed(errors={"into": [_("A ticket cannot be merged into itself.")]})
    with transaction.atomic():
        first, second = sorted([str(ticket_id), str(into_id)])  # lock in one order
        locked = {str(t.pk): t for t in (_locked(actor, first), _locked(actor, second))}
        source, target = locked[str(ticket_id)], locked[str(into_id)]
        if source.status == Status.CLOSED or target.status == Status.CLOSED:
            raise Conflict(_("Closed tickets cannot be merged."), code="ticket_closed")
        moved = TicketMessage.objects.filter(ticket=source).update(ticket=target)
        Attachment.objects.filter(ticket=source).update(ticket=target)
        target.customer_messages += source.customer_messages
        target.save()
        before = audit.snapshot(source)
        source.merged_into = target
        move(source, Status.CLOSED, timezone.now())
        source.save()
        audit.record(
            actor=actor,
            action="update",
            obj=source,
            changes=audit.diff(before, audit.snapshot(source)),
        )
        audit.record(actor=actor, action="update", obj=target, changes={"merged": [None, moved]})
    return target


def ticket_link(*, actor: User, ticket_id: Any, other_id: Any, linked: bool = True) -> None:
    with transaction.atomic():
        ticket = _locked(actor, ticket_id)
        other = permissions.get_visible(actor, Ticket.objects.all(), other_id)
        if other.pk == ticket.pk:
            raise ValidationFailed(errors={"ticket": [_("A ticket cannot be related to itself.")]})
        if linked:
            ticket.related.add(other)
        else:
            ticket.related.remove(other)
        change = [None, other.pk] if linked else [other.pk, None]
        audit.record(actor=actor, action="update", obj=ticket, changes={"related": change})
