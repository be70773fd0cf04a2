"""From quote to order: the quote goes out over real SMTP with its PDF, the customer opens the
link and accepts (the order is made and the deal won in one step) or declines; a wrong or
expired link shows nothing; the order moves through its lifecycle and reaches webhooks."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy

import pytest
from django.test import Client
from django.utils import timezone

from clientela.customers.services import account_create, contact_create
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import WebhookDelivery
from clientela.platform.services import webhooks
from clientela.sales.catalog import opportunity_set_lines
from clientela.sales.models import DeliveryEvent, Opportunity, Quote, SalesOrder
from clientela.sales.orders import delivery_add, order_set_status
from clientela.sales.quotes import quote_create, quote_decide, quote_revise, quote_send
from clientela.sales.services import opportunity_create

BASE = "http://testserver"


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


@pytest.fixture
def quote(admin):
    account = account_create(actor=admin, values={"name": "Transportes Ideal"})
    buyer = contact_create(
        actor=admin,
        values={"first_name": "Bia", "email": "bia@ideal.example", "account": account.pk},
    )
    deal = opportunity_create(
        actor=admin,
        values={
            "name": "Frota 2027",
            "account": account.pk,
            "contacts": [{"contact": buyer.pk, "role": "decision_maker"}],
        },
    )
    opportunity_set_lines(
        actor=admin,
        opportunity_id=deal.pk,
        lines=[{"description": "Rastreador", "quantity": 10, "unit_price": "1234.50"}],
    )
    return quote_create(actor=admin, opportunity_id=deal.pk, values={"language": "pt-br"})


def sent_link(smtp_server) -> str:
    message = message_from_bytes(smtp_server.messages[-1].as_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://testserver(/q/\S+)", body).group(1)


def test_the_quote_goes_out_with_its_pdf_and_a_link_the_customer_accepts(admin, quote, smtp_server):
    quote = quote_send(actor=admin, quote_id=quote.pk, base_url=BASE, message="Segue a proposta.")

    assert quote.status == "sent"
    message = message_from_bytes(smtp_server.messages[-1].as_bytes(), policy=policy.default)
    assert message["To"] == "bia@ideal.example"
    assert quote.number in message["Subject"] and "Proposta" in message["Subject"]
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    path = sent_link(smtp_server)

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert quote.number in page.content.decode() and "Aceitar a proposta" in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"

    answer = visitor.post(path, {"answer": "accept", "note": "Fechado!"})
    assert answer.status_code == 200
    quote.refresh_from_db()
    assert (quote.status, quote.decision_note) == ("accepted", "Fechado!")
    order = SalesOrder.objects.get(quote=quote)
    assert order.number.startswith("SO-") and order.total_amount == quote.total_amount
    assert list(order.lines.values_list("description", flat=True)) == ["Rastreador"]
    assert Opportunity.objects.get(pk=quote.opportunity_id).status == "won"

    # a second answer changes nothing
    again = visitor.post(path, {"answer": "decline"})
    assert "já foi respondida" in again.content.decode()
    assert SalesOrder.objects.count() == 1


def test_a_wrong_replaced_or_expired_link_shows_nothing(admin, quote, smtp_server):
    quote_send(actor=admin, quote_id=quote.pk, base_url=BASE)
    path = sent_link(smtp_server)
    visitor = Client()
    assert visitor.get(path[:-3] + "abc/").status_code == 404
    assert visitor.get(f"/q/{quote.pk + 1}/{path.split('/')[-2]}/").status_code == 404

    Quote.objects.filter(pk=quote.pk).update(link_expires=timezone.now() - dt.timedelta(seconds=1))
    assert visitor.get(path).status_code == 410
    with pytest.raises(Conflict):
        quote_decide(quote_id=quote.pk, token=path.split("/")[-2], accept=True)

    Quote.objects.filter(pk=quote.pk).update(link_expires=timezone.now() + dt.timedelta(days=1))
    newer = quote_revise(actor=admin, quote_id=quote.pk)
    assert newer.version == 2
    with pytest.raises(NotFound):  # the old version's link died with it
        quote_decide(quote_id=quote.pk, token=path.split("/")[-2], accept=True)
    assert not SalesOrder.objects.exists()


def test_declining_records_the_answer_and_makes_no_order(admin, quote, smtp_server):
    quote_send(actor=admin, quote_id=quote.pk, base_url=BASE)
    token = sent_link(smtp_server).split("/")[-2]
    decided = quote_decide(quote_id=quote.pk, token=token, accept=False, note="Caro demais")
    assert (decided.status, decided.decision_note) == ("declined", "Caro demais")
    assert not SalesOrder.objects.exists()
    assert Opportunity.objects.get(pk=quote.opportunity_id).status == "open"


def test_a_quote_needs_an_address_to_go_to(admin, quote, smtp_server):
    quote.opportunity.contact_roles.all().delete()
    with pytest.raises(ValidationFailed) as caught:
        quote_send(actor=admin, quote_id=quote.pk, base_url=BASE)
    assert "to" in caught.value.errors
    with pytest.raises(ValidationFailed):
        quote_send(actor=admin, quote_id=quote.pk, base_url=BASE, to="x@y.z\nBcc: evil@x.example")
    assert smtp_server.messages == []


def test_the_order_moves_through_its_lifecycle_and_reaches_webhooks(
    admin, quote, smtp_server, django_capture_on_commit_callbacks
):
    webhooks.endpoint_create(
        actor=admin,
        values={"url": "https://erp.example/hooks", "event_types": ["sales.order.updated"]},
    )
    quote_send(actor=admin, quote_id=quote.pk, base_url=BASE)
    token = sent_link(smtp_server).split("/")[-2]
    quote_decide(quote_id=quote.pk, token=token, accept=True)
    order = SalesOrder.objects.get()

    with pytest.raises(Conflict):
        order_set_status(actor=admin, order_id=order.pk, status="delivered")
    with pytest.raises(Conflict):
        delivery_add(actor=admin, order_id=order.pk, values={"status": "in transit"})
    with django_capture_on_commit_callbacks(execute=True):
        order = order_set_status(actor=admin, order_id=order.pk, status="confirmed")
    delivery = WebhookDelivery.objects.get(event="sales.order.updated")
    assert "confirmed" in str(delivery.payload) and str(order.pk) in str(delivery.payload)
    order = order_set_status(
        actor=admin,
        order_id=order.pk,
        status="shipped",
        values={"carrier": "Correios", "tracking_number": "AA123456789BR"},
    )
    delivery_add(
        actor=admin,
        order_id=order.pk,
        values={"status": "in transit", "location": "Recife, PE", "at": "2026-12-01T10:00:00"},
    )
    with pytest.raises(ValidationFailed) as caught:
        delivery_add(
            actor=admin, order_id=order.pk, values={"status": "", "at": "2999-01-01T00:00:00"}
        )
    assert {"status", "at"} <= set(caught.value.errors)
    order = order_set_status(actor=admin, order_id=order.pk, status="delivered")
    assert (order.carrier, order.tracking_number, order.status) == (
        "Correios",
        "AA123456789BR",
        "delivered",
    )
    steps = DeliveryEvent.objects.filter(order=order).order_by("at", "id")
    assert list(steps.values_list("status", flat=True)) == [
        "in transit",
        "confirmed",
        "shipped",
        "delivered",
    ]


def test_another_teams_order_is_not_found(admin, quote, smtp_server, make_user, make_team):
    quote_send(actor=admin, quote_id=quote.pk, base_url=BASE)
    quote_decide(quote_id=quote.pk, token=sent_link(smtp_server).split("/")[-2], accept=True)
    order = SalesOrder.objects.get()
    outsider = make_user("sales-rep", teams=[make_team("South")])
    with pytest.raises(NotFound):
        order_set_status(actor=outsider, order_id=order.pk, status="confirmed")
