"""Amounts in other currencies, reported in the company's: the exchange-rate table (entered in
the settings or imported from a CSV file of ``currency;day;rate``) and the conversion."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User
from clientela.sales.models import ExchangeRate
from clientela.sales.pricing import cents

KEY = "sales.product"  # rates are part of the price configuration
MAX_IMPORT_BYTES = 1024 * 1024
MAX_RATE = Decimal("9999999999")


def company_currency() -> str:
    from clientela.sales.services import company_currency as configured

    return configured()


class Rates:
    """The rates known on a day, loaded once: ``convert`` many amounts without a query each."""

    def __init__(self, on: dt.date | None = None) -> None:
        self.on = on or timezone.localdate()
        self.company = company_currency()
        self._rates: dict[str, Decimal] = {}
        rows = ExchangeRate.objects.filter(day__lte=self.on).order_by("currency", "-day")
        for currency, rate in rows.values_list("currency", "rate"):
            self._rates.setdefault(currency, rate)

    def rate(self, currency: str) -> Decimal | None:
        return Decimal(1) if currency == self.company else self._rates.get(currency)

    def convert(self, amount: Decimal, currency: str) -> Decimal | None:
        """``amount`` in the company currency, to the cent; ``None`` without a rate."""
        rate = self.rate(currency)
        return None if rate is None else cents(amount * rate)


def _clean(currency: Any, day: Any, rate: Any, where: str, errors: dict[str, list[str]]) -> Any:
    code = currency.strip().upper() if isinstance(currency, str) else ""
    if code not in list_currencies() or code == company_currency():
        errors[f"{where}currency"] = [_("Enter another currency's code, such as USD or EUR.")]
    parsed = None
    if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
        parsed = day
    elif isinstance(day, str) and len(day.strip()) == 10:
        try:
            parsed = dt.date.fromisoformat(day.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors[f"{where}day"] = [_("Enter a valid date.")]
    try:
        value = Decimal(str(rate).strip().replace(",", ".")) if not isinstance(rate, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 < value <= MAX_RATE:
        errors[f"{where}rate"] = [_("Enter a positive rate.")]
    return code, parsed, value


def rates_save(*, actor: User, items: list[dict[str, Any]]) -> int:
    """Add or replace rates (by currency and day), all or none; how many were written."""
    permissions.require(actor, KEY, "edit")
    if not isinstance(items, list) or len(items) > 10000:
        raise ValidationFailed(errors={"items": [_("Give at most 10,000 rates.")]})
    errors: dict[str, list[str]] = {}
    cleaned = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"items.{index}"] = [_("Enter a currency, a day and a rate.")]
            continue
        where = f"items.{index}."
        cleaned.append(
            _clean(item.get("currency"), item.get("day"), item.get("rate"), where, errors)
        )
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        last = None
        for code, day, value in cleaned:
            last, _created = ExchangeRate.objects.update_or_create(
                currency=code, day=day, defaults={"rate": value}
            )
        if last is not None:  # one entry for the batch: the first 200 rates and the count
            shown = "; ".join(f"{c} {d} {v}" for c, d, v in cleaned[:200])
            audit.record(
                actor=actor,
                action="update",
                obj=last,
                object_type="sales.exchangerate",
                changes={"rates": ["", f"{len(cleaned)}: {shown}"]},
            )
    return len(cleaned)


def rates_import(*, actor: User, content: bytes) -> int:
    """Rates from a CSV file: ``currency;day;rate`` (or commas), a header line allowed."""
    permissions.require(actor, KEY, "edit")  # before reading a byte of the file
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed(errors={"file": [_("The file is larger than 1 MiB.")]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    delimiter = ";" if text.count(";") >= text.count(",") else ","
    rows = [
        r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)
    ]
    if rows and rows[0] and rows[0][0].strip().lower() in ("currency", "moeda"):
        rows = rows[1:]
    items = []
    for row in rows:
        cells = [*row, "", "", ""][:3]
        items.append({"currency": cells[0], "day": cells[1], "rate": cells[2]})
    if not items:
        raise ValidationFailed(errors={"file": [_("The file has no rates.")]})
    return rates_save(actor=actor, items=items)
