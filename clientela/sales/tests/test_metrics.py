"""Sales metrics against hand-computed answers: close rate, cycle length (median from a day
histogram), time in stage, the funnel, loss reasons and velocity, within what the actor sees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from clientela.sales import metrics
from clientela.sales.models import Opportunity, StageChange
from clientela.sales.services import default_pipeline, opportunity_create, opportunity_move

T0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
YEAR = metrics.Period(T0, T0 + dt.timedelta(days=365))


def stage(name: str):
    return default_pipeline().stages.get(name=name)


def deal(actor, *, days_open: int, outcome: str | None, amount: str = "1000", reason: str = ""):
    """A deal created at T0 that went Initiation → Identification (after 2 days) → outcome
    (after ``days_open`` days in all), with every date set back to 2026."""
    made = opportunity_create(actor=actor, values={"name": "d", "amount": amount})
    opportunity_move(actor=actor, opportunity_id=made.pk, stage_id=stage("Identification").pk)
    if outcome:
        values = {"lost_reason": reason} if outcome == "Lost" else {}
        opportunity_move(
            actor=actor, opportunity_id=made.pk, stage_id=stage(outcome).pk, values=values
        )
    closed = T0 + dt.timedelta(days=days_open) if outcome else None
    Opportunity.objects.filter(pk=made.pk).update(created_at=T0, closed_at=closed)
    changes = list(StageChange.objects.filter(opportunity=made).order_by("id"))
    moments = [T0, T0 + dt.timedelta(days=2), closed]
    for change, at, left in zip(changes, moments, [*moments[1:], None], strict=False):
        StageChange.objects.filter(pk=change.pk).update(at=at, left_at=left, deal_created_at=T0)
    return made


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("North")])


def test_close_rate_cycle_and_velocity(rep, make_user):
    for days in (10, 20, 30, 40):
        deal(rep, days_open=days, outcome="Won", amount="1000")
    deal(rep, days_open=5, outcome="Lost", reason="price")
    deal(rep, days_open=7, outcome="Lost", reason="price")
    deal(rep, days_open=9, outcome="Lost", reason="timing")
    deal(rep, days_open=0, outcome=None, amount="500")
    deal(rep, days_open=0, outcome=None, amount="700")

    result = metrics.summary(rep, YEAR)

    assert (result.won, result.lost, result.won_amount) == (4, 3, Decimal("4000.00"))
    assert result.close_rate == pytest.approx(4 / 7)
    assert (result.cycle.median_days, result.cycle.mean_days) == (25.0, 25.0)
    assert (result.open_deals, result.open_amount) == (2, Decimal("1200.00"))
    # 2 open * 1,000 average * 4/7 / 25 days
    assert result.velocity == Decimal("45.71")
    assert metrics.loss_reasons(rep, YEAR) == [("price", "Price", 2), ("timing", "Timing", 1)]
    # someone outside the team sees nothing of it
    assert metrics.summary(make_user("sales-rep"), YEAR).won == 0


def test_time_in_stage_and_the_funnel(rep):
    for days in (10, 20):
        deal(rep, days_open=days, outcome="Won")
    deal(rep, days_open=0, outcome=None)
    pipeline = default_pipeline()

    times = {t.name: (t.deals, t.mean_days) for t in metrics.time_in_stages(rep, YEAR, pipeline.pk)}
    assert times == {"Initiation": (3, 2.0), "Identification": (2, 13.0)}
    reached = metrics.funnel(rep, YEAR, pipeline.pk)
    assert reached == {stage("Initiation").pk: 3, stage("Identification").pk: 3, stage("Won").pk: 2}
    later = metrics.Period(T0 + dt.timedelta(days=400), T0 + dt.timedelta(days=500))
    assert metrics.funnel(rep, later, pipeline.pk) == {}
    assert metrics.summary(rep, later).close_rate is None


def test_days_between_truncates_on_both_databases(rep):
    made = opportunity_create(actor=rep, values={"name": "d"})
    start = timezone.now().replace(microsecond=0)
    Opportunity.objects.filter(pk=made.pk).update(
        created_at=start, closed_at=start + dt.timedelta(days=3, hours=23)
    )
    days = Opportunity.objects.annotate(d=metrics.days_between("created_at", "closed_at"))
    assert days.get(pk=made.pk).d == 3


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 5)), max_size=30))
def test_the_histogram_median_is_the_median_of_the_values(counts):
    values = sorted(v for v, n in counts for _i in range(n))
    expected = None
    if values:
        middle = len(values) // 2
        expected = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    assert metrics.median_from_histogram(counts) == expected


def test_a_deal_that_comes_back_to_a_stage_counts_once_in_the_funnel(rep, make_user, make_team):
    made = opportunity_create(actor=rep, values={"name": "back and forth", "amount": "10"})
    for name in ("Identification", "Initiation", "Identification"):
        opportunity_move(actor=rep, opportunity_id=made.pk, stage_id=stage(name).pk)
    history = list(StageChange.objects.filter(opportunity=made).order_by("id"))
    assert [(c.to_name, c.first_entry) for c in history] == [
        ("Initiation", True),
        ("Identification", True),
        ("Initiation", False),
        ("Identification", False),
    ]
    assert {c.deal_created_at for c in history} == {made.created_at}
    now = timezone.now()
    period = metrics.Period(now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    pipeline = default_pipeline()
    assert metrics.funnel(rep, period, pipeline.pk) == {
        stage("Initiation").pk: 1,
        stage("Identification").pk: 1,
    }
    # time in stage counts each stay that ended: Initiation twice, Identification once
    stays = {t.name: t.deals for t in metrics.time_in_stages(rep, period, pipeline.pk)}
    assert stays == {"Initiation": 2, "Identification": 1}
    # another team's rep sees none of it; an administrator sees it all
    stranger = make_user("sales-rep", teams=[make_team("South")])
    assert metrics.funnel(stranger, period, pipeline.pk) == {}
    assert metrics.time_in_stages(stranger, period, pipeline.pk) == []
    admin = make_user("administrator")
    assert metrics.funnel(admin, period, pipeline.pk)[stage("Initiation").pk] == 1


def test_the_migration_fills_the_history_written_before(rep):
    """The backfill of migration 0008 gives old rows what the services write on new ones."""
    import importlib

    from django.db import connection

    backfill = importlib.import_module(
        "clientela.sales.migrations.0008_stage_change_report_columns"
    ).BACKFILL
    for days in (10, 20):
        deal(rep, days_open=days, outcome="Won")
    made = opportunity_create(actor=rep, values={"name": "again", "amount": "5"})
    for name in ("Identification", "Initiation", "Identification"):
        opportunity_move(actor=rep, opportunity_id=made.pk, stage_id=stage(name).pk)
    Opportunity.objects.filter(pk=made.pk).update(created_at=T0)
    StageChange.objects.filter(opportunity=made).update(deal_created_at=T0)
    written = list(
        StageChange.objects.order_by("id").values_list("id", "deal_created_at", "first_entry")
    )
    assert any(not first for _id, _at, first in written)
    StageChange.objects.update(deal_created_at=None, first_entry=True)
    with connection.cursor() as cursor:
        for statement in backfill:
            cursor.execute(statement)
    filled = list(
        StageChange.objects.order_by("id").values_list("id", "deal_created_at", "first_entry")
    )
    assert filled == written
