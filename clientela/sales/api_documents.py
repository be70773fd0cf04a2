"""API for what a deal is made of and what it becomes: a deal's lines, quotes (versions,
sending, PDF), orders with their delivery steps, forecasts and sales metrics (the catalogue
and the exchange rates are in ``api_catalog``).

Who may read what: quotes follow their deal; orders are records with owner and team
visibility. Days asked about (today, a period's bounds, a delivery time without offset) are
read in the caller's time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform import permissions
from clientela.platform.errors import ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.models import Team, User
from clientela.sales import (
    catalog,
    forecast,
    metrics,
    orders,
    quotes,
    selectors,
    services,
)
from clientela.sales.api_catalog import Paged, _in_zone, _page, _values, _zone
from clientela.sales.models import (
    Opportunity,
    SalesOrder,
)
from clientela.sales.schemas import Id, _text
from clientela.sales.schemas_documents import (
    Day,
    DealLinesIn,
    DealLinesOut,
    DeliveryStepIn,
    DeliveryStepOut,
    ForecastHistoryOut,
    ForecastOut,
    OrderDetailOut,
    OrderPage,
    OrderStatusIn,
    QuoteDetailOut,
    QuoteIn,
    QuoteOut,
    QuoteSendIn,
    SalesMetricsOut,
)

router = Router(tags=["sales"])
METRICS_DAYS = 90  # the period metrics cover when no start is given
MAX_METRICS_DAYS = 3660
PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}


class OrderQuery(Paged):
    status: Literal["draft", "confirmed", "shipped", "delivered", "cancelled"] | None = Field(
        default=None, description="Only the orders in this status."
    )
    account: Id | None = Field(default=None, description="Only this account's orders.")
    opportunity: Id | None = Field(default=None, description="Only this deal's orders.")


class ForecastQuery(Schema):
    period: Literal["month", "quarter"] = Field(default="month", description="month or quarter.")
    date: Day | None = Field(default=None, description="A day in the period; today if omitted.")
    group: Literal["owner", "team", "company"] = Field(
        default="owner", description="Rows per owner, per team, or one for the company."
    )


class ForecastHistoryQuery(Schema):
    months: int = Field(default=24, ge=1, le=120, description="Past months to list, 1 to 120.")


class SalesMetricsQuery(Schema):
    start: Day | None = Field(default=None, description="First day; 89 days before end if omitted.")
    end: Day | None = Field(default=None, description="Last day, included; today if omitted.")
    pipeline: Id | None = Field(
        default=None,
        description="Only this pipeline's deals; the stage figures use the default pipeline "
        "when omitted.",
    )


# --- helpers -------------------------------------------------------------------------------


def _lines(request: AuthedRequest, opportunity_id: Any) -> dict[str, Any]:
    deal: Opportunity = selectors.opportunity_get(request.user, opportunity_id)
    lines = list(deal.lines.order_by("position", "id"))
    sums = deal.lines.aggregate(
        net=Sum("net_amount"), tax=Sum("tax_amount"), total=Sum("total_amount")
    )
    return {
        "opportunity_id": deal.pk,
        "currency": deal.currency,
        "net_amount": _text(sums["net"] or 0),
        "tax_amount": _text(sums["tax"] or 0),
        "total_amount": _text(sums["total"] or 0),
        "lines": lines,
    }


def _order(request: AuthedRequest, order_id: Any) -> SalesOrder:
    return selectors.order_get(request.user, order_id)


# --- a deal's lines ------------------------------------------------------------------------


@router.get(
    "/opportunities/{opportunity_id}/lines", response=DealLinesOut, summary="A deal's lines"
)
def get_lines(request: AuthedRequest, opportunity_id: int):
    return _lines(request, opportunity_id)


@router.put(
    "/opportunities/{opportunity_id}/lines", response=DealLinesOut, summary="Replace a deal's lines"
)
def put_lines(request: AuthedRequest, opportunity_id: int, payload: DealLinesIn):
    """All or none; the deal's amount becomes the lines' net total. A line without a unit
    price takes its product's tier from the active list in the deal's currency."""
    lines = [line.dict(exclude_unset=True) for line in payload.lines]
    with _in_zone(request):  # the price list valid today, the caller's today
        catalog.opportunity_set_lines(
            actor=request.user, opportunity_id=opportunity_id, lines=lines
        )
    return _lines(request, opportunity_id)


# --- quotes --------------------------------------------------------------------------------


def _quote_values(payload: QuoteIn) -> dict[str, Any]:
    return {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}


@router.post(
    "/opportunities/{opportunity_id}/quotes",
    response={201: QuoteDetailOut},
    summary="Quote a deal",
)
def create_quote(request: AuthedRequest, opportunity_id: int, payload: QuoteIn):
    """Version 1 of a new number, from the deal's lines (422 on `lines` when it has none)."""
    with _in_zone(request):
        made = quotes.quote_create(
            actor=request.user, opportunity_id=opportunity_id, values=_quote_values(payload)
        )
    return Status(201, made)


