"""Service desk metrics over a period, as far as the actor sees: tickets created and resolved,
the backlog now and at the end of each day, first-response and resolution times (median and
90th percentile, wall-clock hours), SLA compliance, first-contact resolution and satisfaction
(CSAT), overall and by channel, priority and agent.

No ticket row reaches Python, so the report costs the same few statements at a million tickets:

- every count is one ``GROUP BY`` channel, priority and assignee of filtered ``COUNT``s (a few
  thousand groups at most), summed here into the totals and the three breakdowns;
- the percentiles come from a histogram of the durations in minutes, to the minute below two
  days, to the hour below thirty, to the day beyond (a few thousand groups at most);
- the backlog at the end of each day is counted back from the backlog now, with the tickets
  created and resolved on each day since the period began (``GROUP BY`` the local day).

At a million tickets the figures and the first-response times read the actor's tickets in
full (``first_responded_at`` leads no index); the series and the resolution times go through
the indexes on ``created_at`` and ``(status, resolved_at)``.

A ticket leaves the backlog when it is resolved: closing sets ``resolved_at`` too, reopening
clears it, so "resolved" here means resolved or closed. SLA compliance counts only tickets
under an SLA policy (the others have no target to meet). Breakdowns and the backlog series
follow a ticket's current queue, assignee and visibility.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Case, Count, F, Func, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from clientela.platform.models import User
from clientela.service.models import ACTIVE, PRIORITY_RANK, Priority, Ticket, TicketChannel
from clientela.service.selectors import ticket_base

DEFAULT_DAYS = 30
DAILY_UP_TO = 62  # days: a longer period is charted by week,
WEEKLY_UP_TO = 731  # and a longer one still by month
HOUR, DAY = 60, 1440  # in minutes
EXACT_BELOW, HOURLY_BELOW = 2 * DAY, 30 * DAY  # the histogram's coarser steps start here
# the statuses of a ticket with ``resolved_at``: named so that the index on
# ``(status, resolved_at)`` serves the reads by resolution instant
DONE = ("resolved", "closed")


class MinutesBetween(Func):
    """Wall-clock minutes from the first expression to the second (rounded), on either
    database; rounding keeps a whole minute whole despite SQLite's floating-point days."""

    arity = 2
    output_field = IntegerField()

    def _parts(self, compiler: Any) -> tuple[str, str, tuple[Any, ...]]:
        (start, start_params), (end, end_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        return start, end, (*end_params, *start_params)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        start, end, params = self._parts(compiler)
        return f"CAST(ROUND((julianday({end}) - julianday({start})) * 1440) AS INTEGER)", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        start, end, params = self._parts(compiler)
        return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) / 60) AS INTEGER)", params


@dataclass(frozen=True)
class Period:
    start: dt.datetime  # aware: its time zone is the one the days are read in
    end: dt.datetime  # exclusive

    @classmethod
    def days(cls, first: dt.date, last: dt.date, zone: dt.tzinfo) -> Period:
        """From the start of ``first`` to the end of ``last`` (included), in ``zone``."""
        return cls(
            dt.datetime.combine(first, dt.time(), zone),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone),
        )

    @property
    def zone(self) -> dt.tzinfo:
        return self.start.tzinfo or dt.UTC

    @property
    def first_day(self) -> dt.date:
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(microseconds=1)).astimezone(self.zone).date()

    @property
    def step(self) -> str:
        """How the charts group the days: "day", "week" or "month"."""
        days = (self.last_day - self.first_day).days + 1
        return "day" if days <= DAILY_UP_TO else "week" if days <= WEEKLY_UP_TO else "month"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """The counts of a group of tickets; rates are shares from 0 to 1 (None: nothing to rate)."""

    created: int = 0  # in the period
    resolved: int = 0  # in the period
    backlog: int = 0  # active now
    first_response_met: int = 0  # first responses in the period, under a policy, not late
    first_response_total: int = 0
    resolution_met: int = 0  # resolutions in the period, under a policy, not late
    resolution_total: int = 0
    first_contact_resolved: int = 0  # resolved in the period on first contact
    first_contact_known: int = 0  # resolved in the period and judged either way
    csat_count: int = 0  # scores of the tickets resolved in the period
    csat_sum: int = 0
    csat_satisfied: int = 0  # scores of 4 or 5

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Figures:
        return cls(**{f.name: row[f.name] or 0 for f in fields(cls)})

    @property
    def first_response_compliance(self) -> float | None:
        return _share(self.first_response_met, self.first_response_total)

    @property
    def resolution_compliance(self) -> float | None:
        return _share(self.resolution_met, self.resolution_total)

    @property
    def first_contact_rate(self) -> float | None:
        return _share(self.first_contact_resolved, self.first_contact_known)

    @property
    def csat_mean(self) -> float | None:
        return _share(self.csat_sum, self.csat_count)

    @property
    def csat_satisfied_rate(self) -> float | None:
        return _share(self.csat_satisfied, self.csat_count)


