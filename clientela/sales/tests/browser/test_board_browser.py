"""The board in a real browser: create a deal, drag it to a stage that requires fields, fill
the dialog, see it in its new column with the totals updated; then move it with the keyboard
through its "Move to…" button and the board's move dialog."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.services import account_create
from clientela.platform.models import Team, User
from clientela.sales.models import Opportunity
from clientela.sales.services import default_pipeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Url = Callable[[str], str]


@pytest.fixture
def rep(make_user: Callable[..., User]) -> User:
    team = Team.objects.create(name="North")
    return make_user("sales-rep", teams=[team], username="rita", time_zone="UTC")


def column(page: Page, stage_name: str):  # type: ignore[no-untyped-def]
    stage = default_pipeline().stages.get(name=stage_name)
    return page.locator(f"section.board-column[data-drop-stage='{stage.pk}']")


def test_drag_a_new_deal_to_a_stage_that_asks_for_fields_then_move_it_by_keyboard(
    page: Page, rep: User, sign_in: Callable[..., None], url: Url
) -> None:
    account = account_create(actor=rep, values={"name": "Transportes Ideal"})
    sign_in(page, "rita")

    # a new deal, from the board's button
    page.goto("/sales/")
    page.get_by_role("link", name="New opportunity").first.click()
    page.fill("input[name=name]", "Frota 2027")
    page.select_option("select[name=account]", str(account.pk))
    page.fill("input[name=amount]", "80000")
    page.get_by_role("button", name="Save").click()
    deal = Opportunity.objects.get(name="Frota 2027")
    expect(page).to_have_url(url(f"/sales/opportunities/{deal.pk}/"))
    expect(page.locator(".stage-step.is-current")).to_contain_text("Initiation")

    # on the board, it waits in the first column
    page.goto("/sales/")
    first, rfp = column(page, "Initiation"), column(page, "RFP received")
    card = first.locator(f".deal-card[data-deal='{deal.pk}']")
    expect(card).to_contain_text("Transportes Ideal")
    expect(first.locator(".count")).to_have_text("1")
    expect(rfp.locator(".count")).to_have_text("0")

    # dragged to "RFP received", which needs an expected close date: a dialog asks for it
    card.drag_to(rfp, source_position={"x": 12, "y": 8})
    dialog = page.locator("dialog[data-move-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Move “Frota 2027” to RFP received")
    expect(dialog.locator("input, select, textarea").locator("visible=true")).to_have_count(1)
    date_input = dialog.locator("input[name=expected_close_date]")
    expect(date_input).to_be_focused()
    date_input.fill("2030-03-31")
    dialog.get_by_role("button", name="Move").click()

    # the move is done and the columns refresh with their new totals
    expect(dialog).to_have_count(0)
    expect(page.locator("#board-feedback")).to_contain_text("“Frota 2027” is now in RFP received.")
    expect(rfp.locator(f".deal-card[data-deal='{deal.pk}']")).to_be_visible()
    expect(rfp.locator(".count")).to_have_text("1")
    expect(rfp.locator(".board-total")).to_have_text("R$80,000.00")
    expect(rfp.locator(".board-weighted")).to_contain_text("R$40,000.00")
    expect(first.locator(".count")).to_have_text("0")
    expect(first.locator(".deal-card")).to_have_count(0)
    deal.refresh_from_db()
    assert (deal.stage.name, deal.amount, str(deal.expected_close_date)) == (
        "RFP received",
        Decimal("80000.00"),
        "2030-03-31",
    )

    # with the keyboard: the card's "Move to…" button opens the board's move dialog
    quote = column(page, "Quote sent")
    moved = rfp.locator(f".deal-card[data-deal='{deal.pk}']")
    button = moved.get_by_role("link", name="Move “Frota 2027” to…")
    button.focus()
    page.keyboard.press("Enter")
    chooser = page.locator("dialog[data-board-move]")
    expect(chooser).to_be_visible()
    expect(chooser.get_by_role("heading")).to_have_text("Move “Frota 2027” to…")
    select = chooser.locator("select[name=stage]")
    expect(select).to_be_focused()
    expect(select).to_have_value(str(deal.stage_id))
    # Escape closes it without a move, and the focus is back on the card's button
    page.keyboard.press("Escape")
    expect(chooser).to_be_hidden()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    select.select_option(label="Quote sent")
    page.keyboard.press("Tab")
    expect(chooser.get_by_role("button", name="Move")).to_be_focused()
    page.keyboard.press("Enter")
    expect(quote.locator(f".deal-card[data-deal='{deal.pk}']")).to_be_visible()
    expect(quote.locator(".board-total")).to_have_text("R$80,000.00")
    expect(rfp.locator(".count")).to_have_text("0")
    # the focus comes back to the moved card's button, ready for the next move
    expect(quote.get_by_role("link", name="Move “Frota 2027” to…")).to_be_focused()
    deal.refresh_from_db()
    assert (deal.stage.name, deal.probability) == ("Quote sent", 70)


def test_cancelling_the_dialog_leaves_the_deal_where_it_was(
    page: Page, rep: User, sign_in: Callable[..., None]
) -> None:
    from clientela.sales.services import opportunity_create

    deal = opportunity_create(actor=rep, values={"name": "Oficina"})
    sign_in(page, "rita")
    page.goto("/sales/")
    card = column(page, "Initiation").locator(f".deal-card[data-deal='{deal.pk}']")

    card.drag_to(column(page, "Qualification"), source_position={"x": 12, "y": 8})
    dialog = page.locator("dialog[data-move-dialog]")
    expect(dialog.locator("select[name=account]")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()

    expect(dialog).to_have_count(0)
    expect(column(page, "Initiation").locator(".deal-card")).to_have_count(1)
    expect(card.locator("[data-move-open]")).to_be_focused()
    deal.refresh_from_db()
    assert deal.stage.name == "Initiation"


def test_an_administrator_builds_a_pipeline_adding_moving_stages_and_activities(
    page: Page, admin_user: User, sign_in: Callable[..., None], url: Url
) -> None:
    sign_in(page, "admin")
    page.goto("/sales/pipelines/new/")
    page.fill("input[name=name]", "Renewals")
    rows = page.locator("[data-stage-row]")
    rows.nth(0).locator("input[name$='-name']").fill("Renewed")
    rows.nth(0).locator("select[name='stages-0-kind']").select_option("won")
    rows.nth(0).locator("input[name$='-probability']").fill("100")

    # a second stage, moved above the first, with two suggested activities
    page.get_by_role("button", name="Add a stage").click()
    expect(rows).to_have_count(2)
    second = rows.nth(1)
    expect(second.locator("input[name$='-name']")).to_be_focused()
    second.locator("input[name$='-name']").fill("Talking")
    second.locator("input[name$='-probability']").fill("40")
    second.get_by_label("Account").check()
    second.locator("input[name$='-guidance-0-subject']").fill("Call the buyer")
    second.get_by_role("button", name="Add an activity").click()
    second.locator("input[name$='-guidance-1-subject']").fill("Send the renewal quote")
    second.locator("select[name$='-guidance-1-kind']").select_option("email")
    second.get_by_role("button", name="Move this stage up").click()
    expect(rows.nth(0).locator("input[name$='-name']")).to_have_value("Talking")
    expect(rows.nth(0).locator("input[name$='-ORDER']")).to_have_value("1")
    expect(rows.nth(1).locator("input[name$='-ORDER']")).to_have_value("2")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(url("/sales/pipelines/"))
    expect(page.locator("tbody tr").filter(has_text="Renewals")).to_contain_text(
        "Talking → Renewed"
    )
    from clientela.sales.models import Pipeline

    stages = list(Pipeline.objects.get(name="Renewals").stages.all())
    assert [(s.name, s.kind, s.probability, s.required_fields) for s in stages] == [
        ("Talking", "open", 40, ["account"]),
        ("Renewed", "won", 100, []),
    ]
    assert stages[0].guidance == [
        {"kind": "task", "subject": "Call the buyer", "due_days": 1},
        {"kind": "email", "subject": "Send the renewal quote", "due_days": 1},
    ]
