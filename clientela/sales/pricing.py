"""Money arithmetic for lines and documents: Decimal throughout, rounded half up to cents once
per line amount (never per unit), and totals that are sums of the rounded lines, so a printed
document always adds up.

A document discount is a further percentage on every line (the line's own discount first), so
each line's tax stays computed on what is really charged for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from clientela.sales.models import Price, PriceList, Product

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    net: Decimal  # without tax, after discounts
    tax: Decimal
    total: Decimal  # what the customer pays

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.net + other.net, self.tax + other.tax, self.total + other.total)


NOTHING = Amounts(ZERO, ZERO, ZERO)


def line_amounts(
    quantity: Decimal,
    unit_price: Decimal,
    *,
    discount_percent: Decimal = ZERO,
    document_discount: Decimal = ZERO,
    tax_rate: Decimal = ZERO,
    tax_inclusive: bool = False,
) -> Amounts:
    """One line's amounts. With an inclusive tax the price holds the tax: the total is the
    discounted price and the net is taken out of it; otherwise the tax is added to the net."""
    charged = quantity * unit_price
    charged *= (HUNDRED - discount_percent) / HUNDRED
    charged *= (HUNDRED - document_discount) / HUNDRED
    if tax_inclusive:
        total = cents(charged)
        net = cents(total * HUNDRED / (HUNDRED + tax_rate))
        return Amounts(net, total - net, total)
    net = cents(charged)
    tax = cents(net * tax_rate / HUNDRED)
    return Amounts(net, tax, net + tax)


def document_amounts(lines: Iterable[Amounts]) -> Amounts:
    return sum(lines, NOTHING)


def list_for(currency: str, on: dt.date) -> PriceList | None:
    """The active list in ``currency`` valid on ``on`` (the most recently started one)."""
    valid = PriceList.objects.filter(currency=currency, active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
    )
    return valid.order_by("-valid_from", "-id").first()


def unit_price(product: Product, price_list: PriceList, quantity: Decimal) -> Decimal | None:
    """The price of the product's tier for ``quantity`` in the list; ``None`` if not listed."""
    tier = (
        Price.objects.filter(price_list=price_list, product=product, min_quantity__lte=quantity)
        .order_by("-min_quantity")
        .first()
    )
    return tier.unit_price if tier is not None else None