@dataclass(frozen=True)
class Times:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class Group:
    key: str | int | None  # the channel, the priority or the assignee's id (None: unassigned)
    label: str
    figures: Figures


@dataclass(frozen=True)
class Point:
    start: dt.date  # the step's first day within the period
    created: int
    resolved: int
    backlog: int  # at the end of the step's last day within the period


@dataclass(frozen=True)
class ServiceMetrics:
    period: Period
    queue_id: int | None
    figures: Figures
    first_response: Times
    resolution: Times
    by_channel: list[Group]
    by_priority: list[Group]
    by_agent: list[Group]
    series: list[Point]

    @property
    def empty(self) -> bool:
        """No ticket was created, answered or resolved in the period, and none is active."""
        return not self.by_channel


def percentile_from_histogram(counts: Iterable[tuple[int, int]], q: float) -> float | None:
    """The ``q`` quantile (0 to 1) of values given as ``(value, how many)`` pairs, between the
    two nearest ranks as PostgreSQL's ``percentile_cont`` (the median of an even count is the
    mean of the middle two)."""
    ordered = sorted((value, n) for value, n in counts if n > 0)
    total = sum(n for _v, n in ordered)
    if not total:
        return None
    position = q * (total - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    seen, low, high = 0, None, None
    for value, n in ordered:
        seen += n
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None
    return low + (high - low) * (position - low_rank)


def _within(name: str, period: Period) -> Q:
    return Q(**{f"{name}__gte": period.start, f"{name}__lt": period.end})


def _counts(period: Period) -> dict[str, Any]:
    """The filtered counts behind ``Figures``, for one ``GROUP BY``."""
    resolved = _within("resolved_at", period)
    responded = _within("first_responded_at", period) & Q(sla_policy__isnull=False)
    under_policy = resolved & Q(sla_policy__isnull=False)
    return {
        "created": Count("id", filter=_within("created_at", period)),
        "resolved": Count("id", filter=resolved),
        "backlog": Count("id", filter=Q(status__in=ACTIVE)),
        "first_response_met": Count("id", filter=responded & Q(first_response_breached=False)),
        "first_response_total": Count("id", filter=responded),
        "resolution_met": Count("id", filter=under_policy & Q(resolution_breached=False)),
        "resolution_total": Count("id", filter=under_policy),
        "first_contact_resolved": Count("id", filter=resolved & Q(first_contact_resolution=True)),
        "first_contact_known": Count(
            "id", filter=resolved & Q(first_contact_resolution__isnull=False)
        ),
        "csat_count": Count("id", filter=resolved & Q(csat_score__isnull=False)),
        "csat_sum": Sum("csat_score", filter=resolved),
        "csat_satisfied": Count("id", filter=resolved & Q(csat_score__gte=4)),
    }


def _roll_up(rows: Sequence[Mapping[str, Any]], key: str) -> dict[Any, Figures]:
    totals: dict[Any, Figures] = {}
    for row in rows:
        totals[row[key]] = totals.get(row[key], Figures()) + Figures.of(row)
    return totals


def _agent_names(ids: Iterable[int | None]) -> dict[int | None, str]:
    users = User.objects.filter(pk__in=[pk for pk in ids if pk is not None])
    return {**{user.pk: user.display_name for user in users}, None: _("Unassigned")}


def _breakdowns(rows: Sequence[Mapping[str, Any]]) -> tuple[list[Group], list[Group], list[Group]]:
    channels, priorities = _roll_up(rows, "channel"), _roll_up(rows, "priority")
    agents = _roll_up(rows, "assignee_id")
    names = _agent_names(agents)
    by_channel = [
        Group(code, str(label), channels[code])
        for code, label in TicketChannel.choices
        if code in channels
    ]
    by_priority = [
        Group(code, str(label), priorities[code])
        for code, label in sorted(Priority.choices, key=lambda c: PRIORITY_RANK[c[0]])
        if code in priorities
    ]
    by_agent = sorted(
        (Group(pk, names.get(pk, "—"), figures) for pk, figures in agents.items()),
        key=lambda g: (g.key is None, -g.figures.resolved, g.label),
    )
    return by_channel, by_priority, by_agent


def _times(rows: QuerySet[Ticket], until: str, period: Period) -> Times:
    """Hours from a ticket's creation to ``until``, of the tickets that reached it in the
    period: one ``GROUP BY`` the duration, coarsened past two days."""
    minutes = F("minutes")
    histogram = list(
        rows.filter(_within(until, period))
        .order_by()
        .annotate(minutes=MinutesBetween(F("created_at"), F(until)))
        .annotate(
            bucket=Case(
                When(minutes__lt=EXACT_BELOW, then=minutes),
                When(minutes__lt=HOURLY_BELOW, then=(minutes + HOUR // 2) / HOUR * HOUR),
                default=(minutes + DAY // 2) / DAY * DAY,
                output_field=IntegerField(),
            )
        )
        .values("bucket")
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    )
    median, p90 = (percentile_from_histogram(histogram, q) for q in (0.5, 0.9))
    return Times(sum(n for _b, n in histogram), _hours(median), _hours(p90))


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / HOUR, 4)


def _per_day(rows: QuerySet[Ticket], name: str, period: Period) -> dict[dt.date, int]:
    """Tickets whose ``name`` falls on each local day since the period began (to now, not only
    to its end)."""
    found = (
        rows.filter(**{f"{name}__gte": period.start})
        .order_by()
        .annotate(day=TruncDate(name, tzinfo=period.zone))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return dict(found)


def _step_start(day: dt.date, step: str) -> dt.date:
    if step == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1) if step == "month" else day


def _series(rows: QuerySet[Ticket], period: Period, backlog_now: int) -> list[Point]:
    """Created and resolved per step, and the backlog at each step's end: the backlog now,
    less the tickets created since, plus those resolved since."""
    created = _per_day(rows, "created_at", period)
    resolved = _per_day(rows.filter(status__in=DONE), "resolved_at", period)
    created_after, resolved_after = sum(created.values()), sum(resolved.values())
    points: dict[dt.date, list[int]] = {}
    day = period.first_day
    while day <= period.last_day:
        made, done = created.get(day, 0), resolved.get(day, 0)
        created_after, resolved_after = created_after - made, resolved_after - done
        point = points.setdefault(max(period.first_day, _step_start(day, period.step)), [0, 0, 0])
        point[0] += made
        point[1] += done
        point[2] = backlog_now - created_after + resolved_after
        day += dt.timedelta(days=1)
    return [Point(start, *values) for start, values in points.items()]


def service_metrics(actor: User, period: Period, queue_id: int | None = None) -> ServiceMetrics:
    rows = ticket_base(actor)
    if queue_id is not None:
        rows = rows.filter(queue_id=queue_id)
    touched = (
        _within("created_at", period)
        | _within("resolved_at", period)
        | _within("first_responded_at", period)
        | Q(status__in=ACTIVE)
    )
    groups = list(
        rows.filter(touched)
        .order_by()
        .values("channel", "priority", "assignee_id")
        .annotate(**_counts(period))
    )
    by_channel, by_priority, by_agent = _breakdowns(groups)
    figures = sum((Figures.of(row) for row in groups), Figures())
    return ServiceMetrics(
        period,
        queue_id,
        figures,
        _times(rows, "first_responded_at", period),
        _times(rows.filter(status__in=DONE), "resolved_at", period),
        by_channel,
        by_priority,
        by_agent,
        _series(rows, period, figures.backlog),
    )
