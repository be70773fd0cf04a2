"""``clientela demo``'s sales, loading the demo in each test: the same seed gives the same deals,
and the demo's RFP review rule acts on the next big USD deal; every plan is a possible history
(the data loaded once: ``test_demo_sales_data.py``)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from clientela import cli
from clientela.activities.models import Activity
from clientela.customers.models import Account
from clientela.platform.models import User
from clientela.platform.tests.rules_support import settle
from clientela.sales.demo import SALES, Customer, StageInfo, plan_deals
from clientela.sales.models import Opportunity, Pipeline
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
