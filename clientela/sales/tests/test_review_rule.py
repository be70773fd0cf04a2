"""The seed's review rule (the demo's ``Large USD deals at the RFP``) end to end through the
real engine: a deal above 50,000 USD that enters "RFP received", moved there or created there,
gives a sales manager one review task linked to it; smaller deals, other currencies and other
stages give none.

The services' events run at commit (``capture(execute=True)``) and the worker's own loop runs
the rule's tasks (``settle``), as in the platform's rules tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clientela.activities.models import Activity
from clientela.commands.demo_rules import RFP_REVIEW, add_rules
from clientela.customers.models import Account
from clientela.customers.services import account_create
from clientela.platform.models import Rule, RuleRun, Team, User
from clientela.platform.tests.rules_support import settle
from clientela.sales.models import Opportunity
from clientela.sales.services import (
    default_pipeline,
    opportunity_create,
    opportunity_move,
    opportunity_update,
)

KEY = "sales.opportunity"
REVIEW = "Review the RFP for "


@pytest.fixture
def capture(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    return django_capture_on_commit_callbacks


@pytest.fixture
def team(make_team: Callable[[str], Team]) -> Team:
    return make_team("Sales London")


@pytest.fixture
def manager(make_user: Callable[..., User], team: Team) -> User:
    boss = make_user("sales-manager", teams=[team], first_name="Oliver", last_name="Bennett")
    Team.objects.filter(pk=team.pk).update(manager=boss)
    return boss


@pytest.fixture
def rep(make_user: Callable[..., User], team: Team) -> User:
    return make_user("sales-rep", teams=[team], first_name="Emily", last_name="Clarke")


@pytest.fixture
def rule(admin_user: User, manager: User) -> Rule:
    add_rules(admin_user)
    return Rule.objects.get(name=RFP_REVIEW)


@pytest.fixture
def account(rep: User) -> Account:
    return account_create(actor=rep, values={"name": "Waller Manufacturing LLC", "country": "US"})


def stage_id(name: str) -> int:
    return int(default_pipeline().stages.get(name=name).pk)


def new_deal(
    rep: User,
    account: Account,
    capture: Callable[..., Any],
    amount: str,
    currency: str,
    **extra: Any,
) -> Opportunity:
    values = {
        "name": "ERP licences (120 seats)",
        "account": account.pk,
        "amount": amount,
        "currency": currency,
        "expected_close_date": timezone.localdate() + timedelta(days=45),
        **extra,
    }
    with capture(execute=True):
        return opportunity_create(actor=rep, values=values)


def move(rep: User, deal: Opportunity, capture: Callable[..., Any], stage: str) -> None:
    with capture(execute=True):
        opportunity_move(actor=rep, opportunity_id=deal.pk, stage_id=stage_id(stage))


def reviews() -> list[Activity]:
    return list(Activity.objects.filter(subject__startswith=REVIEW).order_by("id"))


def test_the_rule_is_stored_as_the_seed_says(rule: Rule) -> None:
    assert (rule.object_type, rule.trigger, rule.is_active) == (
        "sales.opportunity",
        "status_entered",
        True,
    )
    assert rule.trigger_config == {"field": "stage", "to": [str(stage_id("RFP received"))]}
    assert rule.conditions == {
        "all": [
            {"field": "currency", "op": "eq", "value": "USD"},
            {"field": "amount", "op": "gt", "value": "50000"},
        ]
    }
    [action] = rule.actions
    assert action["type"] == "activities.create"
    assert (action["params"]["assign_to"], action["params"]["role"]) == ("role", "sales-manager")


def test_an_80000_usd_deal_entering_the_rfp_stage_gets_one_review_for_a_sales_manager(
    rule: Rule, rep: User, manager: User, account: Account, capture: Callable[..., Any]
) -> None:
    # given an 80,000 USD deal in qualification
    deal = new_deal(rep, account, capture, "80000", "USD")
    move(rep, deal, capture, "Qualification")
    settle(capture)
    assert reviews() == []
    # when it enters "RFP received" and the worker runs
    move(rep, deal, capture, "RFP received")
    settle(capture)
    # then exactly one review task, for the sales manager, on the deal
    [task] = reviews()
    assert task.subject == "Review the RFP for ERP licences (120 seats) (USD 80,000.00)"
    assert task.body == "Account: Waller Manufacturing LLC. Owner: Emily Clarke."
    assert (task.kind, task.status, task.owner_id) == ("task", "planned", manager.pk)
    assert task.owner.role.slug == "sales-manager"
    assert (task.link_type, task.link_id) == ("sales.opportunity", deal.pk)
    assert task.due_at is not None
    assert timedelta(hours=23) < task.due_at - timezone.now() <= timedelta(days=1)
    [run] = RuleRun.objects.filter(rule=rule)
    assert (run.status, run.record_id) == ("done", str(deal.pk))
    # the stage's own guidance still goes to the deal's owner, not counted as a review
    assert Activity.objects.filter(link_id=deal.pk, subject="Answer the RFP", owner=rep).exists()


def test_moving_on_and_back_does_not_repeat_the_review_until_the_deal_reenters(
    rule: Rule, rep: User, account: Account, capture: Callable[..., Any]
) -> None:
    deal = new_deal(rep, account, capture, "80000", "USD")
    move(rep, deal, capture, "RFP received")
    move(rep, deal, capture, "Quote sent")
    settle(capture)
    assert len(reviews()) == 1
    move(rep, deal, capture, "RFP received")  # sent back to the RFP: entered again
    settle(capture)
    assert len(reviews()) == 2


@pytest.mark.parametrize(
    ("amount", "currency", "stage"),
    [
        ("40000", "USD", "RFP received"),  # too small
        ("50000", "USD", "RFP received"),  # not above
        ("80000", "BRL", "RFP received"),  # another currency
        ("80000", "EUR", "RFP received"),
        ("80000", "USD", "Quote sent"),  # another stage
        ("80000", "USD", "Qualification"),
    ],
)
def test_no_review_for_smaller_deals_other_currencies_or_other_stages(
    rule: Rule,
    rep: User,
    account: Account,
    capture: Callable[..., Any],
    amount: str,
    currency: str,
    stage: str,
) -> None:
    deal = new_deal(rep, account, capture, amount, currency)
    move(rep, deal, capture, stage)
    settle(capture)

    assert reviews() == []
    if stage == "RFP received":  # the rule fired and its conditions said no
        [run] = RuleRun.objects.filter(rule=rule)
        assert (run.status, run.error) == ("skipped", "The conditions are not met.")
    else:
        assert not RuleRun.objects.filter(rule=rule).exists()


def test_a_deal_created_directly_in_the_rfp_stage_gets_the_review(
    rule: Rule, rep: User, manager: User, account: Account, capture: Callable[..., Any]
) -> None:
    deal = new_deal(rep, account, capture, "120000", "USD", stage=stage_id("RFP received"))
    settle(capture)

    [task] = reviews()
    assert (task.owner_id, task.link_type, task.link_id) == (manager.pk, KEY, deal.pk)
    assert RuleRun.objects.get(rule=rule).event == "sales.opportunity.created"


def test_a_small_deal_created_in_the_rfp_stage_gets_none(
    rule: Rule, rep: User, account: Account, capture: Callable[..., Any]
) -> None:
    new_deal(rep, account, capture, "40000", "USD", stage=stage_id("RFP received"))
    settle(capture)

    assert reviews() == []


def test_raising_the_amount_of_a_deal_already_in_the_rfp_stage_does_not_fire(
    rule: Rule, rep: User, account: Account, capture: Callable[..., Any]
) -> None:
    """The trigger is entering the stage: a later change of amount is not an entry. (The run
    reads the deal when the worker takes it, as decision 0007 says, so the worker runs first.)"""
    deal = new_deal(rep, account, capture, "40000", "USD", stage=stage_id("RFP received"))
    settle(capture)
    with capture(execute=True):
        opportunity_update(actor=rep, opportunity_id=deal.pk, values={"amount": "90000"})
    settle(capture)

    assert reviews() == []
    assert RuleRun.objects.filter(rule=rule).count() == 1  # the creation's, skipped
