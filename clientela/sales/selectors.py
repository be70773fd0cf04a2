"""Reads on opportunities, always starting from what the actor may see.

The board reads a pipeline's open deals in two statements: the columns' totals (count, sum and
probability-weighted sum per stage, one ``GROUP BY``) and the cards of each column (the first
``CARDS`` per stage by expected close date, through one window query), so ten thousand open
deals render as quickly as a hundred.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from clientela.customers.models import Account
from clientela.platform.models import User
from clientela.platform.permissions import get_visible, visible_to
from clientela.sales.currency import Rates
from clientela.sales.models import (
    Opportunity,
    OpportunityContact,
    Pipeline,
    Quote,
    SalesOrder,
    Stage,
    StageChange,
    StageKind,
)

RELATED = ("owner", "team", "account", "pipeline", "stage")
CARDS = 50  # cards a board column shows before "more"
HUNDRED = Decimal(100)


def opportunity_base(actor: User) -> QuerySet[Opportunity]:
    return visible_to(actor, Opportunity.objects.select_related(*RELATED))


def opportunity_get(actor: User, opportunity_id: Any) -> Opportunity:
    return get_visible(actor, Opportunity.objects.select_related(*RELATED), opportunity_id)


def pipelines(*, active_only: bool = True) -> QuerySet[Pipeline]:
    rows = Pipeline.objects.all()
    return rows.filter(active=True) if active_only else rows


def pipeline_get(pipeline_id: Any) -> Pipeline | None:
    from clientela.sales.services import pk_of

    pk = pk_of(pipeline_id)
    return None if pk is None else Pipeline.objects.filter(pk=pk).first()


def stages_of(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("position", "id"))


@dataclass(frozen=True)
class OpportunityFilters:
    pipeline_id: int | None = None
    stage_id: int | None = None
    status: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    account_id: int | None = None
    contact_id: int | None = None
    close_from: dt.date | None = None
    close_to: dt.date | None = None
    query: str = ""


def opportunity_list(
    actor: User, filters: OpportunityFilters | None = None
) -> QuerySet[Opportunity]:
    f = filters or OpportunityFilters()
    exact = {
        "pipeline_id": f.pipeline_id,
        "stage_id": f.stage_id,
        "status": f.status,
        "owner_id": f.owner_id,
        "team_id": f.team_id,
        "account_id": f.account_id,
        "expected_close_date__gte": f.close_from,
        "expected_close_date__lte": f.close_to,
    }
    rows = opportunity_base(actor).filter(**{k: v for k, v in exact.items() if v not in (None, "")})
    if f.contact_id:
        rows = rows.filter(contact_roles__contact_id=f.contact_id)
    if f.query:
        # an account's name matches only when the actor may see the account: searching must
        # not tell whether a hidden account exists
        accounts = visible_to(actor, Account.objects.all()).values("pk")
        rows = rows.filter(
            Q(name__icontains=f.query) | Q(account__name__icontains=f.query, account__in=accounts)
        )
    return rows


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    cards: list[Opportunity] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.cards))


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[Column]
    currency: str
    other_currencies: bool

    @property
    def count(self) -> int:
        return sum(c.count for c in self.columns)

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.columns), Decimal(0))

    @property
    def weighted(self) -> Decimal:
        return sum((c.weighted for c in self.columns), Decimal(0))


def board(
    actor: User,
    pipeline: Pipeline,
    filters: OpportunityFilters | None = None,
    *,
    currency: str,
    cards: int = CARDS,
) -> Board:
    """A pipeline's columns: every stage, open deals as cards (won and lost columns show the
    deals closed in the filtered period, or the last 30 days). Totals are in ``currency`` (the
    company's): other currencies are converted at today's rates; deals in a currency without a
    rate are counted but not summed (``other_currencies``)."""
    f = filters or OpportunityFilters()
    base = opportunity_list(actor, OpportunityFilters(**{**f.__dict__, "pipeline_id": pipeline.pk}))
    stages = stages_of(pipeline)
    columns = {s.pk: Column(s) for s in stages}
    rates = Rates()
    other_currencies = False
    # Open deals and recently closed ones are read apart: each part walks the index that begins
    # (pipeline, status, …); one "open OR closed lately" condition read the whole pipeline.
    for part in _board_parts(base, f):
        other_currencies |= _add_totals(columns, part, rates)
        _add_cards(columns, part, cards)
    return Board(pipeline, [columns[s.pk] for s in stages], currency, other_currencies)


def _board_parts(base: QuerySet[Opportunity], f: OpportunityFilters) -> list[QuerySet[Opportunity]]:
    if f.close_from or f.close_to:
        return [base]  # the period filter already bounds every column
    since = timezone.now() - dt.timedelta(days=30)
    closed = base.filter(status__in=(StageKind.WON, StageKind.LOST), closed_at__gte=since)
    return [base.filter(status=StageKind.OPEN), closed]


def _add_totals(columns: dict[int, Column], deals: QuerySet[Opportunity], rates: Rates) -> bool:
    """Count, sum and weighted sum per column; whether some currency had no rate."""
    weighted = ExpressionWrapper(
        F("amount") * F("probability"), output_field=DecimalField(max_digits=20, decimal_places=2)
    )
    totals = (
        deals.order_by()
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"), weighted=Sum(weighted))
    )
    unconverted = False
    for row in totals:
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["n"]
        total = rates.convert(row["total"] or Decimal(0), row["currency"])
        if total is None:  # no rate for it: counted, not summed, and the board says so
            unconverted = True
            continue
        column.total += total
        column.weighted += rates.convert((row["weighted"] or 0) / HUNDRED, row["currency"]) or 0
    return unconverted


def _add_cards(columns: dict[int, Column], deals: QuerySet[Opportunity], cards: int) -> None:
    """The first ``cards`` deals of each column by close date: the window ranks only ids (a
    narrow sort), then the chosen few are read whole with their owner and account."""
    order = [F("expected_close_date").asc(nulls_last=True), F("id").asc()]
    ranked = (
        deals.order_by()
        .annotate(rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=order))
        .filter(rank__lte=cards)
        .values_list("id", flat=True)
    )
    chosen = list(ranked)
    if not chosen:
        return
    rows = Opportunity.objects.filter(pk__in=chosen).select_related("owner", "account", "stage")
    for card in rows.order_by("stage_id", *order):
        column = columns.get(card.stage_id)
        if column is not None:
            column.cards.append(card)


def rotting(opportunity: Opportunity, now: dt.datetime | None = None) -> bool:
    """Whether an open deal has sat in its stage longer than the stage allows."""
    days = opportunity.stage.rotting_days
    if opportunity.status != StageKind.OPEN or not days or opportunity.stage_entered_at is None:
        return False
    return (now or timezone.now()) - opportunity.stage_entered_at > dt.timedelta(days=days)


def stage_history(actor: User, opportunity: Opportunity) -> QuerySet[StageChange]:
    """The deal's moves, oldest first (the caller already sees the deal)."""
    return opportunity.stage_changes.select_related("by").order_by("at", "id")


def contact_roles(opportunity: Opportunity) -> QuerySet[OpportunityContact]:
    return opportunity.contact_roles.select_related("contact").order_by("id")


@dataclass(frozen=True)
class AccountSales:
    open_count: int
    open_total: Decimal
    won_total: Decimal
    currency: str


def account_sales(actor: User, account_id: int, currency: str) -> AccountSales:
    """The 360 page's figures: open pipeline and won revenue in the company currency (``currency``
    names it), as far as the actor sees the account's deals."""
    rows = visible_to(actor, Opportunity.objects.filter(account_id=account_id))
    sums = (
        rows.order_by()
        .values("currency")
        .annotate(
            open_count=Count("id", filter=Q(status=StageKind.OPEN)),
            open_total=Sum("amount", filter=Q(status=StageKind.OPEN)),
            won_total=Sum("amount", filter=Q(status=StageKind.WON)),
        )
    )
    rates = Rates()
    count, open_total, won_total = 0, Decimal(0), Decimal(0)
    for row in sums:  # other currencies at today's rates, as the board totals them
        count += row["open_count"]
        open_total += rates.convert(row["open_total"] or Decimal(0), row["currency"]) or 0
        won_total += rates.convert(row["won_total"] or Decimal(0), row["currency"]) or 0
    return AccountSales(count, open_total, won_total, currency)


def deal_quotes(deal: Opportunity) -> QuerySet[Quote]:
    """Every version of the deal's quotes, newest first (the caller already sees the deal)."""
    return Quote.objects.filter(opportunity=deal).order_by("-created_at", "-id")


def order_list(actor: User, **exact: Any) -> QuerySet[SalesOrder]:
    """The orders the actor sees, filtered on the given columns (``None`` values ignored)."""
    rows = visible_to(actor, SalesOrder.objects.select_related("account"))
    return rows.filter(**{k: v for k, v in exact.items() if v not in (None, "")})


def order_get(actor: User, order_id: Any) -> SalesOrder:
    rows = SalesOrder.objects.select_related("account", "opportunity", "quote")
    return get_visible(actor, rows.prefetch_related("lines", "deliveries"), order_id)
