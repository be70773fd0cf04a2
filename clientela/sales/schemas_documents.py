"""API shapes for the catalogue (products, groups, taxes, price lists with volume tiers), exchange
rates, a deal's lines, quotes, orders with their deliveries, forecasts and sales metrics.

As in ``schemas``: amounts travel as strings with two decimals; other decimals as strings at
their column's scale (quantities 3 places, unit prices and tax rates 4, exchange rates 8), and
requests may send a string or a JSON number. A change (``…Patch``) sets only the fields sent;
a field that cannot be empty refuses ``null`` rather than blanking the record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from clientela.platform.api_customfields import DECIMAL_PATTERN
from clientela.sales.catalog import MAX_LINES, MAX_TIERS
from clientela.sales.models import OrderStatus, QuoteStatus
from clientela.sales.quotes import pix_payload
from clientela.sales.schemas import AMOUNT_OUT, Amount, Id, _options, _text

# A field that may be omitted but not sent as null: defaults are not validated, and a
# null sent is refused by the field's type instead of blanking the record.
UNSET: Any = None
NOT_BLANK = r"\S"  # at least one character that is not a space
CURRENCY = r"^[A-Za-z]{3}$"
MAX_RATES = 10000
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
# dates a request may name: arithmetic on a day near date.max (the next day, the month's end)
# would overflow
Day = Annotated[dt.date, Field(ge=EARLIEST, le=LATEST)]
DAY = "YYYY-MM-DD, from 1900-01-01 to 2999-12-31."


def _number_in(value: Any) -> Any:
    """As ``Amount``: a JSON number is read as its text; a boolean is no number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(_("Enter a number such as 12.5."))
    return value if isinstance(value, str) else str(value)


Number = Annotated[
    str,
    BeforeValidator(_number_in),
    StringConstraints(max_length=40),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 40}, {"type": "number"}]}),
]


def fixed(value: Any, places: int) -> str:
    """A decimal column as the API answers it: a string at the column's scale."""
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places)), "f")


QUANTITY_IN = "A quantity as a string or a number, from 0.001 to 999999999.999 (3 decimals)."
QUANTITY_OUT = "A quantity as a string with three decimals, e.g. 12.500."
PRICE_IN = "A unit price as a string or a number, from 0 (4 decimals)."
PRICE_OUT = "A unit price as a string with four decimals, e.g. 9.9000."
PERCENT_IN = "A percentage as a string or a number, from 0 to 100."
RATE_OUT = "A tax rate (%) as a string with four decimals, e.g. 18.0000."


class Page(Schema):
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")


# --- products, groups, taxes ---------------------------------------------------------------


class ProductOut(Schema):
    id: int = Field(description="The product's id.")
    sku: str = Field(description="The stock-keeping unit code, unique (case-insensitive).")
    name: str = Field(description="The product's name.")
    description: str = Field(description="What it is, for quotes.")
    unit: str = Field(description="The unit it is sold in, e.g. un, kg, h.")
    group_id: int | None = Field(description="Its product group.")
    tax_id: int | None = Field(description="The tax its deal lines take by default.")
    active: bool = Field(description="Inactive products stay on old documents only.")
    created_at: dt.datetime = Field(description="When it was created (UTC).")
    updated_at: dt.datetime = Field(description="When it last changed (UTC).")


class ProductPatch(Schema):
    sku: str = Field(
        default=UNSET, min_length=1, max_length=40, pattern=NOT_BLANK, description="Unique code."
    )
    name: str = Field(
        default=UNSET, min_length=1, max_length=200, pattern=NOT_BLANK, description="Its name."
    )
    description: str = Field(default=UNSET, max_length=5000, description="What it is.")
    unit: str = Field(default=UNSET, max_length=20, description="The unit it is sold in.")
    group_id: Id | None = Field(default=None, description="A product group's id; null: none.")
    tax_id: Id | None = Field(default=None, description="A tax's id; null: none.")
    active: bool = Field(default=UNSET, description="Whether it is still sold.")


class ProductIn(ProductPatch):
    sku: str = Field(min_length=1, max_length=40, pattern=NOT_BLANK, description="Unique code.")
    name: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK, description="Its name.")
    active: bool = Field(default=True, description="Whether it is sold.")


class ProductPage(Page):
    items: list[ProductOut] = Field(description="One page of products, by name.")


