"""Money: line amounts rounded half up to cents once per line, inclusive and exclusive taxes,
line and document discounts, volume tiers and list validity; a deal's lines set its amount."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.sales import pricing
from clientela.sales.catalog import (
    opportunity_set_lines,
    price_list_save,
    product_delete,
    product_save,
    tax_save,
)
from clientela.sales.models import OpportunityLine
from clientela.sales.pricing import Amounts, line_amounts
from clientela.sales.services import opportunity_create

D = Decimal  # short, for the many amounts below


def test_a_line_is_rounded_once_half_up_not_per_unit():
    # 3 * 0.335 = 1.005 → 1.01 (rounding each unit first would give 3 * 0.34 = 1.02)
    assert line_amounts(D(3), D("0.335")) == Amounts(D("1.01"), D("0.00"), D("1.01"))
    assert line_amounts(D("2.5"), D("0.002")) == Amounts(D("0.01"), D("0.00"), D("0.01"))


def test_exclusive_taxes_are_added_and_inclusive_ones_taken_out():
    assert line_amounts(D(1), D("19.99"), tax_rate=D(10)) == Amounts(
        D("19.99"), D("2.00"), D("21.99")
    )
    # 100.00 with 18% inside: net 84.75, tax 15.25, and the total stays 100.00
    assert line_amounts(D(1), D(100), tax_rate=D(18), tax_inclusive=True) == Amounts(
        D("84.75"), D("15.25"), D("100.00")
    )


def test_line_and_document_discounts_compound_before_the_tax():
    amounts = line_amounts(
        D(10), D("12.50"), discount_percent=D(10), document_discount=D(5), tax_rate=D("7.5")
    )
    # 125.00 → 112.50 → 106.875 → 106.88; tax 8.016 → 8.02
    assert amounts == Amounts(D("106.88"), D("8.02"), D("114.90"))


@given(
    quantity=st.decimals(min_value=D("0.001"), max_value=D(10000), places=3),
    price=st.decimals(min_value=D(0), max_value=D(100000), places=4),
    rate=st.decimals(min_value=D(0), max_value=D(100), places=2),
    inclusive=st.booleans(),
)
def test_every_line_adds_up_to_the_cent(quantity, price, rate, inclusive):
    amounts = line_amounts(quantity, price, tax_rate=rate, tax_inclusive=inclusive)
    assert amounts.net + amounts.tax == amounts.total
    for value in (amounts.net, amounts.tax, amounts.total):
        assert value == value.quantize(D("0.01"))
        assert value >= 0


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


@pytest.fixture
def catalogue(admin):
    vat = tax_save(actor=admin, values={"name": "ISS", "rate": "5"})
    bolt = product_save(actor=admin, values={"sku": "B-1", "name": "Bolt", "tax": vat.pk})
    current = price_list_save(
        actor=admin,
        values={
            "name": "2026",
            "currency": "BRL",
            "valid_from": "2026-01-01",
            "prices": [
                {"product": bolt.pk, "min_quantity": 1, "unit_price": "10.00"},
                {"product": bolt.pk, "min_quantity": 10, "unit_price": "9.00"},
                {"product": bolt.pk, "min_quantity": 100, "unit_price": "8.00"},
            ],
        },
    )
    price_list_save(
        actor=admin,
        values={
            "name": "2025",
            "currency": "BRL",
            "valid_to": "2025-12-31",
            "prices": [{"product": bolt.pk, "unit_price": "7.00"}],
        },
    )
    return bolt, current


def test_the_tier_with_the_largest_minimum_not_above_the_quantity_applies(catalogue):
    bolt, current = catalogue
    assert pricing.list_for("BRL", dt.date(2026, 6, 1)) == current
    assert pricing.list_for("BRL", dt.date(2025, 6, 1)).name == "2025"
    assert pricing.list_for("USD", dt.date(2026, 6, 1)) is None
    prices = [pricing.unit_price(bolt, current, D(q)) for q in ("1", "9.999", "10", "99", "100")]
    assert prices == [D(10), D(10), D(9), D(9), D(8)]
    assert pricing.unit_price(bolt, current, D("0.5")) is None


def test_a_deals_lines_take_list_prices_and_set_its_amount(admin, catalogue):
    bolt, _current = catalogue
    deal = opportunity_create(actor=admin, values={"name": "Parafusos"})
    deal = opportunity_set_lines(
        actor=admin,
        opportunity_id=deal.pk,
        lines=[
            {"product": bolt.pk, "quantity": "12"},
            {"description": "Installation", "quantity": 2, "unit_price": "150", "tax": None},
            {"product": bolt.pk, "quantity": 1, "unit_price": "11", "discount_percent": "50"},
        ],
    )
    rows = list(deal.lines.values_list("description", "unit_price", "net_amount", "tax_amount"))
    assert rows == [
        ("Bolt", D("9.0000"), D("108.00"), D("5.40")),
        ("Installation", D("150.0000"), D("300.00"), D("0.00")),
        ("Bolt", D("11.0000"), D("5.50"), D("0.28")),
    ]
    assert deal.amount == D("413.50")


def test_bad_lines_are_refused_by_position_and_nothing_changes(admin, catalogue):
    bolt, _current = catalogue
    deal = opportunity_create(actor=admin, values={"name": "Parafusos", "currency": "USD"})
    with pytest.raises(ValidationFailed) as caught:
        opportunity_set_lines(
            actor=admin,
            opportunity_id=deal.pk,
            lines=[
                {"product": bolt.pk},  # no USD list: a price is needed
                {"description": "", "unit_price": "1"},
                {"description": "x", "quantity": "-1", "unit_price": "abc", "colour": "red"},
                {"product": 999999, "unit_price": 1},
                "junk",
            ],
        )
    assert {
        "lines.0.unit_price",
        "lines.1.description",
        "lines.2.quantity",
        "lines.2.unit_price",
        "lines.2.colour",
        "lines.3.product",
        "lines.4",
    } <= set(caught.value.errors)
    assert not OpportunityLine.objects.exists()
    deal.refresh_from_db()
    assert deal.amount == D(0)


def test_the_catalogue_is_configuration(admin, make_user, catalogue):
    bolt, _current = catalogue
    rep = make_user("sales-rep")
    with pytest.raises(PermissionDenied):
        product_save(actor=rep, values={"sku": "X", "name": "X"})
    with pytest.raises(ValidationFailed) as caught:
        product_save(actor=admin, values={"sku": "b-1", "name": "Copy"})
    assert "sku" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        price_list_save(
            actor=admin,
            values={
                "name": "Bad",
                "currency": "XXX1",
                "valid_from": "2026-02-01",
                "valid_to": "2026-01-01",
                "prices": [
                    {"product": bolt.pk, "unit_price": "1"},
                    {"product": bolt.pk, "unit_price": "2"},
                ],
            },
        )
    assert {"currency", "valid_to", "prices.1"} <= set(caught.value.errors)
    deal = opportunity_create(actor=admin, values={"name": "Uses bolts"})
    opportunity_set_lines(actor=admin, opportunity_id=deal.pk, lines=[{"product": bolt.pk}])
    with pytest.raises(Conflict):
        product_delete(actor=admin, product_id=bolt.pk)
    with pytest.raises(NotFound):
        product_delete(actor=admin, product_id="nope")


def test_another_teams_deal_lines_are_not_found(make_user, make_team):
    north = make_user("sales-rep", teams=[make_team("North")])
    south = make_user("sales-rep", teams=[make_team("South")])
    theirs = opportunity_create(actor=south, values={"name": "Deles"})
    with pytest.raises(NotFound):
        opportunity_set_lines(
            actor=north,
            opportunity_id=theirs.pk,
            lines=[{"description": "x", "unit_price": 1}],
        )
