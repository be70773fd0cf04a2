"""Pages for a deal's products and quotes and for sales orders, with the test client on real
data: the deal's section, setting its lines (a bad row's error on that row), making, printing,
sending (over real SMTP, and refused by a server that is not there) and revising quotes, the
order list and an order moving through its lifecycle, other teams' records, CSRF."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from clientela.conftest import free_port
from clientela.customers.services import account_create, contact_create
from clientela.sales.catalog import (
    opportunity_set_lines,
    price_list_save,
    product_save,
    tax_save,
)
from clientela.sales.models import DeliveryEvent, Quote, SalesOrder
from clientela.sales.orders import order_from_quote
from clientela.sales.quotes import quote_create
from clientela.sales.services import opportunity_create

HTMX = {"HX-Request": "true"}


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def rep(make_user, north):
    return make_user("sales-rep", teams=[north])


@pytest.fixture
def stranger(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("South")])


@pytest.fixture
def product(admin_user):
    made = product_save(actor=admin_user, values={"sku": "RST-1", "name": "Rastreador"})
    price_list_save(
        actor=admin_user,
        values={
            "name": "Tabela",
            "currency": "BRL",
            "prices": [{"product": made.pk, "min_quantity": 1, "unit_price": "100"}],
        },
    )
    return made


@pytest.fixture
def deal(rep):
    account = account_create(actor=rep, values={"name": "Transportes Ideal"})
    buyer = contact_create(
        actor=rep,
        values={"first_name": "Bia", "email": "bia@ideal.example", "account": account.pk},
    )
    return opportunity_create(
        actor=rep,
        values={
            "name": "Frota 2027",
            "account": account.pk,
            "currency": "BRL",
            "contacts": [{"contact": buyer.pk, "role": "decision_maker"}],
        },
    )


@pytest.fixture
def quote(rep, deal):
    lines = [{"description": "Instalação", "quantity": 2, "unit_price": "500"}]
    opportunity_set_lines(actor=rep, opportunity_id=deal.pk, lines=lines)
    return quote_create(actor=rep, opportunity_id=deal.pk, values={"language": "pt-br"})


@pytest.fixture
def order(rep, quote):
    return order_from_quote(actor=rep, quote=quote)


def rows(*lines: dict[str, str], extra: int = 0) -> dict[str, str]:
    """The lines formset's POST data."""
    data = {"lines-TOTAL_FORMS": str(len(lines) + extra), "lines-INITIAL_FORMS": "0"}
    for index, line in enumerate(lines):
        data |= {f"lines-{index}-{name}": value for name, value in line.items()}
    return data


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


# --- the deal's section and its lines ------------------------------------------------------


def test_the_deal_page_loads_the_section_with_lines_quotes_and_orders(rep, order, logged_in):
    browser = logged_in(rep)
    deal_id = order.opportunity_id

    page = browser.get(f"/sales/opportunities/{deal_id}/").content.decode()
    section = browser.get(f"/sales/opportunities/{deal_id}/documents/", headers=HTMX)

    assert f'hx-get="/sales/opportunities/{deal_id}/documents/"' in page
    assert section.status_code == 200
    text = section.content.decode()
    assert "<html" not in text and "Instalação" in text
    assert re.search(r"Q-\d{4}-\d{4}", text) and order.number in text
    assert [q.number for q in section.context["quotes"]] == [order.quote.number]
    assert section.context["sums"]["net"] == Decimal("1000.00")


