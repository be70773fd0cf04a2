"""Opportunity services: stages decide status and probability, moves keep history, required
fields guard a stage, guidance creates activities, visibility and bad input are refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clientela.activities.models import Activity
from clientela.customers.services import account_create, contact_create
from clientela.platform.errors import NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry
from clientela.sales.models import Opportunity, Pipeline, StageChange
from clientela.sales.selectors import account_sales, opportunity_list
from clientela.sales.services import (
    default_pipeline,
    money,
    opportunity_create,
    opportunity_delete,
    opportunity_move,
    opportunity_update,
)


@pytest.fixture
def north(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("North")])


@pytest.fixture
def south(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("South")])


def stage(name: str):
    return default_pipeline().stages.get(name=name)


def test_a_new_deal_starts_in_the_default_pipelines_first_stage(north):
    deal = opportunity_create(actor=north, values={"name": " Frota 2027 ", "amount": "1200.5"})

    deal.refresh_from_db()
    assert deal.name == "Frota 2027"
    assert deal.pipeline == default_pipeline()
    assert deal.stage.name == "Initiation"
    assert (deal.status, deal.probability, deal.currency) == ("open", 10, "BRL")
    assert deal.amount == Decimal("1200.50")
    assert deal.owner == north
    assert list(StageChange.objects.filter(opportunity=deal).values_list("to_name", flat=True)) == [
        "Initiation"
    ]
    assert AuditEntry.objects.filter(object_type="sales.opportunity", action="create").exists()


def test_the_default_pipeline_has_the_seeds_phases(db):
    names = list(default_pipeline().stages.values_list("name", "kind", "probability"))
    assert names == [
        ("Initiation", "open", 10),
        ("Identification", "open", 20),
        ("Qualification", "open", 30),
        ("RFP received", "open", 50),
        ("Quote sent", "open", 70),
        ("Won", "won", 100),
        ("Lost", "lost", 0),
    ]
    assert Pipeline.objects.filter(is_default=True).count() == 1


def test_moving_keeps_history_sets_probability_and_creates_the_guidance(north):
    account = account_create(actor=north, values={"name": "Transportes Ideal"})
    deal = opportunity_create(actor=north, values={"name": "Frota", "account": account.pk})

    deal = opportunity_move(actor=north, opportunity_id=deal.pk, stage_id=stage("Qualification").pk)

    assert (deal.stage.name, deal.probability, deal.status) == ("Qualification", 30, "open")
    moves = list(StageChange.objects.filter(opportunity=deal).values_list("from_name", "to_name"))
    assert moves == [("", "Initiation"), ("Initiation", "Qualification")]
    task = Activity.objects.get(link_type="sales.opportunity", link_id=deal.pk)
    assert (task.kind, task.subject, task.owner_id, task.account_id) == (
        "meeting",
        "Confirm budget and timeline",
        north.pk,
        account.pk,
    )
    assert task.due_at is not None


def test_a_stage_refuses_a_deal_without_its_required_fields_and_nothing_changes(north):
    deal = opportunity_create(actor=north, values={"name": "Frota"})

    with pytest.raises(ValidationFailed) as caught:
        opportunity_move(actor=north, opportunity_id=deal.pk, stage_id=stage("RFP received").pk)

    assert set(caught.value.errors) == {"account", "amount", "expected_close_date"}
    assert "RFP received" in caught.value.errors["amount"][0]
    deal.refresh_from_db()
    assert deal.stage.name == "Initiation"
    assert StageChange.objects.filter(opportunity=deal).count() == 1

    # the board's dialog sends the missing values with the move
    account = account_create(actor=north, values={"name": "Ideal"})
    deal = opportunity_move(
        actor=north,
        opportunity_id=deal.pk,
        stage_id=stage("RFP received").pk,
        values={"account": account.pk, "amount": "80000", "expected_close_date": "2027-03-31"},
    )
    assert (deal.stage.name, deal.amount, deal.expected_close_date) == (
        "RFP received",
        Decimal("80000.00"),
        dt.date(2027, 3, 31),
    )


def test_won_and_lost_close_the_deal_and_reopening_clears_it(north):
    deal = opportunity_create(actor=north, values={"name": "Frota", "probability": 45})
    assert (deal.probability, deal.probability_set) == (45, True)

    deal = opportunity_move(actor=north, opportunity_id=deal.pk, stage_id=stage("Won").pk)
    assert (deal.status, deal.probability, deal.forecast_category) == ("won", 100, "closed")
    assert deal.closed_at is not None

    with pytest.raises(ValidationFailed) as caught:
        opportunity_move(actor=north, opportunity_id=deal.pk, stage_id=stage("Lost").pk)
    assert set(caught.value.errors) == {"lost_reason"}

    deal = opportunity_move(
        actor=north,
        opportunity_id=deal.pk,
        stage_id=stage("Lost").pk,
        values={"lost_reason": "price"},
    )
    assert (deal.status, deal.probability, deal.forecast_category) == ("lost", 0, "omitted")

    deal = opportunity_move(actor=north, opportunity_id=deal.pk, stage_id=stage("Initiation").pk)
    assert (deal.status, deal.closed_at, deal.forecast_category) == ("open", None, "pipeline")
    assert deal.probability == 10  # closing settled the typed 45: the stage's again

    deal = opportunity_update(actor=north, opportunity_id=deal.pk, values={"probability": 35})
    deal = opportunity_move(
        actor=north, opportunity_id=deal.pk, stage_id=stage("Identification").pk
    )
    assert deal.probability == 35  # typed by a person: an open-to-open move keeps it


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(north):
    bad = {
        "name": "",
        "amount": "12,5 reais",
        "currency": "XYZ",
        "probability": 140,
        "expected_close_date": "31/02/2027",
        "forecast_category": "maybe",
        "pipeline": "abc",
        "id": 5,
    }
    with pytest.raises(ValidationFailed) as caught:
        opportunity_create(actor=north, values=bad)

    assert set(caught.value.errors) == {
        "name",
        "amount",
        "currency",
        "probability",
        "expected_close_date",
        "forecast_category",
        "pipeline",
        "id",
    }
    assert not Opportunity.objects.exists()
    with pytest.raises(ValidationFailed) as caught:
        opportunity_create(actor=north, values={"name": "x", "amount": "-1"})
    assert "amount" in caught.value.errors


def test_money_rounds_half_up_to_cents():
    assert money("1.005") == Decimal("1.01")
    assert money("1.004") == Decimal("1.00")
    assert money(2.675) == Decimal("2.68")  # the float's text, not its binary value
    assert money("-0.005") == Decimal("-0.01")
    for bad in ("abc", "NaN", "Infinity", True, None, [1]):
        with pytest.raises(ValueError):
            money(bad)


def test_another_teams_deal_and_account_are_not_found(north, south):
    theirs = opportunity_create(actor=south, values={"name": "Deles"})
    their_account = account_create(actor=south, values={"name": "Conta deles"})

    with pytest.raises(NotFound):
        opportunity_update(actor=north, opportunity_id=theirs.pk, values={"name": "Meu"})
    with pytest.raises(NotFound):
        opportunity_delete(actor=north, opportunity_id=theirs.pk)
    with pytest.raises(NotFound) as caught:
        opportunity_create(actor=north, values={"name": "x", "account": their_account.pk})
    assert "account" in caught.value.errors
    assert list(opportunity_list(north)) == []
    assert Opportunity.objects.count() == 1


def test_contacts_with_roles_are_replaced_whole_and_audited(north, south):
    ana = contact_create(actor=north, values={"first_name": "Ana"})
    bia = contact_create(actor=north, values={"first_name": "Bia"})
    hidden = contact_create(actor=south, values={"first_name": "Caio"})
    deal = opportunity_create(
        actor=north,
        values={"name": "Frota", "contacts": [{"contact": ana.pk, "role": "decision_maker"}]},
    )
    deal = opportunity_update(
        actor=north,
        opportunity_id=deal.pk,
        values={"contacts": [{"contact": bia.pk, "role": "influencer"}]},
    )
    assert list(deal.contact_roles.values_list("contact__first_name", "role")) == [
        ("Bia", "influencer")
    ]
    with pytest.raises(NotFound):
        opportunity_update(
            actor=north,
            opportunity_id=deal.pk,
            values={"contacts": [{"contact": hidden.pk, "role": "user"}]},
        )
    with pytest.raises(ValidationFailed):
        opportunity_update(
            actor=north,
            opportunity_id=deal.pk,
            values={"contacts": [{"contact": ana.pk, "role": "boss"}]},
        )
    assert list(deal.contact_roles.values_list("contact__first_name", flat=True)) == ["Bia"]


def test_the_account_figures_count_open_pipeline_and_won_revenue(north, make_user):
    account = account_create(actor=north, values={"name": "Ideal"})
    for amount in ("100", "250.50"):
        opportunity_create(
            actor=north, values={"name": "a", "account": account.pk, "amount": amount}
        )
    won = opportunity_create(actor=north, values={"name": "w", "account": account.pk, "amount": 7})
    opportunity_move(actor=north, opportunity_id=won.pk, stage_id=stage("Won").pk)
    opportunity_create(
        actor=north, values={"name": "usd", "account": account.pk, "amount": 9, "currency": "usd"}
    )

    figures = account_sales(north, account.pk, "BRL")
    # the USD deal counts as open, but without a rate its amount is not added in
    assert (figures.open_count, figures.open_total, figures.won_total) == (
        3,
        Decimal("350.50"),
        Decimal("7.00"),
    )
    outsider = make_user("sales-rep")
    assert account_sales(outsider, account.pk, "BRL").open_count == 0


def test_a_rep_without_rights_cannot_create(make_user):
    marketer = make_user("marketing")
    with pytest.raises(PermissionDenied):
        opportunity_create(actor=marketer, values={"name": "x"})


def test_the_board_totals_each_stage_in_the_company_currency(north, make_user):
    from clientela.sales.currency import rates_save
    from clientela.sales.selectors import board

    for amount, currency in (("100", "BRL"), ("50.50", "BRL"), ("10", "USD"), ("3", "JPY")):
        opportunity_create(
            actor=north,
            values={"name": f"{amount} {currency}", "amount": amount, "currency": currency},
        )
    first = board(north, default_pipeline(), currency="BRL")
    column = first.columns[0]
    assert (column.stage.name, column.count, column.total) == ("Initiation", 4, Decimal("150.50"))
    assert first.other_currencies  # USD and JPY have no rate yet: counted, not summed
    assert len(column.cards) == 4

    rates_save(
        actor=make_user("administrator"),
        items=[
            {"currency": "USD", "day": "2020-01-01", "rate": "5"},
            {"currency": "JPY", "day": "2020-01-01", "rate": "0.04"},
        ],
    )
    second = board(north, default_pipeline(), currency="BRL", cards=2)
    column = second.columns[0]
    assert (column.count, column.total, column.weighted) == (4, Decimal("200.62"), Decimal("20.06"))
    assert not second.other_currencies
    assert (len(column.cards), column.more) == (2, 2)
    assert [c.count for c in second.columns[1:]] == [0] * 6


def test_a_stage_asking_for_contacts_judges_the_list_sent_with_the_move(north, make_user):
    from clientela.sales.services import pipeline_create

    pipeline = pipeline_create(
        actor=make_user("administrator"),
        values={
            "name": "Contacts first",
            "stages": [
                {"name": "Open"},
                {"name": "Met", "required_fields": ["contacts", "amount"]},
            ],
        },
    )
    ana = contact_create(actor=north, values={"first_name": "Ana"})
    deal = opportunity_create(
        actor=north,
        values={"name": "x", "pipeline": pipeline.pk, "contacts": [{"contact": ana.pk}]},
    )
    met = pipeline.stages.get(name="Met")
    with pytest.raises(ValidationFailed) as caught:  # sending an empty list empties the deal
        opportunity_move(
            actor=north,
            opportunity_id=deal.pk,
            stage_id=met.pk,
            values={"contacts": [], "amount": 5},
        )
    assert set(caught.value.errors) == {"contacts"}
    with pytest.raises(ValidationFailed) as caught:  # a new deal is checked on every field
        opportunity_create(actor=north, values={"name": "y", "stage": met.pk})
    assert set(caught.value.errors) == {"contacts", "amount"}
    moved = opportunity_move(
        actor=north, opportunity_id=deal.pk, stage_id=met.pk, values={"amount": 5}
    )
    assert moved.stage == met
