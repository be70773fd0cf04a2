"""Forecasts by period: what was won, what reps commit to, their best case, the pipeline and its
probability-weighted value, against quotas; weekly snapshots of it (to measure accuracy once a
period closes); and a statistical forecast of won revenue from its monthly history (Holt-Winters
exponential smoothing from statsmodels).

Amounts are in the company currency: each (group, currency) sum is converted at today's rate;
sums in a currency without a rate are left out, and the row names that currency
(``unconverted``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clientela.platform.models import User
from clientela.platform.permissions import visible_to
from clientela.sales.currency import Rates
from clientela.sales.models import (
    ForecastCategory,
    ForecastSnapshot,
    Opportunity,
    Quota,
    StageKind,
)
from clientela.sales.pricing import cents

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
GROUPS = ("owner", "team", "company")
MIN_HISTORY = 6  # months of history a statistical forecast needs
FIGURES = ("closed_won", "commit", "best_case", "pipeline", "weighted")


@dataclass
class ForecastRow:
    key: int | None  # the owner's or team's id; None for the company (or deals without team)
    closed_won: Decimal = ZERO
    commit: Decimal = ZERO  # closed won plus open deals committed for the period
    best_case: Decimal = ZERO  # commit plus the open best-case deals
    pipeline: Decimal = ZERO  # every open deal expected to close in the period
    weighted: Decimal = ZERO  # open deals times their probability
    quota: Decimal | None = None
    unconverted: set[str] = field(default_factory=set)  # currencies without a rate

    @property
    def attainment(self) -> float | None:
        """Closed won as a share of the quota."""
        return float(self.closed_won / self.quota) if self.quota else None


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def month(cls, day: dt.date) -> Period:
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return cls(start, following - dt.timedelta(days=1))

    @classmethod
    def quarter(cls, day: dt.date) -> Period:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        end = Period.month(dt.date(start.year, start.month + 2, 1)).end
        return cls(start, end)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware moments [start, end + 1 day) in the active time zone."""
        zone = timezone.get_current_timezone()
        low = dt.datetime.combine(self.start, dt.time(), zone)
        return low, dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone)


@dataclass
class Forecast:
    period: Period
    group: str
    rows: list[ForecastRow] = field(default_factory=list)

    @property
    def total(self) -> ForecastRow:
        total = ForecastRow(None)
        for row in self.rows:
            for name in FIGURES:
                setattr(total, name, getattr(total, name) + getattr(row, name))
            total.unconverted |= row.unconverted
            if row.quota is not None:
                total.quota = (total.quota or ZERO) + row.quota
        return total


def _column(group: str) -> str | None:
    return {"owner": "owner_id", "team": "team_id"}.get(group)


def _add(
    rows: dict[Any, ForecastRow],
    figures: QuerySet[Any],
    column: str | None,
    rates: Rates,
    names: dict[str, str],
) -> None:
    for item in figures:
        key = item[column] if column else None
        row = rows.setdefault(key, ForecastRow(key))
        for source, target in names.items():
            amount = item[source]
            if amount is None:
                continue
            converted = rates.convert(Decimal(amount), item["currency"])
            if converted is None:
                row.unconverted.add(item["currency"])
                continue
            setattr(row, target, getattr(row, target) + converted)