def test_the_section_without_htmx_is_a_page_with_an_empty_state(rep, deal, logged_in):
    response = logged_in(rep).get(f"/sales/opportunities/{deal.pk}/documents/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" in text and "No products on this deal yet." in text
    assert "No quotes yet." in text


def test_setting_lines_takes_the_price_lists_price_when_blank(rep, deal, product, logged_in):
    data = rows(
        {"product": str(product.pk), "quantity": "3", "unit_price": ""},
        {
            "description": "Instalação",
            "quantity": "1",
            "unit_price": "50",
            "discount_percent": "10",
        },
        extra=1,
    )

    response = logged_in(rep).post(f"/sales/opportunities/{deal.pk}/lines/", data)

    assert response.status_code == 302
    assert response["Location"] == f"/sales/opportunities/{deal.pk}/"
    saved = list(deal.lines.order_by("position").values_list("description", "unit_price"))
    assert saved == [("Rastreador", Decimal("100.0000")), ("Instalação", Decimal("50.0000"))]
    deal.refresh_from_db()
    assert deal.amount == Decimal("345.00")


def test_a_bad_row_shows_its_error_on_that_row_and_nothing_changes(rep, quote, logged_in):
    deal = quote.opportunity
    data = rows(
        {"description": "Cabo", "quantity": "1", "unit_price": "10"},
        {},
        {"description": "Antena", "quantity": "2", "unit_price": ""},
    )

    response = logged_in(rep).post(f"/sales/opportunities/{deal.pk}/lines/", data)

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[2].errors == {"unit_price": ["This field is required."]}
    assert not forms[0].errors and not forms[1].errors
    assert list(deal.lines.values_list("description", flat=True)) == ["Instalação"]


def test_the_rows_show_the_lines_as_entered_and_keep_their_tax(rep, deal, admin_user, logged_in):
    iss = tax_save(actor=admin_user, values={"name": "ISS", "rate": "5"})
    lines = [{"description": "Instalação", "quantity": 10, "unit_price": "500", "tax": iss.pk}]
    opportunity_set_lines(actor=rep, opportunity_id=deal.pk, lines=lines)
    browser = logged_in(rep)

    page = browser.get(f"/sales/opportunities/{deal.pk}/lines/")
    first = page.context["formset"].forms[0]
    assert (first["quantity"].value(), first["unit_price"].value()) == ("10", "500")
    assert first["tax"].value() == iss.pk
    data = rows(
        {"description": "Instalação", "quantity": "10", "unit_price": "500", "tax": str(iss.pk)}
    )
    browser.post(f"/sales/opportunities/{deal.pk}/lines/", data)

    assert list(deal.lines.values_list("tax_rate", "total_amount")) == [
        (Decimal("5.0000"), Decimal("5250.00"))
    ]


# --- quotes --------------------------------------------------------------------------------


def test_making_a_quote_prices_it_from_the_lines(rep, deal, logged_in):
    opportunity_set_lines(
        actor=rep,
        opportunity_id=deal.pk,
        lines=[{"description": "Instalação", "quantity": 2, "unit_price": "500"}],
    )
    valid = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    data = {"valid_until": valid, "discount_percent": "10", "language": "en", "terms": "30 dias"}

    response = logged_in(rep).post(f"/sales/opportunities/{deal.pk}/quotes/new/", data)

    assert response.status_code == 302
    made = Quote.objects.get(opportunity=deal)
    assert (made.version, made.status, made.total_amount) == (1, "draft", Decimal("900.00"))
    assert (made.valid_until.isoformat(), made.terms) == (valid, "30 dias")


def test_a_quote_needs_lines(rep, deal, logged_in):
    data = {"discount_percent": "0", "language": "en"}

    response = logged_in(rep).post(f"/sales/opportunities/{deal.pk}/quotes/new/", data)

    assert response.status_code == 200
    assert "Add products or lines to the deal first." in response.content.decode()
    assert not Quote.objects.filter(opportunity=deal).exists()


def test_the_pdf_is_a_download(rep, quote, logged_in):
    response = logged_in(rep).get(f"/sales/quotes/{quote.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{quote.number}-v1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF")


def test_sending_asks_to_confirm_then_mails_the_quote(rep, quote, smtp_server, logged_in):
    browser = logged_in(rep)
    url = f"/sales/quotes/{quote.pk}/send/"
    data = {"to": "compras@ideal.example", "message": "Segue a proposta."}

    asked = browser.post(url, data)
    assert asked.status_code == 200 and asked.context["confirming"]
    assert smtp_server.messages == []

    sent = browser.post(url, {**data, "confirm": "1"})

    assert sent.status_code == 302
    assert [m["To"] for m in smtp_server.messages] == ["compras@ideal.example"]
    quote.refresh_from_db()
    assert quote.status == "sent"


def test_a_mail_server_that_refuses_shows_the_error(rep, quote, settings, logged_in):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }

    response = logged_in(rep).post(f"/sales/quotes/{quote.pk}/send/", {"to": "", "confirm": "1"})

    assert response.status_code == 200
    assert "The mail server did not take the message" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == "draft"


def test_revising_makes_the_next_version(rep, quote, logged_in):
    data = {"discount_percent": "5", "language": "pt-br", "terms": ""}

    response = logged_in(rep).post(f"/sales/quotes/{quote.pk}/revise/", data)

    assert response.status_code == 302
    versions = Quote.objects.filter(number=quote.number).order_by("version")
    assert [(q.version, q.status) for q in versions] == [(1, "superseded"), (2, "draft")]
    assert versions[1].total_amount == Decimal("950.00")


# --- orders --------------------------------------------------------------------------------


