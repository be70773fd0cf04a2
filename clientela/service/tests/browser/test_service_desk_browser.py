"""The service desk in a real browser: an agent takes a phone call, opens the ticket from the
queue, answers asking the customer for more (the ticket waits, "Pending customer"), writes an
internal note, and resolves it; then merges a duplicate through the confirmation dialog."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.services import contact_create
from clientela.platform.models import Team, User
from clientela.service import services
from clientela.service.models import Queue, Ticket, TicketMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Url = Callable[[str], str]


@pytest.fixture
def agent(make_user: Callable[..., User]) -> User:
    team = Team.objects.create(name="Suporte")
    user = make_user("service-agent", teams=[team], username="tina", time_zone="UTC")
    Queue.objects.create(name="Atendimento", lead=user, team=team)
    return user


def test_an_agent_takes_a_call_answers_waits_for_the_customer_notes_and_resolves(
    page: Page, agent: User, sign_in: Callable[..., None], url: Url
) -> None:
    contact = contact_create(
        actor=agent,
        values={"first_name": "Carla", "last_name": "Souza", "email": "carla@padaria.com.br"},
    )
    sign_in(page, "tina")

    # the queue is empty; its button opens a new ticket
    page.goto("/service/")
    expect(page.locator(".empty-state")).to_contain_text("No open tickets.")
    page.get_by_role("link", name="New ticket").first.click()
    page.fill("input[name=subject]", "Maquininha de cartão não liga")
    page.select_option("select[name=channel]", "phone")
    page.select_option("select[name=contact]", str(contact.pk))
    page.select_option("select[name=priority]", "high")
    page.fill("textarea[name=message]", "Ligou às 10h: a maquininha não liga desde ontem.")
    page.get_by_role("button", name="Open the ticket").click()
    ticket = Ticket.objects.get()
    expect(page).to_have_url(url(f"/service/tickets/{ticket.pk}/"))
    expect(page.locator("[data-ticket-status]")).to_have_text("New")
    expect(page.locator(".msg-customer")).to_contain_text("a maquininha não liga desde ontem")

    # it is in the queue, with its requester
    page.goto("/service/")
    row = page.locator(f"tr[data-ticket='{ticket.pk}']")
    expect(row).to_contain_text("Maquininha de cartão não liga")
    expect(row).to_contain_text("Carla Souza")
    expect(row).to_contain_text("High")
    row.get_by_role("link", name="Maquininha de cartão não liga").click()

    # a reply asking the customer for more: the ticket waits for them
    page.fill("form.reply-form textarea[name=body]", "Pode nos dizer o número de série?")
    page.select_option("form.reply-form select[name=status]", "pending")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".messages")).to_contain_text("Your reply was added.")
    expect(page.locator("[data-ticket-status]")).to_have_text("Pending customer")
    reply = page.locator(".msg-reply")
    expect(reply).to_contain_text("Pode nos dizer o número de série?")
    expect(reply).to_contain_text("To: carla@padaria.com.br")
    expect(reply.locator(".delivery")).to_have_text("Sending")

    # an internal note, marked as such
    page.fill("form.note-form textarea[name='note-body']", "Cliente VIP: priorizar a troca.")
    page.get_by_role("button", name="Add note").click()
    note = page.locator(".msg-note")
    expect(note).to_contain_text("Cliente VIP: priorizar a troca.")
    expect(note.locator(".msg-internal")).to_have_text("Internal")

    # resolved from the status buttons
    page.locator("form[action$='/status/'] button[value=resolved]").click()
    expect(page.locator(".messages")).to_contain_text("The ticket is now “Resolved”.")
    expect(page.locator("[data-ticket-status]")).to_have_text("Resolved")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.channel, ticket.contact_id) == ("resolved", "phone", contact.pk)
    kinds = list(TicketMessage.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["customer", "reply", "note"]


def test_merging_a_duplicate_asks_in_a_dialog_first(
    page: Page, agent: User, sign_in: Callable[..., None], url: Url
) -> None:
    queue = Queue.objects.get()
    main = services.ticket_create(
        actor=agent, values={"subject": "Sem sinal", "queue": queue.pk}, message="Caiu."
    )
    dup = services.ticket_create(
        actor=agent, values={"subject": "Sem sinal de novo", "queue": queue.pk}, message="Ainda."
    )
    sign_in(page, "tina")
    page.goto(f"/service/tickets/{dup.pk}/")

    page.fill("input[name='merge-ticket']", str(main.pk))
    page.get_by_role("button", name="Merge…").click()
    dialog = page.locator("dialog[data-merge-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text(f"Merge #{dup.pk} into #{main.pk}?")
    expect(dialog).to_contain_text("“Sem sinal”")
    # cancelled: nothing happens, the focus is back on the number
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("input[name='merge-ticket']")).to_be_focused()
    dup.refresh_from_db()
    assert dup.status == "new"

    page.get_by_role("button", name="Merge…").click()
    page.locator("dialog[data-merge-dialog]").get_by_role("button", name="Merge").click()
    expect(page).to_have_url(url(f"/service/tickets/{main.pk}/"))
    expect(page.locator(".conversation")).to_contain_text("Ainda.")
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == ("closed", main.pk)
