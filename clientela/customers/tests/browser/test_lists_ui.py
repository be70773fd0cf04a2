"""The list pages in a real browser: filter, columns, saved views, select and act in bulk."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.models import Account, Contact
from clientela.customers.services import account_create, contact_create
from clientela.platform.models import SavedView, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SignIn = Callable[..., None]


def test_filter_choose_columns_save_and_reopen_a_view(
    page: Page, admin_user: User, sign_in: SignIn
) -> None:
    account = account_create(actor=admin_user, values={"name": "Padaria Estrela"})
    contact_create(
        actor=admin_user,
        values={"first_name": "Ana", "last_name": "Souza", "email": "ana@example.com"},
    )
    contact_create(
        actor=admin_user,
        values={"first_name": "Bruno", "last_name": "Lima", "account": account.pk},
    )
    sign_in(page, "admin")

    page.locator("#nav").get_by_role("link", name="Contacts", exact=True).click()
    expect(page.locator("main h1")).to_have_text("Contacts")
    expect(page.locator(".list-table tbody tr")).to_have_count(2)

    page.locator(".list-filters input[name=q]").fill("Souza")
    page.locator(".column-chooser summary").click()
    page.locator(".column-chooser input[value=account]").uncheck()
    page.locator(".column-chooser input[value=job_title]").check()
    page.get_by_role("button", name="Apply", exact=True).click()

    expect(page.locator(".list-table tbody tr")).to_have_count(1)
    expect(page.locator(".list-table tbody tr td").nth(1)).to_have_text("Ana Souza")
    headings = page.locator(".list-table thead th")
    expect(headings).to_have_text(["", "Name ▲", "Job title", "E-mail", "Phone", "Owner"])

    page.locator(".save-view summary").click()
    page.locator(".save-view-form input[name=name]").fill("The Souzas")
    page.locator(".save-view-form input[name=shared]").check()
    page.locator(".save-view-form button[type=submit]").click()

    expect(page.locator(".message-success")).to_have_text("The view “The Souzas” was saved.")
    view = SavedView.objects.get()
    assert view.filters == {"q": ["Souza"]} and view.shared

    page.goto("/contacts/?columns=")
    expect(page.locator(".list-table tbody tr")).to_have_count(2)
    page.select_option("#saved-view-select", str(view.pk))
    expect(page.locator(".list-table tbody tr")).to_have_count(1)
    expect(page.locator("main h1")).to_contain_text("The Souzas")


def test_select_a_page_assign_an_owner_then_delete_with_confirmation(
    page: Page, admin_user: User, make_user: Callable[..., User], sign_in: SignIn
) -> None:
    helper = make_user("administrator", first_name="Helena", last_name="Dias")
    for name in ("Alfa", "Bravo", "Charlie"):
        account_create(actor=admin_user, values={"name": name})
    sign_in(page, "admin")
    page.goto("/accounts/")

    submit = page.locator("[data-bulk-submit]")
    expect(submit).to_be_disabled()
    page.locator("[data-select-page]").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("Selected on this page: 3")
    page.select_option("[data-bulk-action]", "assign_owner")
    expect(page.locator(".bulk-bar select[name=owner]")).to_be_visible()
    expect(page.locator(".bulk-bar input[name=tags]")).to_be_hidden()
    page.select_option(".bulk-bar select[name=owner]", str(helper.pk))
    submit.click()

    expect(page.locator(".message-success")).to_have_text("3 records have a new owner.")
    assert set(Account.objects.values_list("owner_id", flat=True)) == {helper.pk}

    page.locator("tr", has_text="Alfa").locator("[data-row-select]").check()
    page.locator("tr", has_text="Bravo").locator("[data-row-select]").check()
    page.select_option("[data-bulk-action]", "delete")
    page.locator("[data-bulk-submit]").click()

    expect(page.locator("main h1")).to_have_text("Delete 2 records?")
    assert Account.objects.count() == 3
    page.get_by_role("button", name="Yes, delete them").click()

    expect(page.locator(".message-success")).to_have_text("2 records were deleted.")
    expect(page.locator(".list-table tbody tr")).to_have_count(1)
    assert list(Account.objects.values_list("name", flat=True)) == ["Charlie"]
    assert Contact.objects.count() == 0


def test_the_account_filter_suggests_accounts_by_name_as_you_type(
    page: Page, admin_user: User, sign_in: SignIn
) -> None:
    padaria = account_create(actor=admin_user, values={"name": "Padaria Estrela"})
    account_create(actor=admin_user, values={"name": "Oficina Rápida"})
    contact_create(actor=admin_user, values={"first_name": "Ana", "account": padaria.pk})
    contact_create(actor=admin_user, values={"first_name": "Bruno"})
    sign_in(page, "admin")
    page.goto("/contacts/")
    expect(page.locator(".list-table tbody tr")).to_have_count(2)

    box = page.locator(".list-filters input[name=account]")
    box.press_sequentially("pada", delay=50)
    choice = page.locator("#account-choices option")
    expect(choice).to_have_count(1)
    expect(choice).to_have_attribute("value", f"#{padaria.pk} Padaria Estrela")
    box.fill(f"#{padaria.pk} Padaria Estrela")  # what choosing the suggestion puts in the box
    page.get_by_role("button", name="Apply", exact=True).click()

    expect(page.locator(".list-table tbody tr")).to_have_count(1)
    expect(page.locator(".list-table tbody tr td").nth(1)).to_have_text("Ana")
    expect(page.locator(".list-filters input[name=account]")).to_have_value(
        f"#{padaria.pk} Padaria Estrela"
    )
    assert f"account=%23{padaria.pk}" in page.url
