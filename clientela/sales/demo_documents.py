"""The demo's catalogue, quotes and orders, for ``clientela demo`` (after ``demo.py``'s deals).

A catalogue of products in three groups with two taxes, and price lists in BRL and USD with
volume tiers, all through the catalogue services. Every deal of the default pipeline that
reached the quote stage gets lines priced from those lists and a quote, as its owner. The
quote of a won deal is accepted through the customer's link and becomes a sales order, which
is confirmed, shipped and delivered as far as its age allows; the quote of a lost deal is
declined; an open deal's quote waits.

Two **demo-only steps**, as in ``demo.py``: a quote is marked sent without its e-mail (no mail
server is needed to load a demo; the link's secret is made and kept as ``quote_send`` keeps it,
then used at once), and the quotes' and orders' dates are moved back to the deal's history
(the services stamp "now"). Document numbers stay those of the loading day's year.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings

from clientela.platform.models import User
from clientela.sales import catalog, quotes
from clientela.sales.models import (
    DeliveryEvent,
    Opportunity,
    OrderStatus,
    Product,
    Quote,
    QuoteStatus,
    SalesOrder,
    Stage,
)
from clientela.sales.orders import delivery_add, order_set_status


# (sku, name, group, unit, tax, BRL price, USD price, volume tiers: (from quantity, share));
# names and units in Portuguese when the install speaks it (``NAMES_PT``)
class Item(NamedTuple):
    sku: str
    name: str
    group: str
    unit: str
    tax: str
    brl: int
    usd: int
    tiers: tuple[tuple[int, Decimal], ...]


# fmt: off
CATALOGUE = tuple(Item(*row) for row in (
    ("ERP-USR", "ERP licence (per user, yearly)", "Software", "user", "ISS", 1200, 240,
     ((20, Decimal("0.9")), (50, Decimal("0.8")))),
    ("FIS-MOD", "Tax module rollout", "Services", "project", "ISS", 18000, 3600, ()),
    ("SUP-247", "24/7 support (yearly)", "Services", "contract", "ISS", 24000, 4800, ()),
    ("TRN-DAY", "Training day", "Services", "day", "ISS", 3500, 700, ((5, Decimal("0.85")),)),
    ("NB-14", "14-inch business laptop", "Hardware", "unit", "ICMS", 6500, 1300,
     ((10, Decimal("0.95")), (50, Decimal("0.9")))),
    ("INT-ECO", "E-commerce integration", "Services", "project", "ISS", 32000, 6400, ()),
    ("CLD-MIG", "Cloud migration (per server)", "Services", "server", "ISS", 4800, 960,
     ((10, Decimal("0.9")),)),
))
# fmt: on
NAMES_PT = {
    "ERP-USR": ("Licença do ERP (por usuário, anual)", "usuário"),
    "FIS-MOD": ("Implantação do módulo fiscal", "projeto"),
    "SUP-247": ("Suporte 24x7 (anual)", "contrato"),
    "TRN-DAY": ("Dia de treinamento", "dia"),
    "NB-14": ("Notebook corporativo 14 polegadas", "unidade"),
    "INT-ECO": ("Integração com o e-commerce", "projeto"),
    "CLD-MIG": ("Migração para a nuvem (por servidor)", "servidor"),
    "Software": ("Software", ""),
    "Services": ("Serviços", ""),
    "Hardware": ("Equipamentos", ""),
}
TAXES = {
    "ISS": {"name": "ISS 5%", "rate": "5", "inclusive": True},
    "ICMS": {"name": "ICMS 18%", "rate": "18", "inclusive": False},
}
CARRIERS = ("Correios", "Jadlog", "Loggi", "DHL")
SHIP_DAYS, DELIVER_DAYS = 3, 6  # after the win: shipped, then delivered


def add_catalogue(admin: User, today: dt.date) -> list[Product]:
    """Taxes, groups, products and a price list per currency, valid since a year ago (once:
    a demo loaded again uses the catalogue it finds)."""
    found = {p.sku: p for p in Product.objects.filter(sku__in=[i.sku for i in CATALOGUE])}
    if len(found) == len(CATALOGUE):
        return [found[item.sku] for item in CATALOGUE]
    portuguese = settings.LANGUAGE_CODE.startswith("pt")

    def named(key: str, name: str, unit: str = "") -> tuple[str, str]:
        return NAMES_PT[key] if portuguese else (name, unit)

    taxes = {key: catalog.tax_save(actor=admin, values=values) for key, values in TAXES.items()}
    groups = {
        key: catalog.group_save(actor=admin, values={"name": named(key, key)[0]})
        for key in sorted({item.group for item in CATALOGUE})
    }
    products = []
    for item in CATALOGUE:
        name, unit = named(item.sku, item.name, item.unit)
        values = {"sku": item.sku, "name": name, "group": groups[item.group].pk, "unit": unit}
        values["tax"] = taxes[item.tax].pk
        products.append(catalog.product_save(actor=admin, values=values))
    since = today - dt.timedelta(days=400)
    for currency in ("BRL", "USD"):
        prices: list[dict[str, Any]] = []
        for product, item in zip(products, CATALOGUE, strict=True):
            base = Decimal(item.brl if currency == "BRL" else item.usd)
            prices.append({"product": product.pk, "min_quantity": 1, "unit_price": base})
            prices += [
                {"product": product.pk, "min_quantity": n, "unit_price": base * share}
                for n, share in item.tiers
            ]
        name = f"{currency} {today.year}"
        catalog.price_list_save(
            actor=admin,
            values={"name": name, "currency": currency, "valid_from": since, "prices": prices},
        )
    return products


def _lines(
    rng: random.Random, products: Sequence[Product], amount: Decimal, currency: str
) -> list[dict[str, Any]]:
    """One to three products, the first in a quantity near the deal's amount."""
    chosen = rng.sample(list(products), rng.randint(1, 3))
    item = CATALOGUE[list(products).index(chosen[0])]
    first = Decimal(item.brl if currency == "BRL" else item.usd)
    lines = [{"product": chosen[0].pk, "quantity": max(1, int(amount / first))}]
    lines += [{"product": p.pk, "quantity": rng.randint(1, 3)} for p in chosen[1:]]
    if rng.random() < 0.3:
        lines[0]["discount_percent"] = rng.choice((5, 10))
    return lines


