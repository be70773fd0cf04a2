"""``clientela demo``'s sales, loaded once for the module (``loaded_demo``): the default and a
renewals pipeline, a year of deals on the demo accounts that moved stage by stage (history dated
in the past), won, lost with a reason, open in every stage and a few rotting, in BRL and USD,
with guidance activities, quotes and orders, all through the audited services."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from clientela.activities.models import Activity
from clientela.platform.audit import verify_chain
from clientela.platform.models import AuditEntry
from clientela.sales.models import ExchangeRate, Opportunity, Pipeline, StageChange
from clientela.sales.selectors import rotting
from clientela.sales.tests.test_demo_sales import OPEN_STAGES, _deals

pytestmark = pytest.mark.django_db


def test_demo_has_the_default_and_a_renewals_pipeline_with_deals_in_every_stage(loaded_demo):

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


def test_demo_deals_follow_their_accounts_in_brl_and_usd_and_a_few_rot(loaded_demo):

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


def test_demo_history_moves_stage_by_stage_over_the_past_year(loaded_demo):
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


def test_demo_guidance_is_done_for_stages_left_and_planned_for_the_current_one(loaded_demo):
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


def test_demo_sales_go_through_the_services_and_keep_the_audit_chain(loaded_demo):

    created = AuditEntry.objects.filter(object_type="sales.opportunity", action="create")
    assert created.count() == Opportunity.objects.count()
    pipeline = AuditEntry.objects.get(object_type="sales.pipeline", action="create")
    assert pipeline.actor.username == "admin"
    assert verify_chain() == []


def test_demo_deals_that_reached_the_quote_have_lines_quotes_and_orders(loaded_demo):
    from clientela.sales.models import (
        DeliveryEvent,
        PriceList,
        Product,
        Quote,
        SalesOrder,
    )

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
