"""Splitting a ticket: chosen messages and their files move to a new ticket for the same
customer, both related and saying so, mail answering a moved message threads to the new one;
refusals write nothing, another team's ticket stays out of sight. Through the API and the page."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from clientela.customers.services import account_create, contact_create
from clientela.platform.models import AuditEntry
from clientela.service import conversation, inbound
from clientela.service.conversation import NewFile
from clientela.service.models import Kind, Queue, SlaPolicy, Ticket, TicketMessage
from clientela.service.tests.test_api_tickets import ONE, conforms, refused, ticket, written


@pytest.fixture
def agent(make_user, make_team):
    return make_user("service-agent", teams=[make_team("North")])


@pytest.fixture
def stranger(make_user, make_team):
    return make_user("service-agent", teams=[make_team("South")])


@pytest.fixture
def queue(agent):
    return Queue.objects.create(name="Support", lead=agent, team=agent.teams.get())


def _two_matters(agent, queue):
    account = account_create(actor=agent, values={"name": "Padaria Central"})
    ana = contact_create(
        actor=agent,
        values={"first_name": "Ana", "email": "ana@padaria.example", "account": account.pk},
    )
    values = {"account": account.pk, "contact": ana.pk, "requester_email": "ana@padaria.example"}
    first = ticket(agent, queue, "Printer jammed", message="The printer jams.", **values)
    printer = first.messages.get()
    conversation.add_customer_message(
        first,
        body="Also: the invoice for March is wrong.",
        channel="email",
        message_id="march@padaria.example",  # stored without brackets
        files=[NewFile("invoice.pdf", "application/pdf", b"%PDF-1.4 march\n")],
    )
    invoice = first.messages.get(message_id="march@padaria.example")
    return first, printer, invoice


def test_split_moves_the_chosen_messages_and_files_to_a_related_ticket(agent, queue, api_as):
    SlaPolicy.objects.create(name="Standard", targets={"normal": {"first_response": 60}})
    source, printer, invoice = _two_matters(agent, queue)
    api = api_as(agent)

    answer = api.post(
        f"/api/v1/tickets/{source.pk}/split",
        {"messages": [invoice.pk], "subject": "Invoice for March"},
    )

    assert answer.status_code == 201, answer.content
    body = conforms(api, answer, ONE + "/split", "post")
    new = Ticket.objects.get(pk=body["id"])
    assert (new.subject, new.queue_id, new.account_id, new.contact_id) == (
        "Invoice for March",
        source.queue_id,
        source.account_id,
        source.contact_id,
    )
    assert body["related"] == [source.pk]
    assert (new.customer_messages, new.attachments.get().filename) == (1, "invoice.pdf")
    assert new.first_response_due is not None  # its own clock, started now
    source.refresh_from_db()
    assert (source.customer_messages, source.attachments.count()) == (1, 0)
    kinds = lambda t: [(m.kind, m.pk) for m in t.messages.exclude(kind=Kind.SYSTEM)]  # noqa: E731
    assert kinds(source) == [("customer", printer.pk)]
    assert kinds(new) == [("customer", invoice.pk)]
    said = [m.body for m in TicketMessage.objects.filter(kind=Kind.SYSTEM).order_by("pk")]
    assert said == [f"Messages moved to ticket #{new.pk}.", f"Split from ticket #{source.pk}."]
    audit = AuditEntry.objects.filter(object_type="service.ticket", object_id=str(source.pk))
    assert audit.first().changes["split"] == [None, new.pk]

    # the customer answers the moved mail: it threads to the new ticket
    mail = EmailMessage()
    mail["From"], mail["To"] = "ana@padaria.example", "support@example.com"
    mail["Subject"], mail["Message-ID"] = "Re: invoice", "<answer@padaria.example>"
    mail["In-Reply-To"] = "<march@padaria.example>"
    mail.set_content("It should be 120, not 210.")
    assert inbound.ingest(mail.as_bytes(), queue=queue).ticket_id == new.pk
    assert new.messages.filter(kind=Kind.CUSTOMER).count() == 2


def test_a_split_is_refused_without_a_partial_write(agent, stranger, queue, api_as):
    source, printer, invoice = _two_matters(agent, queue)
    other = ticket(agent, queue, "Other", message="Elsewhere.")
    api, outsider = api_as(agent), api_as(stranger)
    url, before = f"/api/v1/tickets/{source.pk}/split", written()

    everything = api.post(url, {"messages": [printer.pk, invoice.pk], "subject": "All"})
    assert refused(everything) == {"messages": ["Leave at least one message on this ticket."]}
    foreign = api.post(url, {"messages": [other.messages.get().pk], "subject": "Theirs"})
    assert refused(foreign) == {"messages": ["Choose messages of this ticket."]}
    assert refused(api.post(url, {"messages": [], "subject": "None"}))
    assert refused(api.post(url, {"messages": [invoice.pk], "subject": "  "}))
    hidden = outsider.post(url, {"messages": [invoice.pk], "subject": "X"})
    assert refused(hidden, 404) == {}
    assert written() == before


def test_the_split_page_lists_the_messages_and_opens_the_new_ticket(agent, queue, logged_in):
    source, _printer, invoice = _two_matters(agent, queue)
    browser = logged_in(agent)
    url = f"/service/tickets/{source.pk}/split/"

    page = browser.get(url).content.decode()
    assert "Also: the invoice for March is wrong." in page
    assert f'value="{invoice.pk}"' in page
    nothing = browser.post(url, {"subject": "Invoice"})
    assert nothing.status_code == 200 and "This field is required." in nothing.content.decode()

    done = browser.post(url, {"subject": "Invoice for March", "messages": [invoice.pk]})

    new = Ticket.objects.get(subject="Invoice for March")
    assert done.status_code == 302 and done["Location"] == f"/service/tickets/{new.pk}/"
    shown = browser.get(done["Location"]).content.decode()
    assert f"These messages were moved here from ticket #{source.pk}." in shown
