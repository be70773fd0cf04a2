"""Sales metrics over a period, as far as the actor sees: close rate, sales-cycle length,
time in each stage, the funnel between stages, win and loss reasons, and pipeline velocity.

Each figure is one aggregate statement the database answers from the rows (no row reaches
Python): medians come from a histogram of whole days (``GROUP BY`` the day count, at most a few
thousand groups), and time in stage from ``StageChange.left_at``, stored when a deal moves on.
Time in stage and the funnel read the stage history alone (see ``_moves``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Func, IntegerField, Q, QuerySet, Sum

from clientela.platform.models import User
from clientela.platform.permissions import sees_all, visible_to
from clientela.sales.currency import Rates
from clientela.sales.models import LostReason, Opportunity, Stage, StageChange, StageKind


class DaysBetween(Func):
    """Whole days from the first expression to the second (truncated), on either database."""

    arity = 2
    output_field = IntegerField()

    def _parts(self, compiler: Any) -> tuple[str, str, tuple[Any, ...]]:
        (start, start_params), (end, end_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return start, end, (*end_params, *start_params)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        start, end, params = self._parts(compiler)
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        start, end, params = self._parts(compiler)
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({end} - {start})) / 86400) AS INTEGER)", params


def days_between(start: str, end: str) -> DaysBetween:
    return DaysBetween(F(start), F(end))


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime  # exclusive


@dataclass(frozen=True)
class Cycle:
    won: int
    median_days: float | None
    mean_days: float | None


@dataclass(frozen=True)
class StageTime:
    stage_id: int | None
    name: str
    deals: int
    mean_days: float | None


@dataclass(frozen=True)
class Summary:
    won: int
    lost: int
    won_amount: Decimal
    close_rate: float | None  # won / (won + lost), of deals closed in the period
    cycle: Cycle
    open_deals: int
    open_amount: Decimal
    velocity: Decimal | None  # open deals * average won deal * close rate / median cycle days


def _deals(actor: User, pipeline_id: int | None = None) -> QuerySet[Opportunity]:
    rows = visible_to(actor, Opportunity.objects.all())
    return rows.filter(pipeline_id=pipeline_id) if pipeline_id else rows


def median_from_histogram(counts: list[tuple[int, int]]) -> float | None:
    """The median of values given as ``(value, how many)`` pairs."""
    total = sum(n for _v, n in counts)
    if not total:
        return None
    ordered = sorted(counts)
    low_rank, high_rank = (total - 1) // 2, total // 2
    seen, low, high = 0, None, None
    for value, n in ordered:
        if low is None and seen + n > low_rank:
            low = value
        if seen + n > high_rank:
            high = value
            break
        seen += n
    assert low is not None and high is not None
    return (low + high) / 2


def cycle(actor: User, period: Period, pipeline_id: int | None = None) -> Cycle:
    """Days from a deal's creation to its win, for deals won in the period."""
    won = _deals(actor, pipeline_id).filter(
        status=StageKind.WON, closed_at__gte=period.start, closed_at__lt=period.end
    )
    histogram = list(
        won.order_by()
        .annotate(days=days_between("created_at", "closed_at"))
        .values("days")
        .annotate(n=Count("id"))
        .values_list("days", "n")
    )
    total = sum(n for _d, n in histogram)
    mean = sum(d * n for d, n in histogram) / total if total else None
    return Cycle(total, median_from_histogram(histogram), mean)


def _converted(deals: QuerySet[Opportunity], rates: Rates) -> Decimal:
    """The deals' amounts in the company currency (currencies without a rate left out)."""
    sums = deals.order_by().values("currency").annotate(s=Sum("amount"))
    return sum(
        (rates.convert(row["s"] or Decimal(0), row["currency"]) or Decimal(0) for row in sums),
        Decimal(0),
    )


def summary(actor: User, period: Period, pipeline_id: int | None = None) -> Summary:
    deals = _deals(actor, pipeline_id)
    closed = deals.filter(closed_at__gte=period.start, closed_at__lt=period.end)
    figures = closed.aggregate(
        won=Count("id", filter=Q(status=StageKind.WON)),
        lost=Count("id", filter=Q(status=StageKind.LOST)),
    )
    rates = Rates()
    won_amount = _converted(closed.filter(status=StageKind.WON), rates)
    open_deals = deals.filter(status=StageKind.OPEN)
    open_count, open_amount = open_deals.count(), _converted(open_deals, rates)
    won, lost = figures["won"], figures["lost"]
    rate = won / (won + lost) if won + lost else None
    length = cycle(actor, period, pipeline_id)
    velocity = None
    if rate and won and length.median_days:
        average = won_amount / won
        days = Decimal(str(max(length.median_days, 1)))
        velocity = (Decimal(open_count) * average * Decimal(str(rate)) / days).quantize(
            Decimal("0.01")
        )
    return Summary(
        won,
        lost,
        won_amount,
        rate,
        length,
        open_count,
        open_amount,
        velocity,
    )


def _moves(actor: User, pipeline_id: int) -> QuerySet[StageChange]:
    """The history of moves into the pipeline's stages, of the deals the actor sees.

    Read alone for those who see every deal: the rows carry what the figures filter on (the
    deal's creation time, a stage's first entry), so a million deals are not joined to their
    five million moves. Others' moves are narrowed to their deals' ids.
    """
    stages = list(Stage.objects.filter(pipeline_id=pipeline_id).values_list("pk", flat=True))
    moves = StageChange.objects.filter(to_stage_id__in=stages).order_by()
    if not sees_all(actor, Opportunity):
        moves = moves.filter(
            opportunity__in=visible_to(actor, Opportunity.objects.all()).values("pk")
        )
    return moves


def time_in_stages(actor: User, period: Period, pipeline_id: int) -> list[StageTime]:
    """Mean days spent in each stage by deals that left it during the period."""
    moves = _moves(actor, pipeline_id).filter(left_at__gte=period.start, left_at__lt=period.end)
    rows = (
        moves.values("to_stage_id")
        .annotate(n=Count("*"), mean=Avg(days_between("at", "left_at")))
        .order_by("to_stage_id")
    )
    names = dict(Stage.objects.filter(pipeline_id=pipeline_id).values_list("pk", "name"))
    return [
        StageTime(r["to_stage_id"], names[r["to_stage_id"]], r["n"], float(r["mean"] or 0))
        for r in rows
    ]


def funnel(actor: User, period: Period, pipeline_id: int) -> dict[int, int]:
    """How many of the deals created in the period reached each stage (by stage id)."""
    rows = (
        _moves(actor, pipeline_id)
        .filter(
            first_entry=True,
            deal_created_at__gte=period.start,
            deal_created_at__lt=period.end,
        )
        .values("to_stage_id")
        .annotate(n=Count("*"))
    )
    return {r["to_stage_id"]: r["n"] for r in rows}


def loss_reasons(
    actor: User, period: Period, pipeline_id: int | None = None
) -> list[tuple[str, str, int]]:
    """(reason, label, deals) of the deals lost in the period, most frequent first."""
    rows = (
        _deals(actor, pipeline_id)
        .filter(status=StageKind.LOST, closed_at__gte=period.start, closed_at__lt=period.end)
        .order_by()
        .values("lost_reason")
        .annotate(n=Count("id"))
    )
    labels = dict(LostReason.choices)
    found = [(r["lost_reason"], str(labels.get(r["lost_reason"], "—")), r["n"]) for r in rows]
    return sorted(found, key=lambda item: (-item[2], item[0]))
