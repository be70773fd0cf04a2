"""Money and numbers in the reader's locale: R$ 1.234,50 in pt-BR, R$1,234.50 in English."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal
from django.utils.translation import get_language, to_locale


def current_locale() -> str:
    return to_locale(get_language() or "en")


def format_money(amount: Decimal | int | str, currency: str, locale: str | None = None) -> str:
    """``amount`` in ``currency`` (ISO 4217) with the locale's symbol, separators and digits."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    return format_currency(value, currency.upper(), locale=locale or current_locale())


def format_number(value: Decimal | int | float, locale: str | None = None) -> str:
    return format_decimal(value, locale=locale or current_locale())