class ProductGroupOut(Schema):
    id: int = Field(description="The group's id.")
    name: str = Field(description="Unique among groups.")
    active: bool = Field(description="Whether new products go in it.")


class ProductGroupPatch(Schema):
    name: str = Field(
        default=UNSET, min_length=1, max_length=100, pattern=NOT_BLANK, description="Unique."
    )
    active: bool = Field(default=UNSET, description="Whether new products go in it.")


class ProductGroupIn(ProductGroupPatch):
    name: str = Field(min_length=1, max_length=100, pattern=NOT_BLANK, description="Unique.")
    active: bool = Field(default=True, description="Whether new products go in it.")


class ProductGroupPage(Page):
    items: list[ProductGroupOut] = Field(description="One page of groups, by name.")


class TaxOut(Schema):
    id: int = Field(description="The tax's id.")
    name: str = Field(description="Unique among taxes, e.g. ICMS.")
    rate: str = Field(pattern=DECIMAL_PATTERN, description="Its rate. " + RATE_OUT)
    inclusive: bool = Field(
        description="true: prices already contain it (taken out of the total); false: added."
    )
    active: bool = Field(description="Whether it is offered for new lines.")

    @staticmethod
    def resolve_rate(obj: Any) -> str:
        return fixed(obj.rate, 4)


class TaxPatch(Schema):
    name: str = Field(
        default=UNSET, min_length=1, max_length=100, pattern=NOT_BLANK, description="Unique."
    )
    rate: Number = Field(default=UNSET, description="The rate (%), from 0 to 100.")
    inclusive: bool = Field(default=UNSET, description="Whether prices already contain it.")
    active: bool = Field(default=UNSET, description="Whether it is offered for new lines.")


class TaxIn(TaxPatch):
    name: str = Field(min_length=1, max_length=100, pattern=NOT_BLANK, description="Unique.")
    rate: Number = Field(description="The rate (%), from 0 to 100.")
    inclusive: bool = Field(default=False, description="Whether prices already contain it.")
    active: bool = Field(default=True, description="Whether it is offered for new lines.")


class TaxPage(Page):
    items: list[TaxOut] = Field(description="One page of taxes, by name.")


# --- price lists ---------------------------------------------------------------------------


class PriceTierIn(Schema):
    product: Id = Field(description="A product's id.")
    min_quantity: Number = Field(
        default="1", description="The tier applies from this quantity on. " + QUANTITY_IN
    )
    unit_price: Amount = Field(description=PRICE_IN)


class PriceTierOut(Schema):
    product_id: int = Field(description="The product priced.")
    min_quantity: str = Field(
        pattern=DECIMAL_PATTERN, description="From this quantity on. " + QUANTITY_OUT
    )
    unit_price: str = Field(pattern=DECIMAL_PATTERN, description=PRICE_OUT)

    @staticmethod
    def resolve_min_quantity(obj: Any) -> str:
        return fixed(obj.min_quantity, 3)

    @staticmethod
    def resolve_unit_price(obj: Any) -> str:
        return fixed(obj.unit_price, 4)


class PriceListOut(Schema):
    id: int = Field(description="The list's id.")
    name: str = Field(description="Unique among lists.")
    currency: str = Field(description="The ISO 4217 currency of its prices.")
    valid_from: dt.date | None = Field(description="First day it applies; null: always did.")
    valid_to: dt.date | None = Field(description="Last day it applies; null: open-ended.")
    active: bool = Field(description="Only active lists price deal lines.")


class PriceListDetailOut(PriceListOut):
    prices: list[PriceTierOut] = Field(description="Its tiers, by product and quantity.")

    @staticmethod
    def resolve_prices(obj: Any) -> list[Any]:
        return sorted(obj.prices.all(), key=lambda p: (p.product_id, p.min_quantity))


class PriceListPatch(Schema):
    name: str = Field(
        default=UNSET, min_length=1, max_length=100, pattern=NOT_BLANK, description="Unique."
    )
    currency: str = Field(
        default=UNSET, pattern=CURRENCY, description="An ISO 4217 code, e.g. BRL or USD."
    )
    valid_from: Day | None = Field(default=None, description="First day; null: always. " + DAY)
    valid_to: Day | None = Field(default=None, description="Last day; null: open-ended. " + DAY)
    active: bool = Field(default=UNSET, description="Only active lists price deal lines.")
    prices: list[PriceTierIn] = Field(
        default=UNSET,
        max_length=MAX_TIERS * 100,
        description="All the list's tiers (replaces them), at most one per product and "
        "quantity; errors are keyed `prices.<n>.<field>`.",
    )


