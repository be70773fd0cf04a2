"""Custom fields in a real browser: an administrator adds a field in Settings, fills it in on a
contact, and finds it on the contact's page and as a column and a filter of the contact list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.models import Contact
from clientela.customers.services import contact_create
from clientela.platform.models import CustomField, User
from clientela.platform.services.customfields import index_sync

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SignIn = Callable[..., None]


def test_add_a_choice_field_fill_it_in_and_filter_the_list_on_it(
    page: Page, admin_user: User, sign_in: SignIn
) -> None:
    ana = contact_create(actor=admin_user, values={"first_name": "Ana", "last_name": "Souza"})
    contact_create(actor=admin_user, values={"first_name": "Bruno", "last_name": "Lima"})
    sign_in(page, "admin")

    page.locator("#nav").get_by_role("link", name="Settings", exact=True).click()
    page.get_by_role("link", name="Custom fields").click()
    expect(page.locator(".empty-state")).to_contain_text("No custom fields yet.")
    page.locator(".page-head").get_by_role("link", name="Add field").click()

    choices = page.locator(".field", has=page.locator("[name=choices]"))
    expect(choices).to_be_hidden()  # a text field takes no options
    page.select_option("[name=object_type]", "customers.contact")
    page.fill("[name=label]", "Tier")
    expect(page.locator("[name=key]")).to_have_value("tier")  # suggested from the label
    page.select_option("[name=field_type]", "choice")
    expect(choices).to_be_visible()
    expect(page.locator(".field", has=page.locator("[name=currency]"))).to_be_hidden()
    page.fill("[name=choices]", "gold|Gold\nsilver|Silver")
    page.click("form.custom-field-form button[type=submit]")

    expect(page.locator(".message-success")).to_have_text("The field “Tier” was added.")
    expect(page.locator("tr[data-field-key=tier]")).to_contain_text("Single choice")
    field = CustomField.objects.get()
    assert (field.object_type, field.key) == ("customers.contact", "tier")
    index_sync(field.pk)  # what the task worker does after the commit

    page.goto(f"/contacts/{ana.pk}/edit/")
    expect(page.locator("fieldset.custom-fields legend")).to_have_text("More details")
    page.select_option("[name=cf_tier]", "gold")
    page.click("form.record-form button[type=submit]")

    expect(page.locator("main h1")).to_have_text("Ana Souza")
    expect(page.locator(".custom-values [data-custom-field=tier]")).to_have_text("Gold")
    ana.refresh_from_db()
    assert ana.custom == {"tier": "gold"}

    page.locator("#nav").get_by_role("link", name="Contacts", exact=True).click()
    expect(page.locator(".list-table tbody tr")).to_have_count(2)
    page.select_option(".list-filters select[name=cf_tier]", "gold")
    page.locator(".column-chooser summary").click()
    page.locator(".column-chooser input[value=cf_tier]").check()
    page.get_by_role("button", name="Apply", exact=True).click()

    rows = page.locator(".list-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ana Souza")
    expect(page.locator(".list-table thead th").last).to_have_text("Tier")
    expect(rows.first.locator("td").last).to_have_text("Gold")
    assert Contact.objects.filter(custom__tier="gold").count() == 1
