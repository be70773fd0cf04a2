"""Inbound mail to tickets: a new message opens a ticket for a (new or known) contact and is
acknowledged over real SMTP; an answer threads onto its ticket by its headers or by the subject's
reference from the same sender; robots are kept but never answered; the same message twice is
stored once; an agent's reply leaves with threading headers the customer's client follows."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from clientela.customers.models import Contact
from clientela.customers.services import contact_create
from clientela.platform.tests.rules_support import drain
from clientela.service.conversation import ticket_reply
from clientela.service.inbound import ingest
from clientela.service.models import InboundMail, Queue, Ticket, TicketMessage
from clientela.service.outbound import deliver


@pytest.fixture
def take(django_capture_on_commit_callbacks):
    """Ingest as the poller does, then run the tasks it queued (the acknowledgement) as a
    worker would, after the commit."""

    def run(raw: bytes, queue: Queue) -> InboundMail:
        with django_capture_on_commit_callbacks(execute=True):
            record = ingest(raw, queue=queue)
        drain()
        return record

    return run


@pytest.fixture
def queue(make_user, make_team):
    team = make_team("Support")
    lead = make_user("service-agent", teams=[team])
    return Queue.objects.create(name="Support", email="support@acme.test", lead=lead, team=team)


def mail(
    subject: str = "Printer does not print",
    body: str = "Since this morning the printer in room 4 prints nothing.",
    sender: str = "Ana Souza <ana@cliente.test>",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@acme.test"
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", make_msgid(domain="cliente.test"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def test_a_new_message_opens_a_ticket_for_a_new_contact_and_is_acknowledged(
    queue, smtp_server, take
):
    record = take(mail(), queue)

    assert record.outcome == "ticket"
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel, ticket.status) == (
        "Printer does not print",
        "email",
        "new",
    )
    assert ticket.requester_email == "ana@cliente.test"
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.email) == (
        "Ana",
        "Souza",
        "ana@cliente.test",
    )
    assert ticket.contact_id == contact.pk and contact.owner_id == queue.lead_id
    first = ticket.messages.get()
    assert (first.kind, first.from_address) == ("customer", "ana@cliente.test")
    assert first.body == "Since this morning the printer in room 4 prints nothing."
    assert ticket.customer_messages == 1

    [ack] = smtp_server.messages
    assert ack["To"] == "ana@cliente.test"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Clientela-Loop"] == str(ticket.pk)
    assert f"[#{ticket.pk}]" in ack["Subject"]
    assert ack["In-Reply-To"] == f"<{record.message_id}>"


def test_an_answer_threads_by_its_headers_and_reopens_a_pending_ticket(queue, smtp_server, take):
    from clientela.service.services import ticket_set_status

    first_id = make_msgid(domain="cliente.test")
    take(mail(message_id=first_id), queue)
    ticket = Ticket.objects.get()
    ticket_set_status(actor=queue.lead, ticket_id=ticket.pk, status="pending")

    answer = mail(
        subject="Re: whatever",
        body="Still broken.\n\nOn Mon, Ana wrote:\n> old",
        In_Reply_To=first_id,
    )
    record = take(answer, queue)

    assert (record.outcome, record.ticket_id) == ("reply", ticket.pk)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.customer_messages) == ("open", 2)
    assert ticket.messages.last().body == "Still broken."
    assert Ticket.objects.count() == 1
    assert len(smtp_server.messages) == 1  # only the first was acknowledged


def test_the_subject_reference_threads_only_for_the_requester(queue, smtp_server):
    ingest(mail(), queue=queue)
    ticket = Ticket.objects.get()

    same = ingest(mail(subject=f"More details [#{ticket.pk}]"), queue=queue)
    stranger = ingest(
        mail(subject=f"Hijack [#{ticket.pk}]", sender="Eve <eve@elsewhere.test>"), queue=queue
    )

    assert (same.outcome, same.ticket_id) == ("reply", ticket.pk)
    assert stranger.outcome == "ticket" and stranger.ticket_id != ticket.pk
    assert Ticket.objects.count() == 2


def test_robots_are_kept_and_never_answered(queue, smtp_server, take):
    take(mail(), queue)
    ticket = Ticket.objects.get()
    smtp_server.messages.clear()
    out_of_office = mail(
        subject=f"Out of office: Re: Printer [#{ticket.pk}]",
        body="I am away until Monday.",
        Auto_Submitted="auto-replied",
    )
    bounce = mail(
        subject="Undelivered Mail Returned to Sender", sender="MAILER-DAEMON@cliente.test"
    )
    echo = mail(subject="Our own acknowledgement", sender="support@acme.test")

    outcomes = [take(raw, queue).outcome for raw in (out_of_office, bounce, echo)]

    assert outcomes == ["auto", "auto", "auto"]
    assert Ticket.objects.count() == 1
    assert smtp_server.messages == []
    ticket.refresh_from_db()
    assert (ticket.status, ticket.customer_messages) == ("new", 1)
    assert InboundMail.objects.count() == 4


def test_a_flood_from_one_sender_is_treated_as_a_loop(queue, smtp_server, settings):
    for n in range(21):
        ingest(mail(subject=f"Ping {n}", sender="robot@loop.test"), queue=queue)
    outcomes = list(InboundMail.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes[:20] == ["ticket"] * 20
    assert outcomes[20] == "auto"


def test_the_same_message_twice_is_stored_once(queue, smtp_server):
    raw = mail()
    first = ingest(raw, queue=queue)
    again = ingest(raw, queue=queue)
    assert again.pk == first.pk
    assert (InboundMail.objects.count(), Ticket.objects.count(), TicketMessage.objects.count()) == (
        1,
        1,
        1,
    )


def test_malformed_mail_is_kept_and_still_becomes_a_ticket(queue, smtp_server):
    raw = (
        b"From: =?x-unknown?q?Jo=E3o?= <joao@cliente.test>\r\n"
        b"Subject: =?iso-8859-1?q?Manuten=E7=E3o?=\r\n"
        b"Content-Type: text/plain; charset=x-bogus\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"this is not base64 !!!\r\n"
    )
    record = ingest(raw, queue=queue)
    assert record.outcome == "ticket"
    assert bytes(record.raw) == raw
    assert Ticket.objects.get().subject == "Manutenção"
    assert record.detail  # the defects are noted


def test_a_known_contact_is_matched_by_address(queue, smtp_server):
    known = contact_create(
        actor=queue.lead,
        values={"first_name": "Bruno", "last_name": "Lima", "email": "bruno@cliente.test"},
    )
    ingest(mail(sender="Bruno <bruno@cliente.test>"), queue=queue)
    assert Ticket.objects.get().contact_id == known.pk
    assert Contact.objects.count() == 1


def test_an_agents_reply_goes_out_threaded_and_the_answer_comes_back(queue, smtp_server):
    first_id = make_msgid(domain="cliente.test")
    ingest(mail(message_id=first_id), queue=queue)
    ticket = Ticket.objects.get()
    smtp_server.messages.clear()

    reply = ticket_reply(actor=queue.lead, ticket_id=ticket.pk, body="Please restart it.")
    assert reply.delivery == "queued"
    assert deliver(reply.pk) == "sent"

    [sent] = smtp_server.messages
    reply.refresh_from_db()
    assert sent["Message-ID"] == f"<{reply.message_id}>"
    assert sent["In-Reply-To"] == first_id  # make_msgid gives it in angle brackets
    assert sent["References"] == first_id
    assert sent["Subject"] == f"Re: Printer does not print [#{ticket.pk}]"
    assert sent["From"] == "support@acme.test" and sent["To"] == "ana@cliente.test"

    # the customer's client answers the reply: it names our Message-ID
    answer = mail(
        subject="Re: restart", body="Restarted, it works.", In_Reply_To=f"<{reply.message_id}>"
    )
    assert ingest(answer, queue=queue).ticket_id == ticket.pk


def test_a_refused_reply_is_kept_with_the_reason(queue, settings):
    from clientela.conftest import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    queue.acknowledge = False
    queue.save()
    ingest(mail(), queue=queue)
    ticket = Ticket.objects.get()
    reply = ticket_reply(actor=queue.lead, ticket_id=ticket.pk, body="Hello")
    assert deliver(reply.pk) == "failed"
    reply.refresh_from_db()
    assert reply.delivery == "failed" and reply.delivery_error


def test_attachments_are_stored_with_their_names_and_blocked_types_are_left_in_the_raw(
    queue, smtp_server
):
    message = message_from_bytes(mail())
    assert message is not None
    built = EmailMessage()
    for name in ("From", "To", "Subject", "Message-ID"):
        built[name] = message[name]
    built.set_content("See the report attached.")
    built.add_attachment(
        b"%PDF-1.4 report", maintype="application", subtype="pdf", filename="relatório.pdf"
    )
    built.add_attachment(
        b"MZ...", maintype="application", subtype="octet-stream", filename="run.exe"
    )

    record = ingest(built.as_bytes(), queue=queue)

    ticket = Ticket.objects.get(pk=record.ticket_id)
    [kept] = ticket.attachments.all()
    assert (kept.filename, kept.size, kept.content_type) == ("relatório.pdf", 15, "application/pdf")
    with kept.file.open("rb") as stream:
        assert stream.read() == b"%PDF-1.4 report"
    assert "run.exe" in ticket.messages.get().body  # named as left in the original message