class PriceListIn(PriceListPatch):
    name: str = Field(min_length=1, max_length=100, pattern=NOT_BLANK, description="Unique.")
    currency: str = Field(
        default=UNSET, pattern=CURRENCY, description="An ISO 4217 code; the company's if omitted."
    )
    active: bool = Field(default=True, description="Only active lists price deal lines.")
    prices: list[PriceTierIn] = Field(
        default_factory=list,
        max_length=MAX_TIERS * 100,
        description="The list's tiers, at most one per product and quantity.",
    )


class PriceListPage(Page):
    items: list[PriceListOut] = Field(description="One page of lists, by currency and name.")


class UnitPriceOut(Schema):
    price_list_id: int = Field(description="The list that applies.")
    price_list_name: str = Field(description="Its name.")
    product_id: int = Field(description="The product priced.")
    currency: str = Field(description="The price's currency.")
    quantity: str = Field(pattern=DECIMAL_PATTERN, description="The quantity asked about.")
    on: dt.date = Field(description="The day asked about.")
    unit_price: str = Field(
        pattern=DECIMAL_PATTERN, description="The tier's unit price. " + PRICE_OUT
    )


# --- exchange rates ------------------------------------------------------------------------


class ExchangeRateOut(Schema):
    id: int = Field(description="The rate's id.")
    currency: str = Field(description="The foreign currency (ISO 4217).")
    day: dt.date = Field(description="It applies from this day until the next rate's.")
    rate: str = Field(
        pattern=DECIMAL_PATTERN,
        description="Company-currency units one unit of `currency` is worth (8 decimals).",
    )
    created_at: dt.datetime = Field(description="When it was entered (UTC).")

    @staticmethod
    def resolve_rate(obj: Any) -> str:
        return fixed(obj.rate, 8)


class ExchangeRateIn(Schema):
    currency: str = Field(pattern=CURRENCY, description="Another currency than the company's.")
    day: Day = Field(description="From this day on. " + DAY)
    rate: Number = Field(description="A positive rate, up to 9999999999.")


class ExchangeRatesIn(Schema):
    items: list[ExchangeRateIn] = Field(
        min_length=1,
        max_length=MAX_RATES,
        description="Rates to add or replace (same currency and day), all or none; errors are "
        "keyed `items.<n>.<field>`.",
    )


class RatesWrittenOut(Schema):
    written: int = Field(description="How many rates were added or replaced.")


class ExchangeRatePage(Page):
    items: list[ExchangeRateOut] = Field(description="By currency, the latest day first.")


# --- a deal's lines ------------------------------------------------------------------------


class AmountsOut(Schema):
    """A line's or a document's amounts, rounded to cents."""

    net_amount: str = Field(pattern=DECIMAL_PATTERN, description="Without tax. " + AMOUNT_OUT)
    tax_amount: str = Field(pattern=DECIMAL_PATTERN, description="The tax. " + AMOUNT_OUT)
    total_amount: str = Field(pattern=DECIMAL_PATTERN, description="With tax. " + AMOUNT_OUT)

    @staticmethod
    def resolve_net_amount(obj: Any) -> str:
        return _text(obj.net_amount)

    @staticmethod
    def resolve_tax_amount(obj: Any) -> str:
        return _text(obj.tax_amount)

    @staticmethod
    def resolve_total_amount(obj: Any) -> str:
        return _text(obj.total_amount)


class PricedOut(AmountsOut):
    """A line of a deal, quote or order: what, how many, at what price."""

    position: int = Field(description="Its place in the document, from 0.")
    product_id: int | None = Field(description="The product, if any.")
    description: str = Field(description="What is sold.")
    quantity: str = Field(pattern=DECIMAL_PATTERN, description=QUANTITY_OUT)
    unit_price: str = Field(pattern=DECIMAL_PATTERN, description=PRICE_OUT)

    @staticmethod
    def resolve_quantity(obj: Any) -> str:
        return fixed(obj.quantity, 3)

    @staticmethod
    def resolve_unit_price(obj: Any) -> str:
        return fixed(obj.unit_price, 4)


