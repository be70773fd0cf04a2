"""The installed base in a real browser: from a customer's page an agent adds an asset, gives it
a warranty on its page, opens a ticket for it (choosing the account reloads the asset list),
and the ticket says "Under warranty"; logging time on it is not billable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clientela.customers.services import account_create
from clientela.platform.models import Team, User
from clientela.service.models import Queue, Ticket
from clientela.service.models_assets import Asset, WorkLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agent(make_user: Callable[..., User]) -> User:
    team = Team.objects.create(name="Campo")
    user = make_user("service-agent", teams=[team], username="rui", time_zone="UTC")
    Queue.objects.create(name="Campo", lead=user, team=team)
    return user


def test_an_asset_with_a_warranty_gets_a_ticket_under_warranty(
    page: Page, agent: User, sign_in: Callable[..., None]
) -> None:
    account = account_create(
        actor=agent, values={"name": "Sorveteria Polar", "team": agent.teams.get()}
    )
    today = timezone.localdate()
    sign_in(page, "rui")
    page.goto(f"/accounts/{account.pk}/")
    panel = page.locator(".assets-panel")
    expect(panel).to_contain_text("No assets recorded.")
    panel.get_by_role("link", name="New asset").click()
    page.fill("input[name=product_name]", "Freezer")
    page.fill("input[name=product_code]", "FZ-300")
    page.fill("input[name=serial_number]", "FZ-0042")
    page.fill("input[name=location]", "Back room")
    page.get_by_role("button", name="Save").click()
    asset = Asset.objects.get()
    expect(page.locator("h1")).to_have_text("Freezer (FZ-0042)")

    page.locator(".add-warranty summary").click()
    page.fill("input[name=warranty-name]", "Manufacturer")
    page.fill("input[name=warranty-starts_on]", str(today - dt.timedelta(days=30)))
    page.fill("input[name=warranty-ends_on]", str(today + dt.timedelta(days=335)))
    page.get_by_role("button", name="Add warranty").click()
    expect(page.locator(".record-head [data-warranty]")).to_contain_text("Under warranty until")

    # a new ticket: choosing the account loads its assets into the list
    page.goto("/service/tickets/new/")
    page.fill("input[name=subject]", "Not cooling")
    page.select_option("select[name=account]", str(account.pk))
    expect(page.locator(f"select[name=asset] option[value='{asset.pk}']")).to_have_count(1)
    page.select_option("select[name=asset]", str(asset.pk))
    page.get_by_role("button", name="Open the ticket").click()
    ticket = Ticket.objects.get()
    expect(page.locator("[data-coverage]")).to_have_text("Under warranty")
    expect(page.locator("[data-ticket-asset]")).to_contain_text("Freezer (FZ-0042)")

    page.locator(".log-time summary").click()
    page.fill("input[name=log-minutes]", "40")
    page.get_by_role("button", name="Log time").click()
    expect(page.locator(".worklogs")).to_contain_text("40 min")
    assert WorkLog.objects.get(ticket=ticket).billable is False
