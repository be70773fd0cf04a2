"""Forecasts against hand-computed figures: won, commit, best case, pipeline and weighted by
owner, team and company against quotas; weekly snapshots; the statistical forecast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clientela.sales.currency import rates_save
from clientela.sales.forecast import (
    Period,
    forecast,
    monthly_won,
    statistical,
    take_snapshots,
)
from clientela.sales.models import ForecastSnapshot, Opportunity, Quota
from clientela.sales.services import default_pipeline, opportunity_create, opportunity_move
from clientela.sales.tasks import snapshot_forecasts

D = Decimal
TODAY = dt.date(2026, 12, 7)
DECEMBER = Period.month(TODAY)


def stage(name: str):
    return default_pipeline().stages.get(name=name)


def open_deal(owner, amount: str, category: str, *, close: dt.date = TODAY, currency="BRL"):
    return opportunity_create(
        actor=owner,
        values={
            "name": f"{category} {amount}",
            "amount": amount,
            "currency": currency,
            "forecast_category": category,
            "expected_close_date": close,
            "probability": 50,
        },
    )


def won_deal(owner, amount: str, closed: dt.datetime):
    made = open_deal(owner, amount, "pipeline")
    opportunity_move(actor=owner, opportunity_id=made.pk, stage_id=stage("Won").pk)
    Opportunity.objects.filter(pk=made.pk).update(closed_at=closed)
    return made


@pytest.fixture
def team(make_team):
    return make_team("North")


@pytest.fixture
def ana(make_user, team):
    return make_user("sales-rep", teams=[team])


@pytest.fixture
def bia(make_user, team):
    return make_user("sales-rep", teams=[team])


@pytest.fixture
def manager(make_user, team):
    return make_user("sales-manager", teams=[team])


def moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(15), timezone.get_current_timezone())


def test_an_owners_forecast_adds_up_and_meets_the_quota(ana, bia, manager):
    won_deal(ana, "1000", moment(dt.date(2026, 12, 2)))
    won_deal(ana, "999", moment(dt.date(2026, 11, 30)))  # another month
    open_deal(ana, "300", "commit")
    open_deal(ana, "200", "best_case")
    open_deal(ana, "100", "pipeline")
    open_deal(ana, "5000", "omitted")
    open_deal(ana, "700", "commit", close=dt.date(2027, 1, 5))  # next month
    open_deal(bia, "400", "commit")
    Quota.objects.create(user=ana, month=dt.date(2026, 12, 1), amount=D("4000"))

    result = forecast(manager, DECEMBER, "owner")
    rows = {row.key: row for row in result.rows}
    first = rows[ana.pk]
    assert (first.closed_won, first.commit, first.best_case, first.pipeline) == (
        D("1000.00"),
        D("1300.00"),
        D("1500.00"),
        D("600.00"),
    )
    assert first.weighted == D("300.00")  # 50% of 600
    assert (first.quota, first.attainment) == (D("4000.00"), 0.25)
    assert rows[bia.pk].commit == D("400.00") and rows[bia.pk].quota is None
    company = forecast(manager, DECEMBER, "company").total
    assert (company.commit, company.quota) == (D("1700.00"), D("4000.00"))
    teams = forecast(manager, DECEMBER, "team").rows
    assert [(r.commit, r.quota) for r in teams] == [(D("1700.00"), D("4000.00"))]
    # a rep sees only what they may see: the team's deals, not another team's
    assert {r.key for r in forecast(bia, DECEMBER, "owner").rows} == {ana.pk, bia.pk}


def test_other_currencies_convert_or_are_counted_apart(ana, make_user):
    open_deal(ana, "100", "commit", currency="USD")
    open_deal(ana, "100", "commit", currency="JPY")
    rates_save(
        actor=make_user("administrator"),
        items=[{"currency": "USD", "day": "2020-01-01", "rate": "5"}],
    )
    row = forecast(ana, DECEMBER).rows[0]
    assert (row.commit, row.unconverted) == (D("500.00"), {"JPY"})


def test_snapshots_keep_each_owners_month_and_quarter(ana, bia):
    open_deal(ana, "300", "commit")
    open_deal(bia, "400", "best_case", close=dt.date(2026, 11, 20))  # this quarter only
    assert take_snapshots(moment(TODAY)) == 3
    kept = set(
        ForecastSnapshot.objects.values_list("owner_id", "period_start", "commit", "best_case")
    )
    assert kept == {
        (ana.pk, dt.date(2026, 12, 1), D("300.00"), D("300.00")),
        (ana.pk, dt.date(2026, 10, 1), D("300.00"), D("300.00")),
        (bia.pk, dt.date(2026, 10, 1), D("0.00"), D("400.00")),
    }
    assert snapshot_forecasts.call()["rows"] >= 2


def test_monthly_history_lists_every_month(ana):
    won_deal(ana, "100", moment(dt.date(2026, 9, 10)))
    won_deal(ana, "50", moment(dt.date(2026, 9, 30)))
    won_deal(ana, "70", moment(dt.date(2026, 11, 1)))
    series = monthly_won(ana, months=4, until=TODAY)
    assert series == [
        (dt.date(2026, 8, 1), D(0)),
        (dt.date(2026, 9, 1), D("150.00")),
        (dt.date(2026, 10, 1), D(0)),
        (dt.date(2026, 11, 1), D("70.00")),
    ]


def test_the_statistical_forecast_follows_a_trend_and_a_season():
    assert statistical([D(100)] * 5) is None  # too little history
    trend = [D(1000 + 100 * m) for m in range(12)]
    ahead = statistical(trend, horizon=3)
    assert ahead is not None
    for step, value in enumerate(ahead, start=12):
        assert abs(value - D(1000 + 100 * step)) < D(50)
    season = [D(1000 + (500 if m % 12 in (10, 11) else 0) + 10 * m) for m in range(36)]
    ahead = statistical(season, horizon=12)
    assert ahead is not None
    assert ahead[10] > ahead[5] + D(300)  # November stands out again


def test_periods_are_whole_months_and_quarters():
    assert Period.month(dt.date(2026, 2, 14)) == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert Period.quarter(dt.date(2026, 12, 7)) == Period(
        dt.date(2026, 10, 1), dt.date(2026, 12, 31)
    )
    assert Period.quarter(dt.date(2026, 1, 1)) == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_quotas_are_set_all_or_none_by_those_allowed(ana, make_user):
    from clientela.platform.errors import PermissionDenied, ValidationFailed
    from clientela.sales.forecast import quotas_save

    admin = make_user("administrator")
    assert (
        quotas_save(
            actor=admin,
            items=[
                {"user": ana.pk, "month": "2027-01", "amount": "5000"},
                {"user": ana.pk, "month": "2027-02-01", "amount": 6000},
            ],
        )
        == 2
    )
    assert list(Quota.objects.values_list("month", "amount")) == [
        (dt.date(2027, 1, 1), D("5000.00")),
        (dt.date(2027, 2, 1), D("6000.00")),
    ]
    with pytest.raises(ValidationFailed) as caught:
        quotas_save(
            actor=admin,
            items=[
                {"user": ana.pk, "month": "2027-01", "amount": None},
                {"user": 999999, "month": "Jan", "amount": "-1"},
            ],
        )
    assert set(caught.value.errors) == {"items.1.user", "items.1.month", "items.1.amount"}
    assert Quota.objects.count() == 2  # nothing of the batch was written
    quotas_save(actor=admin, items=[{"user": ana.pk, "month": "2027-01", "amount": None}])
    assert Quota.objects.count() == 1
    for role in ("sales-rep", "sales-manager"):
        with pytest.raises(PermissionDenied):
            quotas_save(actor=make_user(role), items=[])