class DiscountedOut(PricedOut):
    """A deal's or quote's line, with the discount and the tax copied in when written."""

    discount_percent: str = Field(pattern=DECIMAL_PATTERN, description="The line's discount (%).")
    tax_rate: str = Field(pattern=DECIMAL_PATTERN, description="The tax copied in. " + RATE_OUT)
    tax_inclusive: bool = Field(description="Whether the price contains the tax.")

    @staticmethod
    def resolve_discount_percent(obj: Any) -> str:
        return fixed(obj.discount_percent, 2)

    @staticmethod
    def resolve_tax_rate(obj: Any) -> str:
        return fixed(obj.tax_rate, 4)


class DealLineIn(Schema):
    product: Id | None = Field(default=None, description="A product's id; null: a free line.")
    description: str | None = Field(
        default=None, max_length=300, description="What is sold; the product's name if omitted."
    )
    quantity: Number = Field(default=UNSET, description=QUANTITY_IN + " 1 if omitted.")
    unit_price: Amount | None = Field(
        default=None,
        description=PRICE_IN + " Omitted or null: the product's tier in the active price list "
        "of the deal's currency (422 when none lists it).",
    )
    discount_percent: Number = Field(default=UNSET, description=PERCENT_IN)
    tax: Id | None = Field(
        default=None, description="A tax's id; null: no tax; omitted: the product's tax."
    )


class DealLinesIn(Schema):
    lines: list[DealLineIn] = Field(
        max_length=MAX_LINES,
        description="All the deal's lines in order (replaces them; at most 200); errors are "
        "keyed `lines.<n>.<field>`.",
    )


class DealLineOut(DiscountedOut):
    id: int = Field(description="The line's id (lines are rewritten on each change).")


class DealLinesOut(Schema):
    opportunity_id: int = Field(description="The deal.")
    currency: str = Field(description="The deal's currency, the lines' too.")
    net_amount: str = Field(
        pattern=DECIMAL_PATTERN, description="The lines' net total (the deal's amount when set)."
    )
    tax_amount: str = Field(pattern=DECIMAL_PATTERN, description="The lines' tax total.")
    total_amount: str = Field(pattern=DECIMAL_PATTERN, description="The lines' total with tax.")
    lines: list[DealLineOut] = Field(description="The lines in order.")


# --- quotes --------------------------------------------------------------------------------

LANGUAGE = "The PDF's and e-mail's language: `en` or `pt-br`; yours if omitted."


class QuoteIn(Schema):
    valid_until: Day = Field(
        default=UNSET, description="From today on; today plus the company's validity if omitted."
    )
    terms: str = Field(
        default=UNSET, max_length=20000, description="Its terms; the company's if omitted."
    )
    discount_percent: Number = Field(
        default=UNSET, description="A discount on every line, after the line's own; 0 to 100."
    )
    language: str = Field(default=UNSET, max_length=10, description=LANGUAGE)


class QuoteSendIn(Schema):
    to: str | None = Field(
        default=None,
        max_length=254,
        description="The recipient's address; the first deal contact with one if omitted.",
    )
    message: str = Field(default="", max_length=5000, description="A note above the link.")


class QuoteLineOut(DiscountedOut):
    unit: str = Field(description="The product's unit then.")


class QuoteOut(AmountsOut):
    id: int = Field(description="The quote version's id.")
    opportunity_id: int = Field(description="The deal it quotes.")
    number: str = Field(description="Its number, e.g. Q-2026-0007, shared by its versions.")
    version: int = Field(description="1 and up; a revision is the next version.")
    status: str = Field(description=_options(QuoteStatus.values))
    currency: str = Field(description="The deal's currency.")
    valid_until: dt.date = Field(description="The last day the offer holds.")
    terms: str = Field(description="Its terms.")
    discount_percent: str = Field(pattern=DECIMAL_PATTERN, description="The document discount.")
    language: str = Field(description="The document's language.")
    created_by_id: int | None = Field(description="Who made it.")
    created_at: dt.datetime = Field(description="When it was made (UTC).")
    sent_at: dt.datetime | None = Field(description="When it was last e-mailed (UTC).")
    decided_at: dt.datetime | None = Field(description="When the customer answered (UTC).")
    decision_note: str = Field(description="The customer's note with the answer.")

    @staticmethod
    def resolve_discount_percent(obj: Any) -> str:
        return fixed(obj.discount_percent, 2)