def test_the_order_list_filters_by_status(rep, order, logged_in):
    browser = logged_in(rep)

    everything = browser.get("/sales/orders/")
    shipped = browser.get("/sales/orders/?status=shipped")

    assert [o.number for o in everything.context["page"].items] == [order.number]
    assert shipped.context["page"].items == []
    assert "No order matches these filters." in shipped.content.decode()


def test_the_order_list_is_empty_at_first(rep, logged_in):
    response = logged_in(rep).get("/sales/orders/")

    assert response.status_code == 200
    assert "No sales orders yet." in response.content.decode()


def test_an_order_moves_along_with_carrier_and_delivery_steps(rep, order, logged_in):
    browser = logged_in(rep)
    url = f"/sales/orders/{order.pk}/"

    assert browser.get(url).context["next_statuses"] == [
        ("confirmed", "Confirmed"),
        ("cancelled", "Cancelled"),
    ]
    browser.post(f"{url}status/", {"status": "confirmed"})
    shipped = {"status": "shipped", "carrier": "Correios", "tracking_number": "BR123"}
    browser.post(f"{url}status/", shipped)
    step = browser.post(f"{url}deliveries/", {"status": "In transit", "location": "Curitiba"})

    assert step.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "Correios", "BR123")
    steps = list(DeliveryEvent.objects.filter(order=order).order_by("id"))
    assert [s.status for s in steps] == ["confirmed", "shipped", "In transit"]
    page = browser.get(url).content.decode()
    assert "Curitiba" in page and "Mark as Delivered" in page


def test_a_step_the_lifecycle_refuses_is_shown_and_changes_nothing(rep, order, logged_in):
    browser = logged_in(rep)

    response = browser.post(f"/sales/orders/{order.pk}/status/", {"status": "delivered"})

    assert response.status_code == 302
    page = browser.get(response["Location"]).content.decode()
    assert "An order that is Draft cannot become Delivered." in page
    order.refresh_from_db()
    assert order.status == "draft" and not DeliveryEvent.objects.filter(order=order).exists()


def test_a_draft_order_takes_no_delivery_steps(rep, order, logged_in):
    browser = logged_in(rep)

    response = browser.post(f"/sales/orders/{order.pk}/deliveries/", {"status": "Lost"})

    assert response.status_code == 302
    page = browser.get(response["Location"]).content.decode()
    assert "Only a confirmed order has deliveries." in page
    assert not DeliveryEvent.objects.filter(order=order).exists()


def test_a_delivery_step_in_the_future_shows_its_error_on_the_form(rep, order, logged_in):
    browser = logged_in(rep)
    browser.post(f"/sales/orders/{order.pk}/status/", {"status": "confirmed"})
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = browser.post(
        f"/sales/orders/{order.pk}/deliveries/", {"status": "In transit", "at": later}
    )

    assert response.status_code == 200
    assert response.context["delivery_form"].errors == {
        "at": ["Enter a date and time that is not in the future."]
    }
    assert DeliveryEvent.objects.filter(order=order).count() == 1  # the confirmation's


# --- other teams, CSRF ---------------------------------------------------------------------


def test_another_teams_deal_quote_and_order_are_not_found(stranger, order, logged_in):
    browser = logged_in(stranger)
    deal_id, quote_id = order.opportunity_id, order.quote_id
    pages = [
        f"/sales/opportunities/{deal_id}/documents/",
        f"/sales/opportunities/{deal_id}/lines/",
        f"/sales/opportunities/{deal_id}/quotes/new/",
        f"/sales/quotes/{quote_id}/pdf/",
        f"/sales/quotes/{quote_id}/send/",
        f"/sales/quotes/{quote_id}/revise/",
        f"/sales/orders/{order.pk}/",
    ]

    assert [browser.get(url).status_code for url in pages] == [404] * len(pages)
    posted = browser.post(f"/sales/orders/{order.pk}/status/", {"status": "confirmed"})
    assert posted.status_code == 404
    assert browser.post(f"/sales/quotes/{quote_id}/revise/", {"language": "en"}).status_code == 404
    order.refresh_from_db()
    assert order.status == "draft" and Quote.objects.count() == 1
    assert browser.get("/sales/orders/").context["page"].items == []


def test_writes_need_the_csrf_token(rep, order):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rep)
    url = f"/sales/orders/{order.pk}/status/"

    forged = browser.post(url, {"status": "confirmed"})
    order.refresh_from_db()
    assert forged.status_code == 403 and order.status == "draft"

    token = csrf_token(browser.get(f"/sales/orders/{order.pk}/").content.decode())
    accepted = browser.post(url, {"status": "confirmed", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert SalesOrder.objects.count() == 1
