"""Forms of Settings → Exchange rates and Settings → Quotas.

The forms only bound what is typed (lengths, a date, a file); the services judge the values
(``currency.rates_save``, ``forecast.quotas_save``), so the page, the API and the import refuse
the same things with the same words. Their errors come back keyed as the services key them
(``items.<n>.<field>``) and are put on the field or the grid cell they name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clientela.sales.forecast import QuotaYear

MONTHS = tuple(range(1, 13))
MAX_CELL = 40  # characters kept of a typed amount


class RateForm(forms.Form):
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        help_text=_("Its three-letter ISO code, such as USD or EUR."),
        widget=forms.TextInput(
            attrs={
                "size": 5,
                "autocomplete": "off",
                "list": "rate-currencies",
                "spellcheck": "false",
            }
        ),
    )
    day = forms.DateField(
        label=_("Valid from"),
        help_text=_("The rate applies from this day until the next rate of the currency."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    rate = forms.CharField(
        label=_("Rate"),
        max_length=40,
        help_text=_("What one unit of the currency is worth in the company currency."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 14, "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def item(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"currency": data["currency"], "day": data["day"], "rate": data["rate"]}

    def apply(self, errors: dict[str, list[str]], fallback: object) -> None:
        """``rates_save``'s errors for its one item (``items.0.rate``) on the fields."""
        if not errors:
            self.add_error(None, str(fallback))
        for key, messages in errors.items():
            name = key.rsplit(".", 1)[-1]
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class RateImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("At most 1 MiB, in UTF-8 or Windows-1252 (as Excel saves it)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )


@dataclass
class Cell:
    name: str  # the input's name: q-<user>-<month>
    month: dt.date  # its first day
    stored: Decimal | None
    value: str  # what the input shows: the stored amount, or what was typed
    errors: list[str] = field(default_factory=list)


@dataclass
class GridRow:
    user: Any
    cells: list[Cell]
    was: str  # the amounts the page showed, so only the cells changed since are sent
    total: Decimal
    bar: int = 0  # the total as a share (0-100) of the largest total on the page


def _shown(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def _same(typed: str, shown: str) -> bool:
    """Whether a cell still holds what the page showed: 5000 and 5000,00 are 5000.00."""
    if typed == shown:
        return True
    try:
        values = [Decimal(t.replace(",", ".") if "." not in t else t) for t in (typed, shown)]
    except ArithmeticError:
        return False
    return all(v.is_finite() for v in values) and values[0] == values[1]


class QuotaGrid:
    """A year of monthly quotas, a row per rep; posted back, the cells whose value differs
    from what the page showed become ``quotas_save`` items."""

    def __init__(self, data: QuotaYear, posted: QueryDict | None = None) -> None:
        self.year = data.year
        self.posted = posted
        self.errors: list[str] = []
        self.rows = [self._row(user, data) for user in data.users]
        self._sent: list[tuple[str, int]] = []  # (user as posted, month) of each item sent
        top = max((row.total for row in self.rows), default=Decimal(0))
        for row in self.rows:
            row.bar = int(row.total * 100 / top) if top else 0

    def _row(self, user: Any, data: QuotaYear) -> GridRow:
        cells = []
        for month in MONTHS:
            stored = data.amounts.get((user.pk, month))
            name = f"q-{user.pk}-{month}"
            value = _shown(stored)
            if self.posted is not None and name in self.posted:
                value = self.posted.get(name, "")[:MAX_CELL]
            cells.append(Cell(name, dt.date(data.year, month, 1), stored, value))
        stored_total = sum((c.stored for c in cells if c.stored is not None), Decimal(0))
        was = "|".join(_shown(c.stored) for c in cells)
        if self.posted is not None and f"was-{user.pk}" in self.posted:
            was = self.posted.get(f"was-{user.pk}", "")[: 13 * MAX_CELL]
        return GridRow(user, cells, was, stored_total)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(c.errors for row in self.rows for c in row.cells)

    @property
    def month_totals(self) -> list[Decimal]:
        return [
            sum((r.cells[m - 1].stored or Decimal(0) for r in self.rows), Decimal(0))
            for m in MONTHS
        ]

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), Decimal(0))

    def items(self) -> list[dict[str, Any]]:
        """Each posted cell whose value is not what the page showed; an empty cell removes
        the month's quota. Every posted rep is sent: the service judges whose quotas the
        actor may set."""
        if self.posted is None:
            return []
        items: list[dict[str, Any]] = []
        self._sent = []
        for key in self.posted:
            if not key.startswith("was-"):
                continue
            user = key.removeprefix("was-")
            shown = [*self.posted.get(key, "").split("|"), *[""] * 12][:12]
            for month in MONTHS:
                name = f"q-{user}-{month}"
                if name not in self.posted:
                    continue
                typed = self.posted.get(name, "").strip()[:MAX_CELL]
                if _same(typed, shown[month - 1].strip()):
                    continue
                amount = typed or None
                items.append(
                    {"user": user, "month": f"{self.year:04d}-{month:02d}", "amount": amount}
                )
                self._sent.append((user, month))
        return items

    def apply(self, errors: dict[str, list[str]], fallback: object) -> None:
        """``quotas_save``'s errors (``items.<n>.<field>``) on the cells they name; others,
        and those about a rep not on the page, above the grid."""
        cells = {c.name: c for row in self.rows for c in row.cells}
        for key, messages in errors.items():
            parts = key.split(".")
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdecimal() else -1
            cell = None
            if parts[0] == "items" and 0 <= index < len(self._sent):
                user, month = self._sent[index]
                cell = cells.get(f"q-{user}-{month}")
            for message in messages:
                (cell.errors if cell is not None else self.errors).append(str(message))
        if not errors:
            self.errors.append(str(fallback))
        self.errors = list(dict.fromkeys(self.errors))