class QuoteDetailOut(QuoteOut):
    lines: list[QuoteLineOut] = Field(description="The offered lines in order.")
    pix_payload: str = Field(
        description="For a BRL quote when the company has a PIX key: the PIX copy-and-paste "
        "code for its total; else empty."
    )

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.order_by("position", "id"))

    @staticmethod
    def resolve_pix_payload(obj: Any) -> str:
        return pix_payload(obj)


# --- orders --------------------------------------------------------------------------------


class OrderOut(AmountsOut):
    id: int = Field(description="The order's id.")
    number: str = Field(description="Its number, e.g. SO-2026-0003.")
    opportunity_id: int = Field(description="The deal won.")
    quote_id: int | None = Field(description="The accepted quote version.")
    account_id: int | None = Field(description="The customer's account.")
    status: str = Field(description=_options(OrderStatus.values))
    currency: str = Field(description="The amounts' currency.")
    carrier: str = Field(description="Who carries it, once shipped.")
    tracking_number: str = Field(description="The carrier's tracking number.")
    confirmed_at: dt.datetime | None = Field(description="When it was confirmed (UTC).")
    shipped_at: dt.datetime | None = Field(description="When it was shipped (UTC).")
    delivered_at: dt.datetime | None = Field(description="When it was delivered (UTC).")
    cancelled_at: dt.datetime | None = Field(description="When it was cancelled (UTC).")
    owner_id: int = Field(description="The deal owner, who owns it.")
    team_id: int | None = Field(description="The owner's team.")
    created_at: dt.datetime = Field(description="When it was made (UTC).")
    updated_at: dt.datetime = Field(description="When it last changed (UTC).")


class OrderLineOut(PricedOut):
    unit: str = Field(description="The unit.")


class DeliveryStepOut(Schema):
    id: int = Field(description="The step's id.")
    at: dt.datetime = Field(description="When it happened (UTC).")
    status: str = Field(description="The step, e.g. `in transit`, or the order's new status.")
    description: str = Field(description="More on it.")
    location: str = Field(description="Where it happened.")
    recorded_by_id: int | None = Field(description="Who reported it.")
    recorded_at: dt.datetime = Field(description="When it was reported (UTC).")

    @staticmethod
    def resolve_at(obj: Any) -> dt.datetime:
        """UTC, as read back from the database, also for the step just written."""
        return obj.at.astimezone(dt.UTC)  # type: ignore[no-any-return]


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut] = Field(description="What was bought, in order.")
    deliveries: list[DeliveryStepOut] = Field(
        description="Its lifecycle and delivery steps by time."
    )

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return sorted(obj.lines.all(), key=lambda line: (line.position, line.pk))

    @staticmethod
    def resolve_deliveries(obj: Any) -> list[Any]:
        return sorted(obj.deliveries.all(), key=lambda step: (step.at, step.pk))


class OrderPage(Page):
    items: list[OrderOut] = Field(description="One page of orders, newest first.")


class OrderStatusIn(Schema):
    status: str = Field(
        max_length=10,
        description="The next status: draft → confirmed → shipped → delivered, or cancelled "
        "before shipping. " + _options(OrderStatus.values),
    )
    carrier: str = Field(default=UNSET, max_length=100, description="Who carries it.")
    tracking_number: str = Field(default=UNSET, max_length=100, description="Tracking number.")


class DeliveryStepIn(Schema):
    at: dt.datetime | None = Field(
        default=None,
        description="When it happened (ISO 8601; without an offset, in your time zone); not "
        "in the future; now if omitted.",
    )
    status: str = Field(max_length=60, description="The step, e.g. `out for delivery`.")
    description: str = Field(default="", max_length=500, description="More on it.")
    location: str = Field(default="", max_length=200, description="Where it happened.")


# --- forecasts -----------------------------------------------------------------------------

MONEY = "In the company currency. " + AMOUNT_OUT


