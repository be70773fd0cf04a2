"""Quotes: numbered per year, versioned (the old version kept), priced from the deal's lines
with a document discount, and printed to a PDF whose text is read back."""

from __future__ import annotations

import io
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from pypdf import PdfReader

from clientela.customers.services import account_create
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import AuditEntry
from clientela.sales import pix
from clientela.sales.catalog import opportunity_set_lines, product_save, tax_save
from clientela.sales.models import Quote
from clientela.sales.quotes import (
    company,
    next_number,
    pix_payload,
    quote_create,
    quote_pdf,
    quote_revise,
)
from clientela.sales.services import opportunity_create


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


@pytest.fixture
def deal(admin):
    account = account_create(actor=admin, values={"name": "Transportes Ideal"})
    tax = tax_save(actor=admin, values={"name": "ISS", "rate": "5"})
    product = product_save(
        actor=admin, values={"sku": "F-1", "name": "Frota: rastreador", "unit": "un", "tax": tax.pk}
    )
    made = opportunity_create(actor=admin, values={"name": "Frota 2027", "account": account.pk})
    opportunity_set_lines(
        actor=admin,
        opportunity_id=made.pk,
        lines=[
            {"product": product.pk, "quantity": 10, "unit_price": "1234.50"},
            {"description": "Instalação", "quantity": 1, "unit_price": "800", "tax": None},
        ],
    )
    return made


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_quote_copies_the_lines_applies_the_document_discount_and_is_noted(admin, deal):
    year = timezone.localdate().year
    quote = quote_create(actor=admin, opportunity_id=deal.pk, values={"discount_percent": "10"})

    assert (quote.number, quote.version, quote.status) == (f"Q-{year}-0001", 1, "draft")
    # 12,345.00 - 10% = 11,110.50 + 5% tax 555.53; 800 - 10% = 720.00 untaxed
    assert (quote.net_amount, quote.tax_amount, quote.total_amount) == (
        Decimal("11830.50"),
        Decimal("555.53"),
        Decimal("12386.03"),
    )
    assert list(quote.lines.values_list("description", "unit")) == [
        ("Frota: rastreador", "un"),
        ("Instalação", ""),
    ]
    assert AuditEntry.objects.filter(object_id=str(deal.pk), changes__has_key="quote").exists()


def test_a_revision_keeps_the_old_version_superseded(admin, deal):
    first = quote_create(actor=admin, opportunity_id=deal.pk)
    opportunity_set_lines(
        actor=admin,
        opportunity_id=deal.pk,
        lines=[{"description": "Só instalação", "quantity": 2, "unit_price": "800"}],
    )
    second = quote_revise(actor=admin, quote_id=first.pk, values={"discount_percent": 5})

    first.refresh_from_db()
    assert (first.status, second.number, second.version) == ("superseded", first.number, 2)
    assert first.lines.count() == 2 and second.lines.count() == 1
    assert second.total_amount == Decimal("1520.00")
    with pytest.raises(Conflict):
        quote_revise(actor=admin, quote_id=first.pk)
    assert quote_create(actor=admin, opportunity_id=deal.pk).number.endswith("-0002")


def test_bad_options_and_empty_deals_are_refused(admin, deal):
    with pytest.raises(ValidationFailed) as caught:
        quote_create(
            actor=admin,
            opportunity_id=deal.pk,
            values={
                "valid_until": "2001-01-01",
                "discount_percent": "110",
                "language": "xx",
                "x": 1,
            },
        )
    assert set(caught.value.errors) == {"valid_until", "discount_percent", "language", "x"}
    empty = opportunity_create(actor=admin, values={"name": "Vazia"})
    with pytest.raises(ValidationFailed) as caught:
        quote_create(actor=admin, opportunity_id=empty.pk)
    assert "lines" in caught.value.errors
    assert not Quote.objects.exists()


def test_another_teams_deal_cannot_be_quoted(make_user, make_team, deal):
    outsider = make_user("sales-rep", teams=[make_team("South")])
    with pytest.raises(NotFound):
        quote_create(actor=outsider, opportunity_id=deal.pk)


def test_the_pdf_shows_the_company_the_lines_totals_and_the_pix_payload(admin, deal):
    profile = company()
    profile.name, profile.city, profile.pix_key = (
        "Clientela Demo Ltda",
        "Recife",
        "vendas@example.com",
    )
    profile.address = "Rua da Aurora, 100"
    profile.save()
    quote = quote_create(actor=admin, opportunity_id=deal.pk, values={"language": "pt-br"})

    data = quote_pdf(quote)

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in ("Clientela Demo Ltda", "Rua da Aurora, 100", quote.number, "Proposta"):
        assert expected in text
    assert "13.762,25" in text  # 12,345.00 + 5% + 800.00, written the Brazilian way
    payload = pix_payload(quote)
    fields = pix.parse(payload)
    assert fields["54"] == "13762.25"
    assert fields["26"]["01"] == "vendas@example.com"  # type: ignore[index]
    assert payload[:40] in text.replace("\n", "")


@pytest.mark.django_db(transaction=True)
def test_two_quotes_at_once_never_share_a_number():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock is what PostgreSQL needs")
    numbers: list[str] = []

    def take() -> None:
        try:
            for _n in range(10):
                numbers.append(next_number("T", timezone.localdate()))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=take) for _t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(numbers) == len(set(numbers)) == 40
