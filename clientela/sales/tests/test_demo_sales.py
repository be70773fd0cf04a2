"""``clientela demo``'s sales: the default and a renewals pipeline, a year of deals on the demo
accounts that moved stage by stage (history dated in the past), won, lost with a reason, open in
every stage and a few rotting, in BRL and USD; the same seed gives the same deals; and the
demo's RFP review rule acts on the next big USD deal."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from clientela import cli
from clientela.activities.models import Activity
from clientela.customers.models import Account
from clientela.platform.audit import verify_chain
from clientela.platform.models import AuditEntry, User
from clientela.platform.tests.rules_support import settle
from clientela.sales.demo import SALES, Customer, StageInfo, plan_deals
from clientela.sales.models import ExchangeRate, Opportunity, Pipeline, StageChange
from clientela.sales.selectors import rotting
from clientela.sales.services import opportunity_create, opportunity_move

DEMO = ["demo", "--accounts", "20", "--seed", "1"]
OPEN_STAGES = ["Initiation", "Identification", "Qualification", "RFP received", "Quote sent"]


def _load(capsys: pytest.CaptureFixture[str], *extra: str) -> None:
    assert cli.main([*DEMO, *extra]) == 0
    capsys.readouterr()


def _deals() -> list[Opportunity]:
    return list(
        Opportunity.objects.select_related("stage", "pipeline", "account").order_by("created_at")
    )


@pytest.mark.django_db(transaction=True)
def test_demo_has_the_default_and_a_renewals_pipeline_with_deals_in_every_stage(capsys):
    _load(capsys)

    pipelines = list(Pipeline.objects.order_by("position").values_list("name", "is_default"))
    assert pipelines == [("Sales", True), ("Renewals", False)]
    renewals = Pipeline.objects.get(name="Renewals")
    assert list(renewals.stages.values_list("name", "kind")) == [
        ("Renewal due", "open"),
        ("Offer sent", "open"),
        ("Negotiation", "open"),
        ("Renewed", "won"),
        ("Not renewed", "lost"),
    ]
    deals = _deals()
    assert len(deals) >= 24
    by_stage = Counter((d.pipeline.name, d.stage.name) for d in deals)
    assert all(by_stage[("Sales", name)] >= 1 for name in OPEN_STAGES), by_stage
    assert by_stage[("Sales", "Won")] >= 3 and by_stage[("Sales", "Lost")] >= 3, by_stage
    assert sum(n for (pipeline, _stage), n in by_stage.items() if pipeline == "Renewals") >= 2
    statuses = Counter(d.status for d in deals)
    assert set(statuses) == {"open", "won", "lost"}
    assert all(d.lost_reason for d in deals if d.status == "lost")
    assert not any(d.lost_reason for d in deals if d.status != "lost")
    assert all((d.closed_at is None) == (d.status == "open") for d in deals)


@pytest.mark.django_db(transaction=True)
def test_demo_deals_follow_their_accounts_in_brl_and_usd_and_a_few_rot(capsys):
    _load(capsys)

    deals = _deals()
    for deal in deals:
        assert (deal.owner_id, deal.team_id) == (deal.account.owner_id, deal.account.team_id)
        assert deal.currency == ("BRL" if deal.account.country == "BR" else "USD")
        assert Decimal(500) <= deal.amount <= Decimal(650_000)
        assert deal.account.kind == "company"
    currencies = Counter(d.currency for d in deals)
    assert currencies["BRL"] > currencies["USD"] > 0
    # a USD rate on the first of each month of the past year: the board totals USD deals in BRL
    rates = list(ExchangeRate.objects.filter(currency="USD").order_by("day"))
    assert len(rates) == 13 and rates[-1].day == timezone.localdate().replace(day=1)
    assert all(Decimal("4.8") <= r.rate <= Decimal("6.2") for r in rates)
    open_deals = [d for d in deals if d.status == "open"]
    rotten = [d for d in open_deals if rotting(d)]
    assert 1 <= len(rotten) <= len(open_deals) // 3
    assert any(d.currency == "USD" and d.amount > 50_000 for d in deals)


@pytest.mark.django_db(transaction=True)
def test_demo_history_moves_stage_by_stage_over_the_past_year(capsys):
    _load(capsys)
    now = timezone.now()

    deals = _deals()
    assert min(d.created_at for d in deals) < now - dt.timedelta(days=200)
    assert all(now - dt.timedelta(days=365) < d.created_at < now for d in deals)
    assert any(d.closed_at and d.closed_at > now - dt.timedelta(days=30) for d in deals)
    assert any(d.closed_at and d.closed_at < now - dt.timedelta(days=90) for d in deals)
    for deal in deals:
        moves = list(StageChange.objects.filter(opportunity=deal).order_by("at", "id"))
        assert moves[0].from_stage is None and moves[0].at == deal.created_at
        assert moves[-1].to_stage_id == deal.stage_id
        assert moves[-1].at == deal.stage_entered_at < now
        if deal.status != "open":
            assert deal.closed_at == moves[-1].at
        assert moves[-1].left_at is None
        for before, after in itertools.pairwise(moves):
            assert after.from_stage_id == before.to_stage_id
            assert before.left_at == after.at
            assert after.at - before.at >= dt.timedelta(hours=12)
            if after.to_kind == "open":  # forward through the open stages, never back
                assert after.to_stage.position > before.to_stage.position
        assert [m.to_kind for m in moves[:-1]] == ["open"] * (len(moves) - 1)
        assert moves[-1].to_kind == deal.status


@pytest.mark.django_db(transaction=True)
def test_demo_guidance_is_done_for_stages_left_and_planned_for_the_current_one(capsys):
    _load(capsys)
    now = timezone.now()

    deal_at = {d.pk: d for d in _deals()}
    activities = Activity.objects.filter(link_type="sales.opportunity")
    assert activities.exists()
    for activity in activities:
        deal = deal_at[activity.link_id]
        entered = StageChange.objects.filter(opportunity=deal, at=activity.created_at).get()
        if entered.to_stage_id == deal.stage_id and deal.status == "open":
            assert (activity.status, activity.completed_at) == ("planned", None)
        else:
            assert activity.status == "done"
            assert activity.created_at <= activity.completed_at <= now
        assert activity.due_at is not None and activity.due_at >= activity.created_at
        assert activity.owner_id == deal.owner_id


@pytest.mark.django_db(transaction=True)
def test_demo_sales_go_through_the_services_and_keep_the_audit_chain(capsys):
    _load(capsys)

    created = AuditEntry.objects.filter(object_type="sales.opportunity", action="create")
    assert created.count() == Opportunity.objects.count()
    pipeline = AuditEntry.objects.get(object_type="sales.pipeline", action="create")
    assert pipeline.actor.username == "admin"
    assert verify_chain() == []


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_deals_again(capsys):
    def shape(deals: list[Opportunity]) -> list[tuple[Any, ...]]:
        rows = []
        for d in sorted(deals, key=lambda d: d.pk):
            moves = d.stage_changes.order_by("at", "id")
            offsets = [(m.at - d.created_at, m.to_name, m.amount) for m in moves]
            rows.append((d.name, d.account.name, d.amount, d.currency, d.lost_reason, offsets))
        return rows

    _load(capsys)
    deals = _deals()
    first, last_pk = shape(deals), max(d.pk for d in deals)

    _load(capsys, "--force")  # the same accounts once more, and their deals

    assert Pipeline.objects.count() == 2  # the renewals pipeline is reused
    assert shape([d for d in _deals() if d.pk > last_pk]) == first


def _customers(n: int) -> list[Customer]:
    return [
        Customer(i, f"Conta {i}", "BR" if i % 3 else "US", "company", "customer", 1, 1, (i,))
        for i in range(1, n + 1)
    ]


SHAPES = {
    SALES: [StageInfo("open", d) for d in (14, 14, 21, 14, 10)]
    + [StageInfo("won", None), StageInfo("lost", None)],
    "renewals": [StageInfo("open", d) for d in (30, 14, 10)]
    + [StageInfo("won", None), StageInfo("lost", None)],
}


@pytest.mark.parametrize("seed", range(25))
def test_every_plan_is_a_possible_history(seed: int) -> None:
    plans = plan_deals(_customers(20), SHAPES, random.Random(seed), dt.date(2026, 6, 1))

    open_stages = Counter(p.path[-1] for p in plans if p.pipeline == SALES and p.outcome == "open")
    assert set(open_stages) == {0, 1, 2, 3, 4}
    for plan in plans:
        kinds = [SHAPES[plan.pipeline][i].kind for i in plan.path]
        assert kinds[:-1] == ["open"] * (len(kinds) - 1)
        assert kinds[-1] == ("open" if plan.outcome == "open" else plan.outcome)
        assert plan.path == sorted(plan.path)
        assert len(plan.days_ago) == len(plan.hours) == len(plan.path)
        assert plan.days_ago == sorted(plan.days_ago, reverse=True)
        assert len(set(plan.days_ago)) == len(plan.days_ago)
        assert plan.days_ago[-1] >= 1 and plan.days_ago[0] <= 360
        if plan.outcome == "lost":
            assert plan.moves[len(plan.path) - 1]["lost_reason"]


def test_a_seed_gives_the_same_plans() -> None:
    def plans(seed: int) -> list[Any]:
        found = plan_deals(_customers(20), SHAPES, random.Random(seed), dt.date(2026, 6, 1))
        return [(p.values, p.path, p.days_ago, p.hours, p.moves) for p in found]

    assert plans(7) == plans(7)
    assert plans(7) != plans(8)


@pytest.mark.django_db(transaction=True)
def test_the_demo_review_rule_acts_on_the_next_big_usd_deal(
    capsys, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _load(capsys)
    rep = User.objects.get(username="emily.clarke")
    account = Account.objects.filter(owner=rep, country="US").order_by("pk").first()
    account = account or Account.objects.filter(owner=rep).order_by("pk").first()
    rfp = Pipeline.objects.get(is_default=True).stages.get(name="RFP received")
    with capture(execute=True):
        deal = opportunity_create(
            actor=rep,
            values={
                "name": "Warehouse scanners",
                "account": account.pk,
                "amount": "80000",
                "currency": "USD",
                "expected_close_date": timezone.localdate() + dt.timedelta(days=60),
            },
        )
    with capture(execute=True):
        opportunity_move(actor=rep, opportunity_id=deal.pk, stage_id=rfp.pk)
    settle(capture)

    [review] = Activity.objects.filter(subject__startswith="Review the RFP for Warehouse")
    assert review.owner.role.slug == "sales-manager"
    assert (review.link_type, review.link_id) == ("sales.opportunity", deal.pk)


@pytest.mark.django_db(transaction=True)
def test_demo_deals_that_reached_the_quote_have_lines_quotes_and_orders(capsys):
    from clientela.sales.models import (
        DeliveryEvent,
        PriceList,
        Product,
        Quote,
        SalesOrder,
    )

    _load(capsys)
    now = timezone.now()
    assert Product.objects.count() == 7
    lists = {p.currency: p for p in PriceList.objects.all()}
    assert set(lists) == {"BRL", "USD"}
    assert lists["BRL"].prices.filter(min_quantity__gt=1).exists()  # volume tiers

    quote_stage = Pipeline.objects.get(is_default=True).stages.get(name="Quote sent")
    reached = {
        c.opportunity_id
        for c in StageChange.objects.filter(to_stage=quote_stage).only("opportunity_id")
    }
    assert reached
    outcomes: Counter[str] = Counter()
    for deal in Opportunity.objects.filter(pk__in=reached).select_related("stage"):
        (quote,) = Quote.objects.filter(opportunity=deal)
        entered = StageChange.objects.get(opportunity=deal, to_stage=quote_stage).at
        assert quote.created_at == entered and quote.created_at <= now
        lines = list(deal.lines.all())
        assert lines and deal.amount == sum(line.net_amount for line in lines)
        assert quote.total_amount == sum(line.total_amount for line in quote.lines.all())
        outcomes[deal.status] += 1
        if deal.status == "won":
            assert (quote.status, quote.decided_at) == ("accepted", deal.closed_at)
            order = SalesOrder.objects.get(opportunity=deal)
            assert order.total_amount == quote.total_amount and order.created_at == deal.closed_at
            age = now - deal.closed_at
            expected = (
                "delivered"
                if age > dt.timedelta(days=6)
                else ("shipped" if age > dt.timedelta(days=3) else "confirmed")
            )
            assert order.status == expected
            steps = DeliveryEvent.objects.filter(order=order)
            assert all(step.at <= now and step.at >= deal.closed_at for step in steps)
            if expected != "confirmed":
                assert order.carrier and order.tracking_number
        elif deal.status == "lost":
            assert quote.status == "declined" and not SalesOrder.objects.filter(opportunity=deal)
        else:
            assert quote.status in ("draft", "sent")
    assert outcomes["won"] and outcomes["open"]  # (lost deals of this seed left earlier)
    # only won deals have orders
    assert SalesOrder.objects.count() == outcomes["won"]
