"""Deals follow the customers app: merges move them (and undo moves them back), a person's
export lists their roles on deals, and a lead conversion can open a deal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clientela.customers.models import Account, Lead
from clientela.customers.privacy import collect
from clientela.customers.services import account_create, contact_create
from clientela.customers.services.leads import ConversionPlan, lead_convert, lead_create
from clientela.customers.services.merge import account_merge, contact_merge, merge_undo
from clientela.platform.errors import ValidationFailed
from clientela.sales.models import Opportunity, OpportunityContact
from clientela.sales.services import opportunity_create


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


def test_merging_accounts_moves_their_deals_and_undo_moves_them_back(admin):
    keep = account_create(actor=admin, values={"name": "Ideal Transportes"})
    gone = account_create(actor=admin, values={"name": "Ideal Transportes Ltda"})
    deal = opportunity_create(actor=admin, values={"name": "Frota", "account": gone.pk})

    record = account_merge(actor=admin, survivor_id=keep.pk, merged_id=gone.pk)

    deal.refresh_from_db()
    assert deal.account_id == keep.pk
    assert not Account.objects.filter(pk=gone.pk).exists()
    merge_undo(actor=admin, merge_id=record.pk)
    deal.refresh_from_db()
    assert deal.account_id == gone.pk


def test_merging_contacts_moves_roles_without_doubling_one_on_the_same_deal(admin):
    keep = contact_create(actor=admin, values={"first_name": "Ana", "last_name": "Souza"})
    gone = contact_create(actor=admin, values={"first_name": "Ana", "last_name": "Sousa"})
    both = opportunity_create(
        actor=admin,
        values={
            "name": "Both",
            "contacts": [
                {"contact": keep.pk, "role": "user"},
                {"contact": gone.pk, "role": "decision_maker"},
            ],
        },
    )
    only = opportunity_create(
        actor=admin, values={"name": "Only", "contacts": [{"contact": gone.pk, "role": "champion"}]}
    )

    record = contact_merge(actor=admin, survivor_id=keep.pk, merged_id=gone.pk)

    assert set(OpportunityContact.objects.values_list("opportunity_id", "contact_id", "role")) == {
        (both.pk, keep.pk, "user"),
        (only.pk, keep.pk, "champion"),
    }
    merge_undo(actor=admin, merge_id=record.pk)
    assert set(OpportunityContact.objects.values_list("opportunity_id", "contact_id", "role")) == {
        (both.pk, keep.pk, "user"),
        (both.pk, gone.pk, "decision_maker"),
        (only.pk, gone.pk, "champion"),
    }


def test_a_persons_export_lists_their_roles_on_deals(admin):
    ana = contact_create(actor=admin, values={"first_name": "Ana"})
    opportunity_create(
        actor=admin, values={"name": "Frota", "contacts": [{"contact": ana.pk, "role": "champion"}]}
    )
    section = collect(ana)["opportunities"]
    assert [(d["opportunity"], d["stage"], d["role"]) for d in section] == [
        ("Frota", "Initiation", "champion")
    ]


def test_a_lead_conversion_can_open_a_deal_in_the_same_transaction(admin):
    lead = lead_create(
        actor=admin,
        values={
            "first_name": "Bia",
            "last_name": "Lima",
            "company": "Lima Logística",
            "source": "web_form",
        },
    )
    plan = ConversionPlan(extras={"opportunity": {"amount": "15000", "currency": "USD"}})

    result = lead_convert(actor=admin, lead_id=lead.pk, plan=plan)

    deal = Opportunity.objects.get(pk=result.extras["opportunity"]["opportunity_id"])
    assert (deal.name, deal.amount, deal.currency, deal.lead_source) == (
        "Lima Logística",
        Decimal("15000.00"),
        "USD",
        "web_form",
    )
    assert deal.lead_id == lead.pk and deal.account is not None
    assert list(deal.contact_roles.values_list("role", flat=True)) == ["decision_maker"]


def test_a_bad_deal_rolls_the_whole_conversion_back(admin):
    lead = lead_create(actor=admin, values={"first_name": "Caio", "company": "Caio ME"})
    plan = ConversionPlan(extras={"opportunity": {"amount": "lots", "colour": "red"}})
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=admin, lead_id=lead.pk, plan=plan)
    assert "extras.opportunity.colour" in caught.value.errors
    plan = ConversionPlan(extras={"opportunity": {"amount": "lots"}})
    with pytest.raises(ValidationFailed) as caught:
        lead_convert(actor=admin, lead_id=lead.pk, plan=plan)
    assert "extras.opportunity.amount" in caught.value.errors
    lead.refresh_from_db()
    assert lead.status != "converted"
    assert not Opportunity.objects.exists()
    assert not Account.objects.filter(name="Caio ME").exists()
    assert Lead.objects.count() == 1


def test_the_conversion_page_offers_a_deal_and_shows_its_errors_on_its_fields(admin, logged_in):
    browser = logged_in(admin)
    lead = lead_create(actor=admin, values={"first_name": "Davi", "company": "Davi Fretes"})
    url = f"/leads/{lead.pk}/convert/"
    page = browser.get(url)
    assert page.status_code == 200 and 'name="extra_opportunity"' in page.content.decode()
    form = {
        "account_mode": "create",
        "account_name": "Davi Fretes",
        "contact_mode": "create",
        "contact_first_name": "Davi",
        "extra_opportunity": "on",
        "extra_opportunity_amount": "muito",
    }
    refused = browser.post(url, form)
    assert refused.status_code == 200
    assert "Enter an amount such as 1234.56." in refused.content.decode()
    assert not Opportunity.objects.exists() and not Account.objects.filter(name="Davi Fretes")

    done = browser.post(
        url, {**form, "extra_opportunity_amount": "2500", "extra_opportunity_name": "Frete"}
    )
    assert done.status_code == 302
    deal = Opportunity.objects.get()
    assert (deal.name, deal.amount, deal.lead_id) == ("Frete", Decimal("2500.00"), lead.pk)
