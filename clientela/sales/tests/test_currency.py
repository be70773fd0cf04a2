"""Exchange rates: entered or imported (all or none), and amounts converted with the latest
rate not after the day asked about."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clientela.platform.errors import PermissionDenied, ValidationFailed
from clientela.sales.currency import Rates, rates_import, rates_save
from clientela.sales.models import ExchangeRate


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


def test_amounts_convert_with_the_latest_rate_not_after_the_day(admin):
    rates_save(
        actor=admin,
        items=[
            {"currency": "usd", "day": "2026-01-01", "rate": "5.10"},
            {"currency": "USD", "day": "2026-06-01", "rate": "5.5"},
            {"currency": "EUR", "day": "2026-06-01", "rate": "6.000001"},
        ],
    )
    assert Rates(dt.date(2026, 3, 1)).convert(Decimal("100"), "USD") == Decimal("510.00")
    june = Rates(dt.date(2026, 6, 1))
    assert june.convert(Decimal("100"), "USD") == Decimal("550.00")
    assert june.convert(Decimal("0.5"), "EUR") == Decimal("3.00")
    assert june.convert(Decimal("7"), "BRL") == Decimal("7.00")  # the company's own
    assert june.convert(Decimal("1"), "JPY") is None  # no rate: never a guess
    assert Rates(dt.date(2025, 12, 31)).convert(Decimal("1"), "USD") is None


def test_a_csv_import_replaces_the_same_day_and_refuses_bad_rows_whole(admin):
    rates_save(actor=admin, items=[{"currency": "USD", "day": "2026-01-01", "rate": 5}])
    content = "moeda;dia;taxa\nUSD;2026-01-01;5,25\nEUR;2026-01-01;6.1\n".encode("cp1252")
    assert rates_import(actor=admin, content=content) == 2
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("5.25")

    bad = b"USD,2026-13-01,5\nBRL,2026-01-02,1\nEUR,2026-01-02,-3\nXYZ,2026-01-02,1\n"
    with pytest.raises(ValidationFailed) as caught:
        rates_import(actor=admin, content=bad)
    assert set(caught.value.errors) == {
        "items.0.day",
        "items.1.currency",
        "items.2.rate",
        "items.3.currency",
    }
    assert ExchangeRate.objects.count() == 2
    with pytest.raises(ValidationFailed):
        rates_import(actor=admin, content=b"x" * (1024 * 1024 + 1))
    with pytest.raises(ValidationFailed):
        rates_import(actor=admin, content=b"\n\n")


def test_only_those_who_configure_prices_enter_rates(make_user):
    with pytest.raises(PermissionDenied):
        rates_save(actor=make_user("sales-rep"), items=[])
