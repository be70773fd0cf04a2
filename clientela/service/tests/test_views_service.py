"""Service desk pages with the test client on real data: the queue (visibility, the SLA column,
filters, a fixed number of queries), opening a ticket by phone, replying and noting with files
(refused uploads write nothing), the side actions, attachment downloads that never render,
the customer's survey link, and the tickets panel on customer pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from clientela.customers.services import account_create, contact_create
from clientela.platform import panels
from clientela.service import conversation, outbound, services
from clientela.service.conversation import NewFile
from clientela.service.models import (
    Attachment,
    Queue,
    SlaPolicy,
    Ticket,
    TicketMessage,
)

HTMX = {"HX-Request": "true"}
MB = 1024 * 1024


@pytest.fixture
def desk(make_team):
    return make_team("Desk")


@pytest.fixture
def agent(make_user, desk):
    return make_user("service-agent", teams=[desk], username="ana", time_zone="UTC")


@pytest.fixture
def stranger(make_user, make_team):
    """A service agent of another team, with no queue of theirs."""
    return make_user("service-agent", teams=[make_team("Field")], username="sergio")


@pytest.fixture
def support(agent, desk):
    return Queue.objects.create(name="Support", lead=agent, team=desk)


def ticket(actor, subject: str, queue: Queue, message: str = "", **values) -> Ticket:
    return services.ticket_create(
        actor=actor, values={"subject": subject, "queue": queue.pk, **values}, message=message
    )


def page_of(client: Client, path: str, **query) -> str:
    response = client.get(path, query)
    assert response.status_code == 200
    return response.content.decode()


def set_clock(t: Ticket, **values) -> None:
    """Put the SLA clock where a test wants it (``save`` keeps ``sort_due`` in step)."""
    for name, value in values.items():
        setattr(t, name, value)
    t.save()


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_lists_only_the_tickets_the_agent_may_see(agent, stranger, support, logged_in):
    printer = ticket(agent, "The printer is on fire", support, requester_email="rui@cliente.com")
    ticket(agent, "Invoice twice", support)

    mine = logged_in(agent).get("/service/")
    theirs = logged_in(stranger).get("/service/")

    assert [row.ticket.subject for row in mine.context["rows"]] == [
        "The printer is on fire",
        "Invoice twice",
    ]
    html = mine.content.decode()
    assert f'<a href="/service/tickets/{printer.pk}/">The printer is on fire</a>' in html
    assert "rui@cliente.com" in html
    assert theirs.status_code == 200
    assert theirs.context["rows"] == []
    other = theirs.content.decode()
    assert "The printer is on fire" not in other and "Invoice twice" not in other
    assert "No open tickets." in other


def test_a_user_without_service_rights_is_refused_the_queue(make_user, logged_in, support):
    rep = make_user("sales-rep")

    assert logged_in(rep).get("/service/").status_code == 403


def test_the_sla_column_shows_the_nearer_due_instant_relative_to_now(agent, support, logged_in):
    now = timezone.now()
    soon = ticket(agent, "Due soon", support)
    late = ticket(agent, "Already late", support)
    near = ticket(agent, "Nearly late", support)
    waiting = ticket(agent, "Waiting for the customer", support)
    set_clock(
        soon,
        first_response_due=now + dt.timedelta(hours=2, minutes=10, seconds=20),
        resolution_due=now + dt.timedelta(days=1),
        sla_state="ok",
    )
    set_clock(
        late,
        first_response_due=now - dt.timedelta(minutes=35, seconds=10),
        resolution_due=now + dt.timedelta(hours=5),
        sla_state="breached",
        first_response_breached=True,
    )
    set_clock(near, resolution_due=now + dt.timedelta(days=3, hours=4, seconds=20))
    set_clock(near, sla_state="warning")
    set_clock(waiting, status="pending", resolution_left=3600, sla_state="ok")

    html = page_of(logged_in(agent), "/service/")

    assert '<span class="sla-clock sla-ok">due in 2 h 10 min</span>' in html
    assert '<span class="sla-clock sla-breached">late by 35 min</span>' in html
    assert '<span class="sla-clock sla-warning">due in 3 d 4 h</span>' in html
    assert '<span class="sla-clock sla-paused">paused</span>' in html
    # ordered by the nearer due instant: the late one first, the paused one last
    rows = re.findall(r'data-ticket="(\d+)"', html)
    assert rows == [str(late.pk), str(soon.pk), str(near.pk), str(waiting.pk)]


def test_a_policy_starts_the_clock_the_queue_shows(agent, support, logged_in):
    SlaPolicy.objects.create(
        name="Standard", targets={"high": {"first_response": 90, "resolution": 600}}
    )
    ticket(agent, "Server down", support, priority="high")

    html = page_of(logged_in(agent), "/service/")

    assert re.search(r'<span class="sla-clock sla-ok">due in 1 h (30|29) min</span>', html)


def test_durations_read_in_minutes_hours_and_days():
    from clientela.service.views import duration_text

    assert [duration_text(s) for s in (10, 35 * 60, 3600, 7800, 86400, 90000 + 1800)] == [
        "1 min",
        "35 min",
        "1 h",
        "2 h 10 min",
        "1 d",
        "1 d 1 h",
    ]


def test_the_queue_filters_by_view_queue_priority_and_search(
    agent, make_user, desk, support, logged_in
):
    billing = Queue.objects.create(name="Billing", lead=agent, team=desk)
    a = ticket(agent, "Boleto não chegou", billing, priority="urgent")
    b = ticket(agent, "Senha esquecida", support, requester_email="maria@loja.com.br")
    c = ticket(agent, "Troca de endereço", support)
    services.ticket_assign(actor=agent, ticket_id=c.pk, assignee_id=agent.pk)
    services.ticket_set_status(actor=agent, ticket_id=b.pk, status="pending")
    client = logged_in(agent)

    def subjects(**query) -> list[str]:
        return [r.ticket.subject for r in client.get("/service/", query).context["rows"]]

    # no SLA policy, so no clock: the oldest first
    assert subjects() == ["Boleto não chegou", "Senha esquecida", "Troca de endereço"]
    assert subjects(view="mine") == ["Troca de endereço"]
    assert subjects(view="unassigned") == ["Boleto não chegou", "Senha esquecida"]
    assert subjects(order="newest") == ["Troca de endereço", "Senha esquecida", "Boleto não chegou"]
    assert subjects(view="pending") == ["Senha esquecida"]
    assert subjects(queue=billing.pk) == ["Boleto não chegou"]
    assert subjects(priority="urgent") == ["Boleto não chegou"]
    assert subjects(q="maria@loja") == ["Senha esquecida"]
    assert subjects(q=f"#{a.pk}") == ["Boleto não chegou"]
    superscript = str(b.pk).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    assert subjects(q=f"#{superscript}") == ["Senha esquecida"]  # "#²" is read as "#2"
    assert subjects(view="closed") == []
    html = page_of(client, "/service/")
    # the queue switcher: active tickets, unassigned and late ones per queue
    assert re.search(
        r'Billing <span class="chip-count"[^>]*>1</span> <span class="chip-note">'
        r"1 unassigned</span>",
        html,
    )
    assert re.search(
        r'Support <span class="chip-count"[^>]*>2</span> <span class="chip-note">'
        r"1 unassigned</span>",
        html,
    )


def test_the_queue_pages_with_a_cursor(agent, support, logged_in, monkeypatch):
    from clientela.service import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(5):
        ticket(agent, f"Chamado {n}", support)
    client = logged_in(agent)

    first = client.get("/service/", {"order": "oldest"})
    cursor = first.context["page"].next_cursor
    second = client.get("/service/", {"order": "oldest", "cursor": cursor})
    broken = client.get("/service/", {"order": "oldest", "cursor": "not-a-cursor"})

    assert [r.ticket.subject for r in first.context["rows"]] == ["Chamado 0", "Chamado 1"]
    assert f"?order=oldest&amp;cursor={cursor}" in first.content.decode()
    assert [r.ticket.subject for r in second.context["rows"]] == ["Chamado 2", "Chamado 3"]
    assert [r.ticket.subject for r in broken.context["rows"]] == ["Chamado 0", "Chamado 1"]
    assert "This page link is no longer valid" in broken.content.decode()
    # by due instant (none runs: all at the end of time, then by number)
    due = client.get("/service/")
    after = client.get("/service/", {"cursor": due.context["page"].next_cursor})
    last = client.get("/service/", {"cursor": after.context["page"].next_cursor})
    assert [r.ticket.subject for r in after.context["rows"]] == ["Chamado 2", "Chamado 3"]
    assert [r.ticket.subject for r in last.context["rows"]] == ["Chamado 4"]
    assert last.context["page"].next_cursor is None


def test_the_queue_page_reads_a_fixed_number_of_queries(
    agent, make_user, desk, support, logged_in, django_assert_max_num_queries
):
    other = make_user("service-agent", teams=[desk])
    for n in range(30):
        account = account_create(actor=agent, values={"name": f"Loja {n}"})
        contact = contact_create(
            actor=agent, values={"first_name": f"Cliente {n}", "account": account.pk}
        )
        t = ticket(agent, f"Pedido {n}", support, contact=contact.pk, priority="high")
        services.ticket_assign(actor=agent, ticket_id=t.pk, assignee_id=(other, agent)[n % 2].pk)
    client = logged_in(agent)
    client.get("/service/")  # the session and the caches warm up

    with django_assert_max_num_queries(
        8
    ):  # session, user, grants, teams, page, counts, queues, bell
        response = client.get("/service/")

    assert len(response.context["rows"]) == 30
    assert "Loja 29" in response.content.decode() and "Cliente 29" in response.content.decode()


# --- a new ticket --------------------------------------------------------------------------


def test_an_agent_opens_a_ticket_from_a_phone_call(agent, support, logged_in):
    account = account_create(actor=agent, values={"name": "Padaria Central"})
    contact = contact_create(
        actor=agent,
        values={"first_name": "Joana", "last_name": "Lima", "email": "joana@padaria.com.br"},
    )
    client = logged_in(agent)
    form = page_of(client, "/service/tickets/new/", account=account.pk)
    assert f'<option value="{account.pk}" selected>Padaria Central</option>' in form

    response = client.post(
        "/service/tickets/new/",
        {
            "subject": "  Forno   não liga ",
            "channel": "phone",
            "queue": support.pk,
            "priority": "high",
            "contact": contact.pk,
            "account": account.pk,
            "message": "Ligou às 9h: o forno não liga desde ontem.",
        },
    )

    created = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/service/tickets/{created.pk}/"
    assert (created.subject, created.channel, created.priority, created.status) == (
        "Forno não liga",
        "phone",
        "high",
        "new",
    )
    assert (created.contact_id, created.account_id, created.requester_email) == (
        contact.pk,
        account.pk,
        "joana@padaria.com.br",
    )
    first = TicketMessage.objects.get(ticket=created)
    assert (first.kind, first.body, first.channel) == (
        "customer",
        "Ligou às 9h: o forno não liga desde ontem.",
        "phone",
    )
    html = page_of(client, f"/service/tickets/{created.pk}/")
    assert "Ligou às 9h: o forno não liga desde ontem." in html
    assert "Joana Lima" in html and "Padaria Central" in html


def test_a_ticket_without_a_subject_is_refused_on_the_form(agent, support, logged_in):
    response = logged_in(agent).post(
        "/service/tickets/new/",
        {"subject": "", "channel": "phone", "queue": support.pk, "priority": "normal"},
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Ticket.objects.count() == 0


# --- the conversation ----------------------------------------------------------------------


def test_a_reply_is_written_and_moves_the_new_ticket_to_open(agent, support, logged_in):
    t = ticket(agent, "Nota fiscal", support, "Onde está a nota?", requester_email="c@x.com.br")
    client = logged_in(agent)
    pdf = SimpleUploadedFile("nota 123.pdf", b"%PDF-1.4 nota", content_type="application/pdf")

    response = client.post(
        f"/service/tickets/{t.pk}/reply/",
        {"body": "Segue a nota em anexo.", "status": "", "attachments": [pdf]},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/service/tickets/{t.pk}/#conversation"
    reply = TicketMessage.objects.get(ticket=t, kind="reply")
    assert (reply.body, reply.author, reply.to_addresses, reply.delivery) == (
        "Segue a nota em anexo.",
        agent,
        "c@x.com.br",
        "queued",
    )
    t.refresh_from_db()
    assert t.status == "open" and t.first_responded_at is not None
    stored = Attachment.objects.get(message=reply)
    assert (stored.filename, stored.size) == ("nota 123.pdf", 13)
    html = page_of(client, f"/service/tickets/{t.pk}/")
    assert "Segue a nota em anexo." in html and "Your reply was added." in html
    assert f'<a href="/service/attachments/{stored.pk}/" download>nota 123.pdf</a>' in html
    assert '<span class="delivery delivery-queued">Sending</span>' in html


def test_a_reply_that_asks_for_the_customer_pauses_the_clock(agent, support, logged_in):
    SlaPolicy.objects.create(
        name="Standard", targets={"normal": {"first_response": 60, "resolution": 480}}
    )
    t = ticket(agent, "Acesso negado", support, "Não consigo entrar.")
    client = logged_in(agent)

    client.post(
        f"/service/tickets/{t.pk}/reply/", {"body": "Qual é o seu login?", "status": "pending"}
    )

    t.refresh_from_db()
    assert (t.status, t.resolution_due, t.first_response_due) == ("pending", None, None)
    assert t.resolution_left is not None
    html = page_of(client, f"/service/tickets/{t.pk}/")
    assert "Pending customer" in html
    assert re.search(
        r'data-sla-target="resolution"><span class="sla-clock sla-paused">'
        r"Paused while waiting for the customer</span>",
        html,
    )


def test_a_blocked_file_type_is_refused_and_nothing_is_written(agent, support, logged_in):
    t = ticket(agent, "Vírus?", support)
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/x-msdownload")

    response = logged_in(agent).post(
        f"/service/tickets/{t.pk}/reply/",
        {"body": "Rode este instalador.", "attachments": [exe]},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "“setup.exe”: files of this type are not accepted." in html
    assert "Rode este instalador." in html  # what was typed is kept
    assert TicketMessage.objects.filter(ticket=t).count() == 0
    assert Attachment.objects.count() == 0
    t.refresh_from_db()
    assert t.status == "new"


def test_a_file_over_the_limit_is_not_even_read_and_nothing_is_written(
    agent, support, logged_in, settings
):
    settings.SERVICE_ATTACHMENT_MAX_BYTES = MB
    t = ticket(agent, "Fotos", support)
    big = SimpleUploadedFile("fotos.zip", b"x" * (MB + 1), content_type="application/zip")
    small = SimpleUploadedFile("ok.txt", b"fine", content_type="text/plain")

    response = logged_in(agent).post(
        f"/service/tickets/{t.pk}/note/",
        {"note-body": "Cliente mandou as fotos.", "note-attachments": [small, big]},
    )

    assert response.status_code == 200
    assert "“fotos.zip” is larger than 1 MB." in response.content.decode()
    assert TicketMessage.objects.filter(ticket=t).count() == 0
    assert Attachment.objects.count() == 0


def test_a_reply_to_a_closed_ticket_is_refused_on_the_page(agent, support, logged_in):
    t = ticket(agent, "Encerrado", support)
    services.ticket_set_status(actor=agent, ticket_id=t.pk, status="closed")

    response = logged_in(agent).post(f"/service/tickets/{t.pk}/reply/", {"body": "Mais uma coisa"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "The ticket is closed; open a new one." in html and "Mais uma coisa" in html
    assert not TicketMessage.objects.filter(ticket=t).exists()


def test_the_reply_still_checks_the_csrf_token(agent, support):
    t = ticket(agent, "CSRF", support)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(f"/service/tickets/{t.pk}/reply/", {"body": "Olá"})

    assert response.status_code == 403
    assert TicketMessage.objects.filter(ticket=t).count() == 0


def test_an_internal_note_is_marked_and_never_queued_as_mail(agent, support, logged_in):
    t = ticket(agent, "Reembolso", support, requester_email="c@x.com.br")
    client = logged_in(agent)

    client.post(f"/service/tickets/{t.pk}/note/", {"note-body": "Aprovado pelo financeiro."})

    note = TicketMessage.objects.get(ticket=t)
    assert (note.kind, note.delivery, note.to_addresses) == ("note", "", "")
    html = page_of(client, f"/service/tickets/{t.pk}/")
    assert re.search(
        r'<li class="msg msg-note" id="message-\d+">\s*<header class="msg-head">\s*'
        r'<strong class="msg-from">ana</strong>\s*'
        r'<span class="pill msg-kind msg-internal">Internal</span>',
        html,
    )


def test_another_teams_agent_cannot_open_or_answer_the_ticket(agent, stranger, support, logged_in):
    t = ticket(agent, "Confidencial", support)
    client = logged_in(stranger)

    assert client.get(f"/service/tickets/{t.pk}/").status_code == 404
    assert client.post(f"/service/tickets/{t.pk}/reply/", {"body": "Oi"}).status_code == 404
    assert client.post(f"/service/tickets/{t.pk}/status/", {"status": "closed"}).status_code == 404
    t.refresh_from_db()
    assert t.status == "new" and not TicketMessage.objects.filter(ticket=t).exists()


# --- side actions --------------------------------------------------------------------------


def test_the_status_buttons_follow_the_lifecycle(agent, support, logged_in):
    t = ticket(agent, "Lento", support)
    client = logged_in(agent)

    html = page_of(client, f"/service/tickets/{t.pk}/")
    buttons = re.findall(r'name="status" value="(\w+)">', html)
    response = client.post(f"/service/tickets/{t.pk}/status/", {"status": "resolved"})
    after = page_of(client, f"/service/tickets/{t.pk}/")
    refused = client.post(f"/service/tickets/{t.pk}/status/", {"status": "pending"}, follow=True)

    assert buttons == ["open", "pending", "resolved", "closed"]
    assert response.status_code == 302
    assert re.findall(r'name="status" value="(\w+)">', after) == ["open", "closed"]
    assert "The ticket is now “Resolved”." in after
    assert "A ticket cannot go from “Resolved” to “Pending customer”." in refused.content.decode()
    t.refresh_from_db()
    assert t.status == "resolved"


def test_assign_to_me_then_unassign(agent, support, logged_in):
    t = ticket(agent, "Quem pega?", support)
    client = logged_in(agent)

    client.post(f"/service/tickets/{t.pk}/assign/", {"assignee": "me"})
    t.refresh_from_db()
    assert t.assignee_id == agent.pk
    client.post(f"/service/tickets/{t.pk}/assign/", {"assignee": ""})
    t.refresh_from_db()
    assert (t.assignee_id, t.owner_id) == (None, support.lead_id)


def test_editing_sends_only_what_changed(agent, desk, support, logged_in):
    billing = Queue.objects.create(name="Billing", lead=agent, team=desk)
    t = ticket(agent, "Cobrança errada", support)

    response = logged_in(agent).post(
        f"/service/tickets/{t.pk}/edit/",
        {"subject": "Cobrança errada", "priority": "urgent", "queue": billing.pk, "category": ""},
    )

    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.priority, t.queue_id, t.transfers) == ("urgent", billing.pk, 1)


def test_merging_asks_first_then_moves_the_conversation(agent, support, logged_in):
    dup = ticket(agent, "Impressora (de novo)", support, "Ainda não imprime.")
    main = ticket(agent, "Impressora", support, "Não imprime.")
    client = logged_in(agent)

    asked = client.post(
        f"/service/tickets/{dup.pk}/merge/", {"merge-ticket": f"#{main.pk}"}, headers=HTMX
    )
    wrong = client.post(
        f"/service/tickets/{dup.pk}/merge/", {"merge-ticket": "999999"}, headers=HTMX
    )
    done = client.post(
        f"/service/tickets/{dup.pk}/merge/", {"merge-ticket": main.pk, "confirm": "yes"}
    )

    question = asked.content.decode()
    assert question.startswith('<dialog class="merge-dialog" data-merge-dialog')
    assert f"Merge #{dup.pk} into #{main.pk}?" in question and "“Impressora”" in question
    assert "There is no ticket #999999 for you." in wrong.content.decode()
    assert done.status_code == 302 and done["Location"] == f"/service/tickets/{main.pk}/"
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == ("closed", main.pk)
    assert sorted(TicketMessage.objects.filter(ticket=main).values_list("body", flat=True)) == [
        "Ainda não imprime.",
        "Não imprime.",
    ]


def test_relating_and_unrelating_tickets(agent, stranger, support, logged_in):
    a = ticket(agent, "Rede caiu", support)
    b = ticket(agent, "Sem internet", support)
    client = logged_in(agent)

    client.post(f"/service/tickets/{a.pk}/related/", {"link-ticket": b.pk, "linked": "1"})
    html = page_of(client, f"/service/tickets/{a.pk}/")
    assert f'<a href="/service/tickets/{b.pk}/">#{b.pk} Sem internet</a>' in html
    client.post(f"/service/tickets/{a.pk}/related/", {"link-ticket": b.pk, "linked": "0"})
    assert list(a.related.all()) == []
    refused = client.post(
        f"/service/tickets/{a.pk}/related/", {"link-ticket": "424242", "linked": "1"}, follow=True
    )
    assert "There is no ticket #424242 for you." in refused.content.decode()


# --- attachments ---------------------------------------------------------------------------


def _attach(agent, t: Ticket, name: str, content_type: str, content: bytes) -> Attachment:
    message = conversation.ticket_note(
        actor=agent, ticket_id=t.pk, body="anexo", files=[NewFile(name, content_type, content)]
    )
    return Attachment.objects.get(message=message)


def test_an_attachment_is_always_downloaded_never_rendered(agent, support, logged_in):
    t = ticket(agent, "Página estranha", support)
    html = _attach(agent, t, "página.html", "text/html", b"<script>alert(1)</script>")
    png = _attach(agent, t, "tela.png", "image/png", b"\x89PNG\r\n\x1a\n")
    client = logged_in(agent)

    response = client.get(f"/service/attachments/{html.pk}/")
    image = client.get(f"/service/attachments/{png.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''p%C3%A1gina.html"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"] == 'attachment; filename="tela.png"'
    assert image["Content-Security-Policy"] == "default-src 'none'"


def test_another_teams_attachment_is_not_found(agent, stranger, support, logged_in):
    t = ticket(agent, "Contrato", support)
    stored = _attach(agent, t, "contrato.pdf", "application/pdf", b"%PDF")

    assert logged_in(stranger).get(f"/service/attachments/{stored.pk}/").status_code == 404
    assert logged_in(agent).get("/service/attachments/987654/").status_code == 404


# --- the customer's survey -----------------------------------------------------------------


def test_the_survey_link_shows_only_the_reference_and_subject_and_takes_a_score(agent, support):
    t = ticket(agent, "Entrega atrasada", support, "Cadê?", requester_email="cliente@x.com.br")
    link = f"/s/rate/{outbound.csat_token(t.pk)}/"
    customer = Client()

    shown = customer.get(link)
    answered = customer.post(link, {"score": "4", "comment": " Rápido! "})

    assert shown.status_code == 200
    html = shown.content.decode()
    assert f"[#{t.pk}]" in html and "Entrega atrasada" in html
    assert "cliente@x.com.br" not in html and "Cadê?" not in html and "Support" not in html
    assert shown["Referrer-Policy"] == "no-referrer"
    assert shown["X-Robots-Tag"] == "noindex, nofollow"
    assert answered.status_code == 200
    assert "Thank you! Your answer helps us serve you better." in answered.content.decode()
    t.refresh_from_db()
    assert (t.csat_score, t.csat_comment) == (4, "Rápido!")


def test_a_tampered_survey_link_is_not_found(agent, support):
    t = ticket(agent, "Entrega", support)
    token = outbound.csat_token(t.pk)
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")

    assert Client().get(f"/s/rate/{tampered}/").status_code == 404
    assert Client().post(f"/s/rate/{tampered}/", {"score": "5"}).status_code == 404
    t.refresh_from_db()
    assert t.csat_score is None


def test_a_survey_score_outside_one_to_five_is_refused(agent, support):
    t = ticket(agent, "Entrega", support)

    response = Client().post(f"/s/rate/{outbound.csat_token(t.pk)}/", {"score": "6"})

    assert response.status_code == 200
    assert "Select a valid choice. 6 is not one of the available choices." in (
        response.content.decode()
    )
    t.refresh_from_db()
    assert t.csat_score is None


# --- the tickets panel on customer pages ---------------------------------------------------


@pytest.fixture
def tickets_panel():
    """The panel as apps.py registers it; left as it was found."""
    registered = {p.key for p in panels.panels_for("customers.account")}
    from clientela.service import panels as service_panels

    panels.register(service_panels.PANEL)
    yield service_panels.PANEL
    if "service.tickets" not in registered:
        panels.unregister("service.tickets")


def test_the_account_page_lists_its_open_tickets(agent, support, logged_in, tickets_panel):
    account = account_create(actor=agent, values={"name": "Mercado Bom Preço"})
    open_one = ticket(agent, "Balança quebrada", support, account=account.pk)
    done = ticket(agent, "Etiquetas", support, account=account.pk)
    services.ticket_set_status(actor=agent, ticket_id=done.pk, status="closed")
    ticket(agent, "De outro cliente", support)

    html = page_of(logged_in(agent), f"/accounts/{account.pk}/")

    assert f'<a href="/service/tickets/{open_one.pk}/">#{open_one.pk} Balança quebrada</a>' in html
    assert "Etiquetas" not in html and "De outro cliente" not in html
    assert f'href="/service/?view=all&amp;account={account.pk}"' in html
    assert f'href="/service/tickets/new/?account={account.pk}"' in html
