"""Mail that arrives at a support address becomes a ticket, or a message on the right one.

Order of work for one message: keep it whole (``InboundMail.raw``, committed before anything
is made of it, so nothing can be lost; a polled batch is kept in one insert), then make
something of it in a second transaction: find its ticket (by the message ids it answers, then
by a ``[#n]`` reference from the same sender), match the sender to a contact (or create one),
write the ticket or the message, acknowledge a new ticket. Automatic mail (auto-replies,
bounces, lists, our own mail coming back, a sender writing too often) is kept and shown on its
ticket, but never answered and never opens a ticket by itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers.models import Contact, ContactPoint
from clientela.platform.errors import DomainError
from clientela.service import mailparse, outbound
from clientela.service.conversation import NewFile, add_customer_message, file_problem
from clientela.service.models import (
    InboundMail,
    Kind,
    MailAccount,
    Queue,
    Status,
    Ticket,
    TicketChannel,
    TicketMessage,
)
from clientela.service.models_mail import Outcome
from clientela.service.services import ticket_open

logger = logging.getLogger(__name__)
FLOOD_MESSAGES = 20  # more than this from one sender in FLOOD_WINDOW: a loop, not a person
FLOOD_WINDOW = dt.timedelta(minutes=10)


def own_addresses() -> list[str]:
    return [e.lower() for e in Queue.objects.exclude(email="").values_list("email", flat=True)]


def ingest(
    raw: bytes,
    *,
    queue: Queue,
    account: MailAccount | None = None,
    own: list[str] | None = None,
) -> InboundMail:
    """Store ``raw`` and process it; a failure is kept on the stored message, never raised.
    ``own``: the support addresses, when the caller ingests many messages in a row."""
    mail = mailparse.parse(raw, own_addresses=own_addresses() if own is None else own)
    seen = InboundMail.objects.filter(message_id=mail.message_id).exclude(outcome=Outcome.FAILED)
    earlier = seen.first()
    if earlier is not None:
        return earlier
    record = InboundMail.objects.create(**_stored(raw, mail, queue, account))
    process(record, mail, queue)
    return record


def ingest_many(
    raws: Sequence[bytes], *, queue: Queue, account: MailAccount | None, own: list[str]
) -> int:
    """A fetched batch: every new message kept whole in one insert (one commit) before any is
    processed, duplicates found with one query, the senders' recent counts read once; then
    each message processed in its own transaction, as ``ingest`` does. Returns how many were
    new."""
    mails = [(raw, mailparse.parse(raw, own_addresses=own)) for raw in raws]
    ids = {mail.message_id[:255] for _raw, mail in mails}
    done = InboundMail.objects.filter(message_id__in=ids).exclude(outcome=Outcome.FAILED)
    seen = set(done.values_list("message_id", flat=True))
    fresh = []
    for raw, mail in mails:
        if mail.message_id[:255] not in seen:
            seen.add(mail.message_id[:255])
            fresh.append((raw, mail))
    senders = Counter(_recent_counts([mail.from_address for _raw, mail in fresh]))
    rows = [InboundMail(**_stored(raw, mail, queue, account)) for raw, mail in fresh]
    InboundMail.objects.bulk_create(rows)
    for record, (_raw, mail) in zip(rows, fresh, strict=True):
        flooding = False
        if mail.from_address:
            senders[mail.from_address] += 1
            flooding = senders[mail.from_address] > FLOOD_MESSAGES
        process(record, mail, queue, flooding=flooding)
    return len(rows)


def _stored(
    raw: bytes, mail: mailparse.InboundMail, queue: Queue, account: MailAccount | None
) -> dict[str, Any]:
    return {
        "account": account,
        "queue": queue,
        "message_id": mail.message_id[:255],
        "from_address": mail.from_address[:254],
        "subject": mail.subject[:500],
        "raw": raw,
        "size": len(raw),
    }


def process(
    record: InboundMail,
    mail: mailparse.InboundMail,
    queue: Queue,
    *,
    flooding: bool | None = None,
) -> None:
    """``flooding``: whether the sender wrote too often, when the caller counted it already."""
    try:
        with transaction.atomic():
            outcome, ticket, detail = _apply(mail, queue, flooding)
    except Exception as exc:  # kept for a later retry; the message itself is safe in ``raw``
        logger.exception("inbound mail %s could not be processed", record.pk)
        outcome, ticket, detail = Outcome.FAILED, None, f"{type(exc).__name__}: {exc}"[:2000]
    notes = "; ".join(mail.defects)
    record.outcome, record.ticket = outcome, ticket
    record.detail = "\n".join(x for x in (detail, notes) if x)
    record.save(update_fields=["outcome", "ticket", "detail"])
    if outcome == Outcome.TICKET and ticket is not None and queue.acknowledge:
        outbound.queue_acknowledgement(ticket.pk, mail.message_id)


def _recent_counts(addresses: list[str]) -> dict[str, int]:
    """Messages kept from each of these senders within the flood window."""
    wanted = {a for a in addresses if a}
    if not wanted:
        return {}
    since = timezone.now() - FLOOD_WINDOW
    recent = InboundMail.objects.filter(from_address__in=wanted, received_at__gte=since)
    counted = recent.values("from_address").annotate(n=Count("id")).order_by()
    return {row["from_address"]: row["n"] for row in counted}


def _flooding(address: str) -> bool:
    since = timezone.now() - FLOOD_WINDOW
    recent = InboundMail.objects.filter(from_address=address, received_at__gte=since)
    return recent[: FLOOD_MESSAGES + 1].count() > FLOOD_MESSAGES


def _apply(
    mail: mailparse.InboundMail, queue: Queue, flooding: bool | None = None
) -> tuple[str, Ticket | None, str]:
    if flooding is None:
        flooding = bool(mail.from_address) and _flooding(mail.from_address)
    auto = mail.auto or ("loop" if flooding else "")
    ticket = thread_of(mail)
    if auto:
        if ticket is not None:
            _system_message(ticket, mail, auto)
        return Outcome.AUTO, ticket, auto
    if ticket is not None and ticket.status != Status.CLOSED:
        contact = ticket.contact or find_contact(mail.from_address)
        _customer_message(ticket, mail, contact)
        return Outcome.REPLY, ticket, ""
    new = _new_ticket(mail, queue)
    if ticket is not None:  # an answer on a closed ticket starts a related one
        new.related.add(ticket)
    return Outcome.TICKET, new, ""


def thread_of(mail: mailparse.InboundMail) -> Ticket | None:
    """The ticket this mail answers: by message ids first, then by the subject's ``[#n]`` when
    the sender is the ticket's requester (a reference alone must not let anyone post into any
    ticket)."""
    ids = [i[:255] for i in (*mail.in_reply_to, *mail.references) if i]
    ticket_id = None
    if ids:
        found = TicketMessage.objects.filter(message_id__in=ids).order_by("-id")
        ticket_id = found.values_list("ticket_id", flat=True).first()
    if ticket_id is None:
        number = mailparse.ticket_reference(mail.subject)
        if number is not None and mail.from_address:
            ticket_id = (
                Ticket.objects.filter(pk=number, requester_email=mail.from_address)
                .values_list("pk", flat=True)
                .first()
            )
    return _follow(ticket_id)


def _follow(ticket_id: int | None) -> Ticket | None:
    """A merged ticket's mail goes to the one it was merged into."""
    for _hop in range(10):
        if ticket_id is None:
            return None
        rows = Ticket.objects.select_for_update(of=("self",)).select_related("queue")
        ticket = rows.get(pk=ticket_id)
        if ticket.merged_into_id is None:
            return ticket
        ticket_id = ticket.merged_into_id
    return None


