"""The seed's review rule in a real browser: a rep drags a 80,000 USD deal into "RFP received"
on the board, the worker runs the rule the move fired, and the sales manager finds the review
task on their agenda, linked to the deal; a 30,000 USD deal moved the same way gets none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clientela.activities.models import Activity
from clientela.commands.demo_rules import RFP_REVIEW, add_rules
from clientela.customers.services import account_create
from clientela.platform.models import Rule, RuleRun, RunStatus, Team, User
from clientela.platform.rules import runner
from clientela.sales.services import default_pipeline, opportunity_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SignIn = Callable[..., None]


def _work() -> int:
    """What the task worker does with the runs the move's commit enqueued."""
    pending = list(RuleRun.objects.filter(status=RunStatus.PENDING).values_list("id", flat=True))
    for run_id in pending:
        runner.attempt(run_id)
    return len(pending)


def column(page: Page, stage_name: str):  # type: ignore[no-untyped-def]
    stage = default_pipeline().stages.get(name=stage_name)
    return page.locator(f"section.board-column[data-drop-stage='{stage.pk}']")


def test_a_large_usd_deal_dragged_to_the_rfp_stage_lands_a_review_on_the_managers_agenda(
    page: Page, admin_user: User, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    team = Team.objects.create(name="Sales London")
    manager = make_user(
        "sales-manager", teams=[team], username="oliver", first_name="Oliver", time_zone="UTC"
    )
    Team.objects.filter(pk=team.pk).update(manager=manager)
    rep = make_user("sales-rep", teams=[team], username="emily", time_zone="UTC")
    add_rules(admin_user)
    assert Rule.objects.filter(name=RFP_REVIEW, is_active=True).exists()
    account = account_create(actor=rep, values={"name": "Waller Manufacturing LLC"})
    close = timezone.localdate() + timedelta(days=45)
    big, small = (
        opportunity_create(
            actor=rep,
            values={
                "name": name,
                "account": account.pk,
                "amount": amount,
                "currency": "USD",
                "expected_close_date": close,
            },
        )
        for name, amount in (("ERP licences", "80000"), ("Training", "30000"))
    )
    _work()  # nothing for new deals in the first stage
    assert not Activity.objects.filter(subject__startswith="Review the RFP").exists()

    sign_in(page, "emily")
    page.goto("/sales/")
    rfp = column(page, "RFP received")
    for deal in (big, small):
        card = column(page, "Initiation").locator(f".deal-card[data-deal='{deal.pk}']")
        card.drag_to(rfp, source_position={"x": 12, "y": 8})
        expect(rfp.locator(f".deal-card[data-deal='{deal.pk}']")).to_be_visible()
    expect(rfp.locator(".count")).to_have_text("2")

    assert _work() >= 1
    [review] = Activity.objects.filter(subject__startswith="Review the RFP")
    assert (review.owner_id, review.link_type, review.link_id) == (
        manager.pk,
        "sales.opportunity",
        big.pk,
    )

    # the manager signs in and finds it on the agenda, due tomorrow
    page.context.clear_cookies()
    sign_in(page, "oliver")
    page.goto("/activities/")
    entry = page.get_by_role("link", name=review.subject)
    expect(entry).to_be_visible()
    entry.click()
    expect(page.locator("main h1")).to_contain_text("Review the RFP for ERP licences")
