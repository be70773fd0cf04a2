"""Template filters: ``{{ amount|money:"BRL" }}`` and ``{{ n|number }}`` in the page's locale."""

from __future__ import annotations

from decimal import Decimal

import phonenumbers
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
def phone(value: str | None) -> str:
    """An E.164 number as people read it: +55 11 98765-4321."""
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def number(value: Decimal | int | float | None) -> str:
    return "—" if value is None else format_number(value)