class ForecastRowOut(Schema):
    key: int | None = Field(
        description="The owner's or team's id; null for the company (or deals without team)."
    )
    name: str = Field(description="The owner's or team's name; empty when key is null.")
    closed_won: str = Field(pattern=DECIMAL_PATTERN, description="Won in the period. " + MONEY)
    commit: str = Field(
        pattern=DECIMAL_PATTERN, description="Won plus open deals committed. " + MONEY
    )
    best_case: str = Field(
        pattern=DECIMAL_PATTERN, description="Commit plus open best-case deals. " + MONEY
    )
    pipeline: str = Field(
        pattern=DECIMAL_PATTERN, description="Open deals expected to close in it. " + MONEY
    )
    weighted: str = Field(
        pattern=DECIMAL_PATTERN, description="Open deals times their probability. " + MONEY
    )
    quota: str | None = Field(description="The period's quota; null when none is set.")
    attainment: float | None = Field(description="Won as a share of the quota (0.25 = 25%).")
    unconverted: list[str] = Field(
        description="Currencies without an exchange rate, left out of the figures."
    )


class ForecastOut(Schema):
    period: Literal["month", "quarter"] = Field(description="The period's kind.")
    start: dt.date = Field(description="Its first day.")
    end: dt.date = Field(description="Its last day.")
    group: Literal["owner", "team", "company"] = Field(description="How rows are grouped.")
    currency: str = Field(description="The company currency all figures are in.")
    rows: list[ForecastRowOut] = Field(description="One per owner or team (or the company).")
    total: ForecastRowOut = Field(description="The rows added up (key null).")
    unconverted: list[str] = Field(description="Every currency left out for want of a rate.")


class WonMonthOut(Schema):
    month: dt.date = Field(description="The month's first day.")
    won: str = Field(pattern=DECIMAL_PATTERN, description="Won revenue. " + MONEY)


class ForecastHistoryOut(Schema):
    currency: str = Field(description="The company currency.")
    history: list[WonMonthOut] = Field(
        description="Each past month, oldest first (the current month excluded)."
    )
    statistical: list[WonMonthOut] | None = Field(
        description="The next three months (from the current one) by exponential smoothing; "
        "null with fewer than six months with wins."
    )


# --- sales metrics -------------------------------------------------------------------------

CONVERTED = (
    "In the company currency at today's rates; deals in a currency without a rate are left out."
)


class SalesCycleOut(Schema):
    won: int = Field(description="Deals won in the period.")
    median_days: float | None = Field(description="Median days from creation to win.")
    mean_days: float | None = Field(description="Mean days from creation to win.")


class SalesSummaryOut(Schema):
    won: int = Field(description="Deals won in the period.")
    lost: int = Field(description="Deals lost in the period.")
    won_amount: str = Field(pattern=DECIMAL_PATTERN, description=CONVERTED)
    close_rate: float | None = Field(description="won / (won + lost); null when none closed.")
    cycle: SalesCycleOut = Field(description="Sales-cycle length of the deals won.")
    open_deals: int = Field(description="Deals open now.")
    open_amount: str = Field(pattern=DECIMAL_PATTERN, description=CONVERTED)
    velocity: str | None = Field(
        pattern=DECIMAL_PATTERN,
        description="Open deals x average won amount x close rate / median cycle days, per day.",
    )


class LossReasonOut(Schema):
    reason: str = Field(description="The reason's code (empty: none given).")
    label: str = Field(description="The reason in your language.")
    deals: int = Field(description="Deals lost for it in the period.")


class StageTimeOut(Schema):
    stage_id: int | None = Field(description="The stage (null once removed).")
    name: str = Field(description="The stage's name then.")
    deals: int = Field(description="Deals that left it in the period.")
    mean_days: float | None = Field(description="Mean whole days they spent in it.")


class FunnelStepOut(Schema):
    stage_id: int = Field(description="The stage.")
    name: str = Field(description="Its name.")
    deals: int = Field(description="Deals created in the period that reached it.")


class SalesMetricsOut(Schema):
    start: dt.date = Field(description="The period's first day, in `time_zone`.")
    end: dt.date = Field(description="Its last day, included.")
    time_zone: str = Field(description="The time zone the days are read in (yours).")
    pipeline_id: int = Field(description="The pipeline of the stage figures.")
    summary: SalesSummaryOut = Field(description="Close rate, cycle, open deals, velocity.")
    loss_reasons: list[LossReasonOut] = Field(description="Most frequent first.")
    time_in_stages: list[StageTimeOut] = Field(description="By stage.")
    funnel: list[FunnelStepOut] = Field(description="Every stage of the pipeline in order.")