def figures(
    deals: QuerySet[Opportunity],
    period: Period,
    group: str = "owner",
    quota_users: QuerySet[Any] | None = None,
) -> Forecast:
    """The forecast of ``deals`` (already scoped to what the caller may see), against the
    quotas of ``quota_users`` (everyone's when ``None``)."""
    if group not in GROUPS:
        raise ValueError(group)
    column = _column(group)
    keys = [column] if column else []
    rates = Rates()
    low, high = period.bounds()
    rows: dict[Any, ForecastRow] = {}
    won = (
        deals.filter(status=StageKind.WON, closed_at__gte=low, closed_at__lt=high)
        .order_by()
        .values(*keys, "currency")
        .annotate(won=Sum("amount"))
    )
    _add(rows, won, column, rates, {"won": "closed_won"})
    weighted = ExpressionWrapper(
        F("amount") * F("probability") / 100,
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    open_deals = (
        deals.filter(
            status=StageKind.OPEN,
            expected_close_date__gte=period.start,
            expected_close_date__lte=period.end,
        )
        .exclude(forecast_category=ForecastCategory.OMITTED)
        .order_by()
        .values(*keys, "currency")
        .annotate(
            commit=Sum("amount", filter=Q(forecast_category=ForecastCategory.COMMIT)),
            best=Sum("amount", filter=Q(forecast_category=ForecastCategory.BEST_CASE)),
            pipeline=Sum("amount"),
            weighted=Sum(weighted),
        )
    )
    _add(
        rows,
        open_deals,
        column,
        rates,
        {"commit": "commit", "best": "best_case", "pipeline": "pipeline", "weighted": "weighted"},
    )
    for row in rows.values():
        row.weighted = cents(row.weighted)
        row.commit += row.closed_won
        row.best_case += row.commit
    _quotas(rows, period, group, quota_users)
    ordered = sorted(rows.values(), key=lambda r: (r.key is None, r.key or 0))
    return Forecast(period, group, ordered)


def _quotas(
    rows: dict[Any, ForecastRow], period: Period, group: str, users: QuerySet[Any] | None
) -> None:
    quotas = Quota.objects.filter(month__gte=period.start, month__lte=period.end)
    if users is not None:
        quotas = quotas.filter(user__in=users)
    if group == "owner":
        for user_id, amount in (
            quotas.values("user_id").annotate(s=Sum("amount")).values_list("user_id", "s")
        ):
            rows.setdefault(user_id, ForecastRow(user_id)).quota = amount
    elif group == "company":
        total = quotas.aggregate(s=Sum("amount"))["s"]
        if total is not None:
            rows.setdefault(None, ForecastRow(None)).quota = total
    else:  # a team's quota: its members' (a member of two teams counts in both)
        from clientela.platform.models import Team

        by_user = dict(
            quotas.values("user_id").annotate(s=Sum("amount")).values_list("user_id", "s")
        )
        for team_id, user_id in Team.objects.values_list("id", "members__id"):
            if user_id in by_user and team_id in rows:
                row = rows[team_id]
                row.quota = (row.quota or ZERO) + by_user[user_id]


def quota_users(actor: User) -> QuerySet[Any]:
    """Whose quotas the actor's forecast may show: those whose deals the actor's scope covers
    (everyone, the actor's teams' members and the actor, or the actor alone)."""
    from clientela.platform.models import Scope
    from clientela.platform.permissions import grant_for, team_ids

    scope = grant_for(actor, "sales.opportunity").scope
    if scope == Scope.ALL:
        return User.objects.all()
    if scope == Scope.TEAM:
        return User.objects.filter(Q(pk=actor.pk) | Q(teams__in=team_ids(actor))).distinct()
    return User.objects.filter(pk=actor.pk)


def forecast(actor: User, period: Period, group: str = "owner") -> Forecast:
    deals = visible_to(actor, Opportunity.objects.all())
    return figures(deals, period, group, quota_users(actor).values("pk"))


def take_snapshots(now: dt.datetime | None = None) -> int:
    """Every owner's forecast for the current month and quarter, as it stands (the weekly
    job); the number of rows written."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    made = []
    for period in (Period.month(today), Period.quarter(today)):
        result = figures(Opportunity.objects.all(), period, "owner")
        for row in result.rows:
            if row.key is None:
                continue
            made.append(
                ForecastSnapshot(
                    taken_at=moment,
                    owner_id=row.key,
                    period_start=period.start,
                    period_end=period.end,
                    **{name: getattr(row, name) for name in FIGURES},
                )
            )
    ForecastSnapshot.objects.bulk_create(made)
    return len(made)


def monthly_won(
    actor: User, months: int = 24, until: dt.date | None = None
) -> list[tuple[dt.date, Decimal]]:
    """Won revenue per month for the last ``months`` months (the current one excluded), every
    month listed (zero when nothing was won)."""
    last = Period.month(until or timezone.localdate()).start
    first = last
    for _month in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    low = Period(first, last - dt.timedelta(days=1)).bounds()
    rows = (
        visible_to(actor, Opportunity.objects.filter(status=StageKind.WON))
        .filter(closed_at__gte=low[0], closed_at__lt=low[1])
        .annotate(month=TruncMonth("closed_at"))
        .order_by()
        .values("month", "currency")
        .annotate(won=Sum("amount"))
    )
    rates = Rates()
    totals: dict[dt.date, Decimal] = defaultdict(Decimal)
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        converted = rates.convert(row["won"] or ZERO, row["currency"])
        totals[month] += converted or ZERO
    series, month = [], first
    while month < last:
        series.append((month, totals.get(month, ZERO)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return series


def statistical(history: list[Decimal], horizon: int = 3) -> list[Decimal] | None:
    """The next ``horizon`` months of won revenue by exponential smoothing: additive trend,
    and a yearly season once two years of history exist; ``None`` with too little history."""
    if sum(1 for value in history if value) < MIN_HISTORY:
        return None
    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    values = np.array([float(v) for v in history])
    seasonal = len(values) >= 24
    model = ExponentialSmoothing(
        values,
        trend="add",
        seasonal="add" if seasonal else None,
        seasonal_periods=12 if seasonal else None,
        initialization_method="estimated",
    )
    try:
        fitted = model.fit()
    except (ValueError, np.linalg.LinAlgError):
        logger.warning("the won-revenue series could not be fitted", exc_info=True)
        return None
    return [cents(Decimal(str(max(0.0, float(v))))) for v in fitted.forecast(horizon)]


MAX_QUOTA = Decimal("99999999999999.99")  # the column's 16 digits


def _quota_amount(value: Any) -> Decimal:
    """A quota as the column keeps it (a decimal comma accepted: 1500,50); ValueError if not
    a non-negative amount the column can hold."""
    from clientela.sales.services import money

    if isinstance(value, str) and "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        amount = money(value)
    except ArithmeticError:  # 1e30 has more digits than the decimal context can quantize
        raise ValueError(value) from None
    if not ZERO <= amount <= MAX_QUOTA:
        raise ValueError(value)
    return amount


def _clean_quota(
    item: Any, where: str, users: set[int], errors: dict[str, list[str]]
) -> tuple[int, dt.date, Decimal | None] | None:
    from django.utils.translation import gettext as _

    from clientela.sales.services import pk_of

    if not isinstance(item, dict):
        errors[where.rstrip(".")] = [_("Enter a user, a month and an amount.")]
        return None
    user_id = pk_of(item.get("user"))
    if user_id not in users:
        errors[f"{where}user"] = [_("Choose an active user.")]
    month = None
    text = item.get("month")
    if isinstance(text, str) and len(text.strip()) in (7, 10):
        try:
            month = dt.date.fromisoformat(text.strip()[:7] + "-01")
        except ValueError:
            month = None
    if month is None:
        errors[f"{where}month"] = [_("Enter a month such as 2027-01.")]
    value = None
    if item.get("amount") is not None:
        try:
            value = _quota_amount(item["amount"])
        except ValueError:
            errors[f"{where}amount"] = [_("Enter an amount such as 1234.56.")]
    if user_id is None or month is None:
        return None
    return user_id, month, value


def quotas_save(*, actor: User, items: list[dict[str, Any]]) -> int:
    """Set monthly quotas (``{"user", "month": "2027-01", "amount"}``), all or none; an amount
    of ``null`` removes the month's quota. Quotas are configuration (``sales.quota``), set for
    the active users whose deals the actor's scope covers (``quota_users``): a manager of one
    team cannot set another team's targets, and is told the user is not one to choose."""
    from django.db import transaction
    from django.utils.translation import gettext as _

    from clientela.platform import audit, permissions
    from clientela.platform.errors import ValidationFailed

    permissions.require(actor, "sales.quota", "edit")
    if not isinstance(items, list) or len(items) > 5000:
        raise ValidationFailed(errors={"items": [_("Give at most 5,000 quotas.")]})
    errors: dict[str, list[str]] = {}
    users = set(quota_users(actor).filter(is_active=True).values_list("pk", flat=True))
    found = [_clean_quota(item, f"items.{i}.", users, errors) for i, item in enumerate(items)]
    if errors:
        raise ValidationFailed(errors=errors)
    cleaned = [row for row in found if row is not None]
    with transaction.atomic():
        for user_id, month, value in cleaned:
            if value is None:
                Quota.objects.filter(user_id=user_id, month=month).delete()
            else:
                Quota.objects.update_or_create(
                    user_id=user_id, month=month, defaults={"amount": value}
                )
        if cleaned:
            shown = "; ".join(f"{u} {m:%Y-%m} {v}" for u, m, v in cleaned[:200])
            audit.record(
                actor=actor,
                action="update",
                obj=actor,
                object_type="sales.quota",
                changes={"quotas": ["", f"{len(cleaned)}: {shown}"]},
            )
    return len(cleaned)


@dataclass
class QuotaYear:
    """A year's quotas for the grid: a page of the users in it and their amounts by
    ``(user id, month number)``; the teams those users are in, for a filter."""

    year: int
    users: list[User]
    amounts: dict[tuple[int, int], Decimal]
    teams: list[Any]
    has_next: bool = False


def quotas_of_year(actor: User, year: int) -> QuerySet[Quota]:
    """A year's monthly quotas of the users the actor's scope covers (``quota_users``), as the
    forecast and the quota grid show them."""
    from clientela.platform import permissions

    permissions.require(actor, "sales.quota", "view")
    months = {"month__gte": dt.date(year, 1, 1), "month__lte": dt.date(year, 12, 1)}
    rows = Quota.objects.filter(**months, user__in=quota_users(actor).values("pk"))
    return rows.order_by("month", "user_id")


def quota_year(
    actor: User, year: int, team_id: int | None = None, page: int = 1, per_page: int = 50
) -> QuotaYear:
    """The reps whose quotas the actor may see (``quota_users``: active, and able to own deals
    or already given a quota that year), optionally one team's, with that year's quotas.
    Pages keep a grid's form under Django's 1,000-field limit (13 fields a rep)."""
    from clientela.platform import permissions
    from clientela.platform.models import RolePermission, Team

    permissions.require(actor, "sales.quota", "view")
    scope = quota_users(actor).filter(is_active=True)
    sellers = RolePermission.objects.filter(object_type="sales.opportunity", can_create=True)
    months = {"month__gte": dt.date(year, 1, 1), "month__lte": dt.date(year, 12, 1)}
    with_quota = Quota.objects.filter(**months).values("user_id")
    users = scope.filter(
        Q(is_superuser=True) | Q(role__in=sellers.values("role_id")) | Q(pk__in=with_quota)
    )
    teams = Team.objects.filter(members__in=users).distinct().order_by("name")
    if team_id is not None:
        users = users.filter(teams__id=team_id)
    ordered = users.order_by("first_name", "last_name", "username", "pk").distinct()
    start = (max(page, 1) - 1) * per_page
    listed = list(ordered[start : start + per_page + 1])
    rows = Quota.objects.filter(**months, user__in=[u.pk for u in listed[:per_page]])
    amounts = {(q.user_id, q.month.month): q.amount for q in rows}
    return QuotaYear(year, listed[:per_page], amounts, list(teams), len(listed) > per_page)
