"""Amounts in other currencies, reported in the company's: the exchange-rate table (entered in
the settings or imported from a CSV file of ``currency;day;rate``) and the conversion.

Rates are price configuration (``sales.product``): its editors enter, import and delete them;
whoever reads the catalogue or the deals reads them, since boards and forecasts convert with them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions
from clientela.platform.errors import NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import User
from clientela.sales.models import ExchangeRate
from clientela.sales.pricing import cents

KEY = "sales.product"  # rates are part of the price configuration
READER_KEYS = (KEY, "sales.opportunity")  # reps read rates: their deals are converted with them
MAX_IMPORT_BYTES = 1024 * 1024
MAX_RATE = Decimal("9999999999")
RATE_PLACES = Decimal("0.00000001")  # the column keeps 8 decimal places


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
        if value is not None and value.is_finite() and abs(value) <= MAX_RATE:
            # as the column keeps it: 0.000000001 would be stored as 0, which no rate may be
            value = value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
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


def rate_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """The rate lines of a CSV file as (line number, cells), blank lines and a header line
    left out; a file that is not a small CSV text file is refused on ``file``."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed(errors={"file": [_("The file is larger than 1 MiB.")]})
    if b"\x00" in content:  # UTF-16, a spreadsheet or an image: not a CSV text file
        message = _("Upload a CSV text file: one rate a line, as currency;day;rate.")
        raise ValidationFailed(errors={"file": [message]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    delimiter = ";" if text.count(";") >= text.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if any(c.strip() for c in row):
                rows.append((reader.line_num, row))
    except csv.Error:
        message = _("Upload a CSV text file: one rate a line, as currency;day;rate.")
        raise ValidationFailed(errors={"file": [message]}) from None
    if rows and rows[0][1] and rows[0][1][0].strip().lower() in ("currency", "moeda"):
        rows = rows[1:]
    return rows


def rates_import(*, actor: User, content: bytes) -> int:
    """Rates from a CSV file: ``currency;day;rate`` (or commas), a header line allowed."""
    permissions.require(actor, KEY, "edit")  # before reading a byte of the file
    items = []
    for _line, row in rate_rows(content):
        cells = [*row, "", "", ""][:3]
        items.append({"currency": cells[0], "day": cells[1], "rate": cells[2]})
    if not items:
        raise ValidationFailed(errors={"file": [_("The file has no rates.")]})
    return rates_save(actor=actor, items=items)


@dataclass(frozen=True)
class ImportProblem:
    line: int | None  # the file's line number; None for the file as a whole
    text: str  # the line as read (shortened), for the reader to find it
    messages: list[str]


def import_problems(content: bytes, errors: dict[str, list[str]]) -> list[ImportProblem]:
    """``rates_import``'s errors (``items.<n>.<field>``, n counting rate lines from 0) by the
    file's line, in order, so a person can fix the file."""
    try:
        rows = rate_rows(content)
    except ValidationFailed:
        rows = []
    by_line: dict[int | None, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        index = int(parts[1]) if len(parts) > 1 and parts[1].isdecimal() else -1
        line = rows[index][0] if parts[0] == "items" and 0 <= index < len(rows) else None
        by_line.setdefault(line, []).extend(str(m) for m in messages)
    texts = dict(rows)
    return [
        ImportProblem(line, ";".join(texts.get(line, []) if line else [])[:120], messages)
        for line, messages in sorted(by_line.items(), key=lambda pair: pair[0] or 0)
    ]


def rates_list(actor: User, currency: str = "") -> QuerySet[ExchangeRate]:
    """Every rate (they are company-wide), or one currency's, for those who may read them."""
    if not any(permissions.can(actor, key, "view") for key in READER_KEYS):
        raise PermissionDenied()
    rows = ExchangeRate.objects.all()
    code = currency.strip().upper()
    return rows.filter(currency=code) if code else rows


def rate_get(actor: User, rate_id: Any) -> ExchangeRate:
    from clientela.sales.services import pk_of

    number = pk_of(rate_id)
    found = rates_list(actor).filter(pk=number).first() if number is not None else None
    if found is None:
        raise NotFound()
    return found


def rate_currencies() -> list[str]:
    """The currencies that have rates, for a filter."""
    rows = ExchangeRate.objects.order_by("currency").values_list("currency", flat=True)
    return list(rows.distinct())


def rate_delete(*, actor: User, rate_id: Any) -> ExchangeRate:
    """Remove one rate: amounts of its days convert with the rate before it (or none)."""
    from clientela.sales.services import pk_of

    permissions.require(actor, KEY, "delete")
    number = pk_of(rate_id)
    with transaction.atomic():
        rows = ExchangeRate.objects.select_for_update()
        found = rows.filter(pk=number).first() if number is not None else None
        if found is None:
            raise NotFound()
        before, pk = audit.snapshot(found), found.pk
        found.delete()
        found.pk = pk
        audit.record(
            actor=actor,
            action="delete",
            obj=found,
            object_type="sales.exchangerate",
            changes=audit.diff(before, {}),
        )
    return found