def _sent(quote: Quote, moment: dt.datetime, expires: dt.datetime) -> str:
    """Demo only: the quote as ``quote_send`` leaves it, without the e-mail; its link's secret.
    (A quote answered at once gets a link valid now; the dates move back afterwards.)"""
    token = secrets.token_urlsafe(32)
    Quote.objects.filter(pk=quote.pk).update(
        status=QuoteStatus.SENT,
        sent_at=moment,
        link_digest=quotes._digest(token),
        link_expires=expires,
    )
    return token


def add_documents(
    written: Sequence[tuple[Opportunity, Any]],
    times: dict[int, list[dt.datetime]],
    quote_stage: Stage,
    products: Sequence[Product],
    rng: random.Random,
    now: dt.datetime,
) -> tuple[int, int]:
    """Lines and a quote for each deal that reached ``quote_stage``, an order for each won
    one; returns (quotes, orders)."""
    made_quotes = made_orders = 0
    for deal, plan in written:
        history = list(
            deal.stage_changes.order_by("at", "id").values_list("to_stage_id", flat=True)
        )
        if quote_stage.pk not in history:
            continue
        owner, at = deal.owner, times[deal.pk]
        entered = at[history.index(quote_stage.pk)]
        lines = _lines(rng, products, Decimal(deal.amount or 1), deal.currency)
        catalog.opportunity_set_lines(actor=owner, opportunity_id=deal.pk, lines=lines)
        quote = quotes.quote_create(actor=owner, opportunity_id=deal.pk)
        made_quotes += 1
        decided = at[-1] if plan.outcome != "open" else None
        Quote.objects.filter(pk=quote.pk).update(created_at=entered)
        sent = entered + dt.timedelta(hours=2)
        if plan.outcome == "open":
            if rng.random() < 0.7:
                _sent(quote, sent, sent + dt.timedelta(days=quotes.LINK_DAYS))
            continue
        token = _sent(quote, sent, now + dt.timedelta(hours=1))
        quotes.quote_decide(quote_id=quote.pk, token=token, accept=plan.outcome == "won")
        Quote.objects.filter(pk=quote.pk).update(decided_at=decided, link_expires=decided)
        if plan.outcome == "won":
            _deliver(deal, owner, decided, rng, now)
            made_orders += 1
    return made_quotes, made_orders


def _deliver(
    deal: Opportunity, owner: User, won: Any, rng: random.Random, now: dt.datetime
) -> None:
    """The won deal's order confirmed, then shipped and delivered as far as its age allows;
    its dates moved back to the win (demo only)."""
    order = SalesOrder.objects.get(opportunity=deal)
    order_set_status(actor=owner, order_id=order.pk, status=OrderStatus.CONFIRMED)
    stamps = {"created_at": won, "confirmed_at": won + dt.timedelta(hours=1)}
    shipped = won + dt.timedelta(days=SHIP_DAYS)
    if shipped < now:
        values = {
            "carrier": rng.choice(CARRIERS),
            "tracking_number": f"BR{rng.randint(10**8, 10**9 - 1)}XX",
        }
        order_set_status(actor=owner, order_id=order.pk, status=OrderStatus.SHIPPED, values=values)
        stamps["shipped_at"] = shipped
        delivered = won + dt.timedelta(days=DELIVER_DAYS)
        if delivered < now:
            step = {"status": "in transit", "at": shipped + dt.timedelta(days=1)}
            delivery_add(actor=owner, order_id=order.pk, values=step)
            order_set_status(actor=owner, order_id=order.pk, status=OrderStatus.DELIVERED)
            stamps["delivered_at"] = delivered
    SalesOrder.objects.filter(pk=order.pk).update(**stamps, updated_at=max(stamps.values()))
    # the status steps' events follow their stamps; the "in transit" one keeps its own time
    for status, field in (("confirmed", "confirmed_at"), ("shipped", "shipped_at"),
                          ("delivered", "delivered_at")):  # fmt: skip
        if field in stamps:
            DeliveryEvent.objects.filter(order=order, status=status).update(at=stamps[field])
