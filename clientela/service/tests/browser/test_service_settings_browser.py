"""Settings → Service desk in a real browser: an administrator opens it from the Settings card,
creates a business calendar from the weekday grid (a day typed wrong is refused first, on its
row), sees the year's public holidays of São Paulo, creates an SLA policy from the targets grid
and a queue that uses the calendar, and finds them listed; deleting the calendar the queue uses
asks in a dialog, then says it is in use."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

import clientela.service.settings_cards  # noqa: F401  (the card, as apps.py imports it)
from clientela.platform.models import User
from clientela.service.models import BusinessCalendar, Queue, SlaPolicy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Url = Callable[[str], str]
BASE = "/service/settings"


def test_an_administrator_sets_up_a_calendar_an_sla_policy_and_a_queue(
    page: Page, admin_user: User, sign_in: Callable[..., None], url: Url
) -> None:
    sign_in(page, "admin")

    # Settings → Service desk opens on the queues, still none
    page.goto("/settings/")
    page.get_by_role("link", name="Service desk").click()
    expect(page).to_have_url(url(f"{BASE}/queues/"))
    expect(page.locator(".empty-state")).to_contain_text("No queues yet.")

    # a calendar from the weekday grid; a Saturday typed wrong is refused on its row
    page.get_by_role("link", name="Business calendars").click()
    expect(page.locator(".empty-state")).to_contain_text("No business calendars yet.")
    page.locator(".page-head").get_by_role("link", name="New business calendar").click()
    page.get_by_label("Name:", exact=True).fill("Matriz São Paulo")
    expect(page.get_by_label("Time zone")).to_have_value("America/Sao_Paulo")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday"):
        page.get_by_label(day).fill("09:00-12:00, 13:00-18:00")
    page.get_by_label("Friday").fill("08:00-17:00")
    page.get_by_label("Saturday").fill("9h às 13h")
    page.get_by_label("Public holidays of country").fill("BR")
    page.get_by_label("State or region").fill("SP")
    page.get_by_role("button", name="Save").click()
    saturday = page.locator("tr[data-day='hours_sat']")
    expect(saturday.locator(".error")).to_contain_text("Use ranges such as 09:00-12:00")
    expect(page.locator("tr[data-day='hours_mon'] .error")).to_have_count(0)
    assert not BusinessCalendar.objects.exists()
    page.get_by_label("Saturday").fill("09:00-13:00")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(f"{BASE}/calendars/"))
    expect(page.locator(".message-success")).to_contain_text(
        "The business calendar “Matriz São Paulo” was saved."
    )
    calendar = BusinessCalendar.objects.get()
    row = page.locator(f"tr[data-calendar='{calendar.pk}']")
    expect(row.locator(".week")).to_have_text(
        "Mon\N{EN DASH}Thu 09:00-12:00, 13:00-18:00 · Fri 08:00-17:00 · Sat 09:00-13:00"
    )
    expect(row).to_contain_text("BR-SP")

    # its page shows the grid again, and this year's holidays of São Paulo
    row.get_by_role("link", name="Matriz São Paulo").click()
    expect(page.get_by_label("Monday")).to_have_value("09:00-12:00, 13:00-18:00")
    expect(page.get_by_label("Sunday")).to_have_value("")
    holidays = page.locator(".public-holidays")
    expect(holidays.get_by_role("heading")).to_contain_text("Public holidays this year")
    expect(holidays).to_contain_text("Constitutionalist Revolution")

    # an SLA policy from the targets grid
    page.goto(f"{BASE}/sla-policies/")
    page.locator(".page-head").get_by_role("link", name="New SLA policy").click()
    page.get_by_label("Name:", exact=True).fill("Padrão")
    page.get_by_label("Business calendar").select_option(str(calendar.pk))
    page.get_by_label("Urgent, First response: hours").fill("1")
    page.get_by_label("Urgent, Resolution: hours").fill("8")
    page.get_by_label("High, First response: hours").fill("2")
    page.get_by_label("High, First response: minutes").fill("30")
    page.get_by_label("Normal, Resolution: hours").fill("24")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(f"{BASE}/sla-policies/"))
    policy = SlaPolicy.objects.get()
    assert policy.targets == {
        "urgent": {"first_response": 60, "resolution": 480},
        "high": {"first_response": 150},
        "normal": {"resolution": 1440},
    }
    targets = page.locator(f"tr[data-policy='{policy.pk}'] .targets li")
    expect(targets).to_have_text(["Urgent: 1 h / 8 h", "High: 2 h 30 min / —", "Normal: — / 24 h"])

    # a queue that counts the calendar's hours
    page.get_by_role("link", name="Queues").click()
    page.locator(".page-head").get_by_role("link", name="New queue").click()
    page.get_by_label("Name:", exact=True).fill("Atendimento")
    page.get_by_label("Support e-mail").fill("suporte@acme.test")
    page.get_by_label("Queue lead").select_option(str(admin_user.pk))
    page.get_by_label("Assignment").select_option("round_robin")
    page.get_by_label("Business calendar").select_option(str(calendar.pk))
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(f"{BASE}/queues/"))
    queue = Queue.objects.get()
    row = page.locator(f"tr[data-queue='{queue.pk}']")
    expect(row).to_contain_text("suporte@acme.test")
    expect(row).to_contain_text("Round robin")
    expect(row).to_contain_text("Matriz São Paulo")

    # the calendar is in use: the dialog asks, the answer says so, nothing is deleted
    page.get_by_role("link", name="Business calendars").click()
    page.locator(f"tr[data-calendar='{calendar.pk}']").get_by_role("link", name="Delete").click()
    dialog = page.locator("dialog[data-delete-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Delete “Matriz São Paulo”?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.locator(f"tr[data-calendar='{calendar.pk}']").get_by_role("link", name="Delete").click()
    dialog.get_by_role("button", name="Yes, delete").click()
    expect(page.locator(".message-error")).to_have_text(
        "“Matriz São Paulo” was not deleted. It is in use; deactivate it instead."
    )
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()
