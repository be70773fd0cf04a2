"""The installed base's pages: an asset created with a warranty from the account's panel, listed
and filtered, a ticket opened for it showing "Under warranty", time logged, the asset and
contract changed from the ticket's page with the warning when the contract does not cover;
contracts and plans pages; another team's asset is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clientela.customers.services import account_create
from clientela.service.models import Queue, Ticket
from clientela.service.models_assets import Asset, MaintenancePlan, ServiceContract, WorkLog


@pytest.fixture
def desk(make_user, make_team, logged_in):
    team = make_team("Field")
    agent = make_user("service-agent", teams=[team])
    queue = Queue.objects.create(name="Field", lead=agent, team=team)
    account = account_create(actor=agent, values={"name": "Café Norte", "team": team})
    return agent, queue, account, logged_in(agent)


def test_an_asset_with_a_warranty_then_a_covered_ticket_and_its_time(desk):
    agent, queue, account, browser = desk
    today = timezone.localdate()
    page = browser.get(f"/accounts/{account.pk}/")
    assert "Installed base" in page.content.decode()
    made = browser.post(
        "/service/installed-base/new/",
        {
            "account": account.pk,
            "product_name": "Espresso machine",
            "product_code": "EM-2",
            "serial_number": "EM-77",
            "status": "active",
            "installed_on": "2025-02-01",
        },
    )
    asset = Asset.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/service/installed-base/{asset.pk}/"
    # the same serial again: the form says so (no 500)
    again = browser.post(
        "/service/installed-base/new/",
        {
            "account": account.pk,
            "product_name": "Other",
            "product_code": "EM-2",
            "serial_number": "EM-77",
            "status": "active",
        },
    )
    assert again.status_code == 200
    assert "Another asset of this product already has this serial number." in again.content.decode()
    browser.post(
        f"/service/installed-base/{asset.pk}/warranties/",
        {
            "warranty-name": "Maker",
            "warranty-starts_on": str(today - dt.timedelta(days=5)),
            "warranty-ends_on": str(today + dt.timedelta(days=360)),
            "warranty-coverage": "full",
        },
    )
    detail = browser.get(f"/service/installed-base/{asset.pk}/").content.decode()
    assert "Under warranty until" in detail
    listed = browser.get("/service/installed-base/", {"q": "EM-77", "order": "serial"})
    assert "Espresso machine" in listed.content.decode()
    assert "Espresso machine" in browser.get(f"/accounts/{account.pk}/").content.decode()
    # a new ticket for it: the form offers the account's assets
    form = browser.get(f"/service/tickets/new/?account={account.pk}&asset={asset.pk}")
    assert f'<option value="{asset.pk}" selected>' in form.content.decode()
    choices = browser.get("/service/installed-base/ticket-choices/", {"account": account.pk})
    assert 'hx-swap-oob="true"' in choices.content.decode() and "EM-77" in choices.content.decode()
    browser.post(
        "/service/tickets/new/",
        {
            "subject": "Leaks",
            "channel": "phone",
            "queue": queue.pk,
            "priority": "normal",
            "account": account.pk,
            "asset": asset.pk,
        },
    )
    ticket = Ticket.objects.get()
    assert (ticket.asset_id, ticket.coverage) == (asset.pk, "warranty")
    shown = browser.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert "Under warranty" in shown and "Log time" in shown
    browser.post(
        f"/service/installed-base/tickets/{ticket.pk}/work/",
        {"log-minutes": "45", "log-worked_on": str(today), "log-note": "Seal"},
    )
    assert WorkLog.objects.get().billable is False  # covered work is not billed
    # a contract of the account that does not cover phone tickets, named from the ticket page
    contract = ServiceContract.objects.create(
        account=account,
        owner=agent,
        team=account.team,
        name="Email only",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        channels=["email"],
    )
    browser.post(
        f"/service/installed-base/tickets/{ticket.pk}/coverage/",
        {"cover-asset": "", "cover-contract": contract.pk},
    )
    ticket.refresh_from_db()
    assert (ticket.asset_id, ticket.contract_id, ticket.coverage) == (None, contract.pk, "none")
    shown = browser.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert "The contract does not cover this channel." in shown
    contract_page = browser.get(
        f"/service/installed-base/contracts/{contract.pk}/"
    ).content.decode()
    assert "Entitlement" in contract_page and f"#{ticket.pk}" in contract_page


def test_contract_and_plan_pages_and_another_teams_asset(desk, make_user, make_team, logged_in):
    agent, queue, account, browser = desk
    made = browser.post(
        "/service/installed-base/contracts/new/",
        {
            "account": account.pk,
            "name": "Gold care",
            "status": "active",
            "starts_on": "2026-01-01",
            "ends_on": "2025-12-31",
            "renewal_notice_days": 30,
        },
    )
    assert "The end cannot be before the start." in made.content.decode()
    browser.post(
        "/service/installed-base/contracts/new/",
        {
            "account": account.pk,
            "name": "Gold care",
            "status": "active",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "renewal_notice_days": 30,
            "incidents_included": 10,
        },
    )
    contract = ServiceContract.objects.get()
    assert "Gold care" in browser.get("/service/installed-base/contracts/").content.decode()
    browser.post(
        f"/service/installed-base/plans/new/?contract={contract.pk}",
        {
            "name": "Yearly check",
            "contract": contract.pk,
            "interval": 12,
            "unit": "months",
            "next_due_on": "2026-10-31",
            "lead_days": 14,
            "queue": queue.pk,
            "visit_minutes": 60,
            "active": "on",
        },
    )
    plan = MaintenancePlan.objects.get()
    assert "Yearly check" in browser.get("/service/installed-base/plans/").content.decode()
    browser.post(f"/service/installed-base/contracts/{contract.pk}/cancel/")
    contract.refresh_from_db()
    assert contract.status == "cancelled"
    asset = Asset.objects.create(
        account=account, owner=agent, team=account.team, product_name="Fridge"
    )
    stranger = logged_in(make_user("service-agent", teams=[make_team("South")]))
    assert stranger.get(f"/service/installed-base/{asset.pk}/").status_code == 404
    assert stranger.get(f"/service/installed-base/contracts/{contract.pk}/").status_code == 404
    assert stranger.get(f"/service/installed-base/plans/{plan.pk}/").status_code == 404
    assert (
        stranger.post(
            f"/service/installed-base/{asset.pk}/edit/", {"product_name": "Mine"}
        ).status_code
        == 404
    )
    asset.refresh_from_db()
    assert asset.product_name == "Fridge"
