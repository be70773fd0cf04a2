"""Mail the service desk sends: agents' replies, acknowledgements and satisfaction requests.

Replies are threaded the way mail clients expect: each has its own ``Message-ID`` (kept on the
message, so the customer's answer finds the ticket by ``In-Reply-To``), ``In-Reply-To`` the
customer's last message and ``References`` the ticket's earlier ones, and the subject carries
the ticket's reference ``[#123]`` for clients that drop the headers. Automatic mail says so
(``Auto-Submitted``) and every message carries ``X-Clientela-Loop`` so that our own mail coming
back is recognised and never answered.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, make_msgid
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from clientela.service.models import Delivery, Kind, Ticket, TicketMessage

logger = logging.getLogger(__name__)
LOOP_HEADER = "X-Clientela-Loop"
CSAT_SALT = "service.csat"
CSAT_DAYS = 30
REFERENCES = 20  # earlier message ids a reply names


def sender(ticket: Ticket) -> str:
    return ticket.queue.email or settings.DEFAULT_FROM_EMAIL


def _domain(ticket: Ticket) -> str:
    address = sender(ticket)
    return address.rsplit("@", 1)[-1].strip("> ") if "@" in address else "clientela.invalid"


def subject_for(ticket: Ticket) -> str:
    subject = " ".join(ticket.subject.split())[:180]
    return f"Re: {subject} {ticket.reference}"


def _thread(ticket: Ticket, message: TicketMessage) -> dict[str, str]:
    ids = list(
        TicketMessage.objects.filter(ticket=ticket)
        .exclude(message_id="")
        .exclude(pk=message.pk)
        .order_by("-created_at", "-id")
        .values_list("message_id", "kind")[:REFERENCES]
    )
    headers: dict[str, str] = {}
    theirs = [mid for mid, kind in ids if kind == Kind.CUSTOMER]
    if theirs:
        headers["In-Reply-To"] = f"<{theirs[0]}>"
    if ids:
        headers["References"] = " ".join(f"<{mid}>" for mid, _kind in reversed(ids))
    return headers


def _attach(email: EmailMessage, message: TicketMessage) -> None:
    for item in message.attachments.all():
        with item.file.open("rb") as stream:
            email.attach(item.filename, stream.read(), item.content_type)


def deliver(message_id: int) -> str:
    """Send one queued reply; returns its delivery state. A refusal is kept on the message."""
    message = TicketMessage.objects.select_related("ticket__queue").filter(pk=message_id).first()
    if message is None or message.delivery != Delivery.QUEUED:
        return message.delivery if message else ""
    ticket = message.ticket
    if not message.message_id:
        message.message_id = make_msgid(domain=_domain(ticket)).strip("<>")
        message.save(update_fields=["message_id"])
    headers = {"Message-ID": f"<{message.message_id}>", LOOP_HEADER: str(ticket.pk)}
    headers.update(_thread(ticket, message))
    email = EmailMessage(
        subject=subject_for(ticket),
        body=message.body,
        from_email=sender(ticket),
        to=[message.to_addresses],
        headers=headers,
    )
    _attach(email, message)
    state, error = _send(email)
    TicketMessage.objects.filter(pk=message.pk).update(delivery=state, delivery_error=error)
    return state


def _send(email: EmailMessage) -> tuple[str, str]:
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        return Delivery.FAILED, str(exc)[:1000]
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("service mail not sent: %s", exc)
        return Delivery.FAILED, (str(exc) or type(exc).__name__)[:1000]
    return Delivery.SENT, ""


def queue(message_id: int) -> None:
    """Send after the reply commits, in a task worker (the agent does not wait for SMTP)."""
    from clientela.service.tasks import send_message

    transaction.on_commit(lambda: send_message.enqueue(message_id))


def _automatic(ticket: Ticket, subject: str, body: str, in_reply_to: str = "") -> None:
    headers = {
        "Message-ID": make_msgid(domain=_domain(ticket)),
        "Auto-Submitted": "auto-replied",
        LOOP_HEADER: str(ticket.pk),
    }
    if in_reply_to:
        headers["In-Reply-To"] = headers["References"] = f"<{in_reply_to}>"
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=sender(ticket),
        to=[ticket.requester_email],
        headers=headers,
    )
    state, error = _send(email)
    if state == Delivery.FAILED:
        logger.warning("ticket %s: automatic mail not sent: %s", ticket.pk, error)


def _language(ticket: Ticket) -> str:
    contact = ticket.contact
    return (getattr(contact, "language", "") or settings.LANGUAGE_CODE) if contact else "pt-br"


def queue_acknowledgement(ticket_id: int, in_reply_to: str) -> None:
    """A worker sends it after the ticket commits: reading mail never waits for SMTP."""
    from clientela.service.tasks import send_acknowledgement

    transaction.on_commit(lambda: send_acknowledgement.enqueue(ticket_id, in_reply_to))


def acknowledge(ticket: Ticket, in_reply_to: str) -> None:
    """Tell the customer their mail became ticket ``[#n]`` (queues may turn this off)."""
    with translation.override(_language(ticket)):
        subject = _("We received your message") + f" {ticket.reference}"
        body = render_to_string("service/mail/acknowledgement.txt", {"ticket": ticket})
    _automatic(ticket, subject, body, in_reply_to)


def csat_token(ticket_id: int) -> str:
    return signing.dumps(ticket_id, salt=CSAT_SALT, compress=True)


def csat_ticket_id(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=CSAT_SALT, max_age=CSAT_DAYS * 86400)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def ask_satisfaction(ticket_id: int) -> None:
    """After the resolution commits, a worker mails the survey link."""
    from clientela.service.tasks import send_satisfaction

    transaction.on_commit(lambda: send_satisfaction.enqueue(ticket_id))


def send_satisfaction_request(ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("queue", "contact").filter(pk=ticket_id).first()
    if ticket is None or not ticket.requester_email:
        return
    base = settings.SITE_URL.rstrip("/")
    link = base + reverse("service_public:rate", args=[csat_token(ticket.pk)])
    with translation.override(_language(ticket)):
        subject = _("How did we do?") + f" {ticket.reference}"
        body = render_to_string("service/mail/satisfaction.txt", {"ticket": ticket, "link": link})
    _automatic(ticket, subject, body)
