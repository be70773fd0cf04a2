"""A custom object from end to end in a real browser: an administrator defines "Vehicle", gives
it a field linking to contacts, adds a vehicle for a contact and finds it on her timeline."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.services import contact_create
from clientela.platform.models import CustomRecord, User

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]


def test_an_administrator_models_a_vehicle_and_sees_it_on_the_contacts_timeline(
    page: Page, admin_user: User, sign_in: SignIn
) -> None:
    contact = contact_create(actor=admin_user, values={"first_name": "Ana", "last_name": "Lima"})
    sign_in(page, "admin")

    page.goto("/settings/")
    page.click("a.card[href='/settings/custom-objects/']")
    page.click("main a.button.primary")
    page.fill("input[name=key]", "vehicle")
    page.fill("input[name=label]", "Vehicle")
    page.fill("input[name=label_plural]", "Vehicles")
    page.click("main form button[type=submit]")
    expect(page.locator("tr[data-object-key=vehicle]")).to_be_visible()

    page.click("tr[data-object-key=vehicle] a[href*='object_type=objects.vehicle']")
    page.select_option("select[name=field_type]", "lookup")
    page.fill("input[name=key]", "driver")
    page.fill("input[name=label]", "Driver")
    page.select_option("select[name=target]", "customers.contact")
    page.click("main form button[type=submit]")
    expect(page.locator("tr[data-field-key=driver]")).to_be_visible()

    page.click("#nav a[href='/objects/vehicle/']")  # the new object is in the shell at once
    expect(page.locator("main h1")).to_have_text("Vehicles")
    page.click("main a.button.primary")
    page.fill("input[name=name]", "Gol 1.0")
    page.fill("input[name=cf_driver]", f"#{contact.pk}")
    page.click("main form button[type=submit]")
    expect(page.locator("main h1")).to_contain_text("Gol 1.0")
    expect(page.locator(".related-records a")).to_have_text("Ana Lima")

    record = CustomRecord.objects.get()
    page.goto(f"/contacts/{contact.pk}/?tab=timeline")
    entry = page.locator(".timeline-objects a")
    expect(entry).to_have_text("Vehicle: Gol 1.0")
    entry.click()
    expect(page).to_have_url(re.compile(rf"/objects/vehicle/{record.pk}/$"))