@router.get(
    "/opportunities/{opportunity_id}/quotes",
    response=list[QuoteOut],
    summary="A deal's quotes, every version, newest first",
)
def list_quotes(request: AuthedRequest, opportunity_id: int):
    deal = selectors.opportunity_get(request.user, opportunity_id)
    return list(selectors.deal_quotes(deal))


@router.get("/quotes/{quote_id}", response=QuoteDetailOut, summary="One quote version")
def get_quote(request: AuthedRequest, quote_id: int):
    return quotes.quote_get(request.user, quote_id)


@router.post("/quotes/{quote_id}/revise", response={201: QuoteDetailOut}, summary="Revise")
def revise_quote(request: AuthedRequest, quote_id: int, payload: QuoteIn):
    """The next version, from the deal's lines as they are now; this one becomes superseded
    (409 unless it is the latest draft or sent version). Unsent fields keep this version's."""
    with _in_zone(request):
        made = quotes.quote_revise(
            actor=request.user, quote_id=quote_id, values=_quote_values(payload)
        )
    return Status(201, made)


@router.post("/quotes/{quote_id}/send", response=QuoteDetailOut, summary="E-mail a quote")
def send_quote(request: AuthedRequest, quote_id: int, payload: QuoteSendIn):
    """The PDF goes with a link where the customer accepts or declines. 409 when the quote
    is no longer a draft or sent, or when the mail server does not take the message."""
    with _in_zone(request):
        return quotes.quote_send(
            actor=request.user,
            quote_id=quote_id,
            base_url=request.build_absolute_uri("/"),
            to=payload.to,
            message=payload.message,
        )


@router.get(
    "/quotes/{quote_id}/pdf",
    response={200: None},
    summary="A quote as PDF",
    openapi_extra={"responses": {"200": {"description": "The PDF file", "content": PDF}}},
)
def quote_pdf(request: AuthedRequest, quote_id: int) -> HttpResponse:
    """Always a download (`attachment`), never shown inline."""
    quote = quotes.quote_get(request.user, quote_id)
    response = HttpResponse(quotes.quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote.number}-v{quote.version}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- orders --------------------------------------------------------------------------------


@router.get("/orders", response=OrderPage, summary="Sales orders, filtered")
def list_orders(request: AuthedRequest, params: Query[OrderQuery]):
    """The orders you may see (owner and team), newest first."""
    exact = {
        "status": params.status,
        "account_id": params.account,
        "opportunity_id": params.opportunity,
    }
    rows = selectors.order_list(request.user, **exact)
    return _page(rows, ("-created_at", "-id"), params)


@router.get("/orders/{order_id}", response=OrderDetailOut, summary="One order")
def get_order(request: AuthedRequest, order_id: int):
    return _order(request, order_id)


@router.post("/orders/{order_id}/status", response=OrderDetailOut, summary="Move an order")
def set_order_status(request: AuthedRequest, order_id: int, payload: OrderStatusIn):
    """409 on a step the lifecycle does not allow (e.g. delivered before shipped)."""
    values = _values(payload)
    status = values.pop("status")
    orders.order_set_status(actor=request.user, order_id=order_id, status=status, values=values)
    return _order(request, order_id)


@router.post(
    "/orders/{order_id}/deliveries",
    response={201: DeliveryStepOut},
    summary="Report a delivery step",
)
def add_delivery(request: AuthedRequest, order_id: int, payload: DeliveryStepIn):
    """How a carrier or the back-office reports where an order is; 409 for an order not yet
    confirmed or cancelled. The order's status changes only through its status endpoint."""
    with _in_zone(request):
        step = orders.delivery_add(actor=request.user, order_id=order_id, values=_values(payload))
    return Status(201, step)


# --- forecasts and metrics -----------------------------------------------------------------


def _names(group: str, keys: list[Any]) -> dict[int, str]:
    ids = [k for k in keys if k is not None]
    if group == "owner":
        return {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)}
    if group == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("id", "name"))
    return {}


