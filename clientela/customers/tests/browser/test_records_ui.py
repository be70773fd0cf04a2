"""Accounts and contacts as full records, in a real browser: forms with repeatable rows, the
single customer view with its tabs (the timeline loads with htmx)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.models import Account, Contact
from clientela.platform.models import Team, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SignIn = Callable[..., None]


def _row(page: Page, prefix: str, index: int, field: str) -> str:
    return f"[name='{prefix}-{index}-{field}']"


def test_create_an_account_and_a_contact_and_see_them_on_the_account_page(
    page: Page,
    make_user: Callable[..., User],
    make_team: Callable[[str], Team],
    sign_in: SignIn,
) -> None:
    make_user("sales-rep", teams=[make_team("Vendas SP")], username="juliana")
    sign_in(page, "juliana")

    page.goto("/accounts/new/")
    page.fill("[name=name]", "Padaria Estrela")
    page.fill("[name=tax_id]", "11222333000181")
    page.select_option("[name=industry]", "retail")
    page.select_option("[name=lifecycle]", "customer")
    page.fill("[name=tags]", "VIP, Padarias")
    page.fill(_row(page, "phones", 0, "value"), "(11) 3333-4444")
    page.click("[data-rows=phones] [data-add-row]")  # a second phone row, added by records.js
    page.fill(_row(page, "phones", 1, "value"), "11 98765-4321")
    page.fill(_row(page, "phones", 1, "label"), "WhatsApp")
    page.fill(_row(page, "addresses", 0, "street"), "Av. Paulista, 1000")
    page.fill(_row(page, "addresses", 0, "city"), "São Paulo")
    page.fill(_row(page, "addresses", 0, "state"), "SP")
    page.fill(_row(page, "addresses", 0, "postal_code"), "0131010")  # a digit short
    page.click("form.record-form button[type=submit]")

    expect(page.locator("[data-rows=addresses] .error")).to_contain_text("CEP")
    assert Account.objects.count() == 0
    page.fill(_row(page, "addresses", 0, "postal_code"), "01310100")
    page.click("form.record-form button[type=submit]")

    expect(page.locator("h1")).to_have_text("Padaria Estrela")
    account = Account.objects.get()
    expect(page.locator(".addresses")).to_contain_text("01310-100")
    expect(page.locator(".points")).to_contain_text("+55 11 3333-4444")
    expect(page.locator(".points")).to_contain_text("+55 11 98765-4321")
    expect(page.locator(".tag-list li")).to_have_text(["Padarias", "VIP"])

    page.click("text=New contact")
    page.fill("[name=first_name]", "Maria")
    page.fill("[name=last_name]", "Souza")
    expect(page.locator("[name=account]")).to_have_value(str(account.pk))
    page.select_option(_row(page, "accounts", 0, "account_id"), str(account.pk))
    page.select_option(_row(page, "accounts", 0, "role"), "buyer")
    page.fill(_row(page, "phones", 0, "value"), "11 91234-5678")
    page.click("[data-rows=phones] [data-add-row]")
    page.fill(_row(page, "phones", 1, "value"), "(11) 3030-4040")
    page.fill(_row(page, "addresses", 0, "city"), "Campinas")
    page.fill(_row(page, "addresses", 0, "state"), "SP")
    page.fill(_row(page, "addresses", 0, "postal_code"), "13015-002")
    page.click("form.record-form button[type=submit]")

    expect(page.locator("h1")).to_have_text("Maria Souza")
    expect(page.locator(".points")).to_contain_text("+55 11 3030-4040")
    expect(page.locator(".addresses")).to_contain_text("13015-002")
    contact = Contact.objects.get()
    assert contact.phone == "+5511912345678" and contact.points.get().value == "+551130304040"

    page.click(f".crumbs a[href='/accounts/{account.pk}/']")
    people = page.locator(".people li")
    expect(people).to_have_count(1)
    expect(people).to_contain_text("Maria Souza")
    expect(people).to_contain_text("Buyer")

    page.click(".tabs >> text=Timeline")
    expect(page.locator("#timeline")).to_be_visible()
    expect(page.locator("#timeline .timeline-entry").first).to_be_visible()
    page.click(".tabs >> text=History")
    expect(page.locator("table.audit tbody tr")).to_have_count(1)
