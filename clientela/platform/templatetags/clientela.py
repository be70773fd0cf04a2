"""Template filters: ``{{ amount|money:"BRL" }}`` and ``{{ n|number }}`` in the page's locale."""

from __future__ import annotations

from decimal import Decimal

from django import template

from clientela.platform.formatting import format_money, format_number

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str = "BRL") -> str:
    if amount in (None, ""):
        return "—"
    try:
        return format_money(amount, currency)  # type: ignore[arg-type]
    except ValueError:
        return "—"


@register.filter
def number(value: Decimal | int | float | None) -> str:
    return "—" if value is None else format_number(value)