def _row(row: forecast.ForecastRow, names: dict[int, str]) -> dict[str, Any]:
    figures = {name: _text(getattr(row, name)) for name in forecast.FIGURES}
    return {
        "key": row.key,
        "name": names.get(row.key, "") if row.key is not None else "",
        **figures,
        "quota": _text(row.quota) if row.quota is not None else None,
        "attainment": row.attainment,
        "unconverted": sorted(row.unconverted),
    }


@router.get("/forecast", response=ForecastOut, summary="The forecast of a month or quarter")
def get_forecast(request: AuthedRequest, params: Query[ForecastQuery]):
    """Won, commit, best case, pipeline and weighted per owner, team or the company, against
    quotas, over the deals you may see, in the company currency."""
    permissions.require(request.user, services.KEY, "view")
    with _in_zone(request):
        day = params.date or timezone.localdate()
        period = getattr(forecast.Period, params.period)(day)
        result = forecast.forecast(request.user, period, params.group)
    names = _names(params.group, [row.key for row in result.rows])
    total = result.total
    return {
        "period": params.period,
        "start": period.start,
        "end": period.end,
        "group": params.group,
        "currency": services.company_currency(),
        "rows": [_row(row, names) for row in result.rows],
        "total": _row(total, {}),
        "unconverted": sorted(total.unconverted),
    }


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


@router.get(
    "/forecast/history", response=ForecastHistoryOut, summary="Won revenue by month and ahead"
)
def forecast_history(request: AuthedRequest, params: Query[ForecastHistoryQuery]):
    permissions.require(request.user, services.KEY, "view")
    with _in_zone(request):
        today = timezone.localdate()
        history = forecast.monthly_won(request.user, params.months, until=today)
    ahead = forecast.statistical([won for _month, won in history], 3)
    months, month = [], today.replace(day=1)
    for value in ahead or []:
        months.append({"month": month, "won": _text(value)})
        month = _next_month(month)
    return {
        "currency": services.company_currency(),
        "history": [{"month": m, "won": _text(won)} for m, won in history],
        "statistical": months if ahead is not None else None,
    }


def _metrics_period(request: AuthedRequest, params: SalesMetricsQuery) -> tuple[Any, ...]:
    zone = _zone(request.user)
    end = params.end or timezone.localdate(timezone=zone)
    start = params.start or end - dt.timedelta(days=METRICS_DAYS - 1)
    if end < start:
        raise ValidationFailed(errors={"end": [_("The end comes before the start.")]})
    if (end - start).days >= MAX_METRICS_DAYS:
        raise ValidationFailed(errors={"start": [_("Choose a period of at most ten years.")]})
    low = dt.datetime.combine(start, dt.time(), zone)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    return start, end, str(zone), metrics.Period(low, high)


def _summary(figures: metrics.Summary) -> dict[str, Any]:
    return {
        **vars(figures),
        "cycle": vars(figures.cycle),
        "won_amount": _text(figures.won_amount),
        "open_amount": _text(figures.open_amount),
        "velocity": _text(figures.velocity) if figures.velocity is not None else None,
    }


@router.get("/sales-metrics", response=SalesMetricsOut, summary="Sales metrics over a period")
def sales_metrics(request: AuthedRequest, params: Query[SalesMetricsQuery]):
    """Over the deals you may see: close rate, cycle, velocity, loss reasons (one pipeline or
    all), time in stage and the funnel (of `pipeline`, else the default pipeline)."""
    actor = request.user
    permissions.require(actor, services.KEY, "view")
    start, end, zone, period = _metrics_period(request, params)
    pipeline = selectors.pipeline_get(params.pipeline) if params.pipeline else None
    if params.pipeline and pipeline is None:
        raise ValidationFailed(errors={"pipeline": [_("Choose one of the listed values.")]})
    staged = pipeline or services.default_pipeline()
    reached = metrics.funnel(actor, period, staged.pk)
    return {
        "start": start,
        "end": end,
        "time_zone": zone,
        "pipeline_id": staged.pk,
        "summary": _summary(metrics.summary(actor, period, params.pipeline)),
        "loss_reasons": [
            {"reason": reason, "label": label, "deals": n}
            for reason, label, n in metrics.loss_reasons(actor, period, params.pipeline)
        ],
        "time_in_stages": [vars(t) for t in metrics.time_in_stages(actor, period, staged.pk)],
        "funnel": [
            {"stage_id": s.pk, "name": s.name, "deals": reached.get(s.pk, 0)}
            for s in selectors.stages_of(staged)
        ],
    }