def find_contact(address: str) -> Contact | None:
    if not address:
        return None
    variants = {address, address.lower()}
    contact = Contact.objects.filter(email__in=variants).order_by("id").first()
    if contact is None:
        point = ContactPoint.objects.filter(kind="email", value__in=variants, contact__isnull=False)
        contact = Contact.objects.filter(pk__in=point.values("contact_id")).first()
    return contact


def _new_contact(mail: mailparse.InboundMail, queue: Queue) -> Contact | None:
    """A stranger becomes a contact owned by the queue's lead, as if they had typed it in."""
    from clientela.customers.services.contacts import contact_create

    name = mail.from_name or mail.from_address.split("@")[0]
    first, _sep, last = name.partition(" ")
    try:
        return contact_create(
            actor=queue.lead,
            values={
                "first_name": first[:100] or "?",
                "last_name": last[:100],
                "email": mail.from_address,
            },
        )
    except DomainError as exc:
        logger.info("inbound mail: no contact made for %s: %s", mail.from_address, exc)
        return None


def _files(mail: mailparse.InboundMail) -> tuple[list[NewFile], list[str]]:
    files, skipped = [], []
    for item in mail.attachments:
        candidate = NewFile(item.filename, item.content_type, item.content)
        problem = file_problem(candidate)
        if problem:
            skipped.append(problem)
        else:
            files.append(candidate)
    return files, skipped


def _customer_message(
    ticket: Ticket, mail: mailparse.InboundMail, contact: Any, *, counted: bool = False
) -> None:
    files, skipped = _files(mail)
    body = mailparse.new_text(mail.text)
    if skipped:
        body += "\n\n" + _("Not attached (kept in the original message): %(files)s") % {
            "files": "; ".join(skipped)
        }
    add_customer_message(
        ticket,
        body=body,
        channel=TicketChannel.EMAIL,
        contact=contact,
        from_address=mail.from_address,
        message_id=mail.message_id[:255],
        files=files,
        counted=counted,
    )


def _new_ticket(mail: mailparse.InboundMail, queue: Queue) -> Ticket:
    contact = find_contact(mail.from_address) or _new_contact(mail, queue)
    values = {
        "subject": mail.subject or _("(no subject)"),
        "queue": queue,
        "contact": contact,
        "account": contact.account if contact else None,
        "requester_email": mail.reply_to or mail.from_address,
        "priority": "normal",
        # opened with its first message counted: one write of the ticket, not two
        "customer_messages": 1,
        "last_customer_at": timezone.now(),
    }
    ticket = ticket_open(actor=None, values=values, channel=TicketChannel.EMAIL)
    _customer_message(ticket, mail, contact, counted=True)
    return ticket


def _system_message(ticket: Ticket, mail: mailparse.InboundMail, why: str) -> None:
    TicketMessage.objects.create(
        ticket=ticket,
        kind=Kind.SYSTEM,
        from_address=mail.from_address,
        body=(mail.subject + "\n\n" + mail.text)[:20000],
        channel=TicketChannel.EMAIL,
        message_id=mail.message_id[:255],
    )
    logger.info("ticket %s: automatic mail (%s) kept, not answered", ticket.pk, why)
