"""Record visibility in a real browser: a sales rep works their team's accounts and no others."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.models import Account
from clientela.customers.services import account_create
from clientela.platform.models import Team, User

if TYPE_CHECKING:
    from clientela.platform.tests.browser.conftest import BrowserProblems

pytestmark = pytest.mark.browser

SignIn = Callable[..., None]
Url = Callable[[str], str]


@pytest.fixture
def rep_and_accounts(
    make_user: Callable[..., User], make_team: Callable[[str], Team]
) -> tuple[User, Account, Account]:
    """A rep in team A; an account of a colleague in team A and one of a user in team B."""
    team_a, team_b = make_team("Team A"), make_team("Team B")
    rep = make_user("sales-rep", teams=[team_a], username="rep")
    colleague = make_user("sales-rep", teams=[team_a], username="colleague")
    outsider = make_user("sales-rep", teams=[team_b], username="outsider")
    ours = account_create(actor=colleague, values={"name": "Padaria Estrela"})
    theirs = account_create(actor=outsider, values={"name": "Oficina Rápida"})
    assert (ours.team, theirs.team) == (team_a, team_b)
    return rep, ours, theirs


def test_rep_sees_team_accounts_only_and_others_are_not_found(
    page: Page,
    rep_and_accounts: tuple[User, Account, Account],
    sign_in: SignIn,
    browser_problems: BrowserProblems,
) -> None:
    _rep, ours, theirs = rep_and_accounts
    # Chromium logs a 404 document as a console error; these two are the point of the test.
    browser_problems.allow(rf"status of 404 \(Not Found\) \(http://[^/]+/accounts/{theirs.pk}/")
    sign_in(page, "rep")

    page.goto("/accounts/")

    names = page.locator("table.table tbody td:not(.select-col) a")
    expect(names).to_have_text(["Padaria Estrela"])
    expect(page.get_by_role("link", name="Oficina Rápida")).to_have_count(0)

    for path in (f"/accounts/{theirs.pk}/", f"/accounts/{theirs.pk}/edit/"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.locator("main h1")).to_have_text("Not found")
        expect(page.get_by_text("Oficina Rápida")).to_have_count(0)

    page.goto(f"/accounts/{ours.pk}/")
    expect(page.locator("main h1")).to_have_text("Padaria Estrela")


def test_rep_creates_an_account_and_its_history_says_web_interface(
    page: Page, rep_and_accounts: tuple[User, Account, Account], sign_in: SignIn, url: Url
) -> None:
    rep, _ours, _theirs = rep_and_accounts
    sign_in(page, "rep")
    page.goto("/accounts/")
    page.get_by_role("link", name="New account").click()

    page.get_by_label("Name").fill("Mercado Bom Preço")
    page.locator("input[name=tax_id]").fill("11222333000181")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/accounts/\d+/$"))

    created = Account.objects.get(name="Mercado Bom Preço")
    assert (created.owner, created.tax_id, created.team.name) == (
        rep,
        "11.222.333/0001-81",
        "Team A",
    )
    expect(page).to_have_url(url(f"/accounts/{created.pk}/"))
    expect(page.locator(".message-success")).to_have_text("The account was saved.")
    expect(page.locator("main h1")).to_have_text("Mercado Bom Preço")
    expect(page.locator(".facts").first).to_contain_text("11.222.333/0001-81")

    page.get_by_role("link", name="History").click()

    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(2)).to_have_text(rep.display_name)
    expect(cells.nth(3)).to_have_text("Web interface")
    expect(cells.nth(4)).to_have_text("create")

    page.locator("#nav").get_by_role("link", name="Accounts", exact=True).click()
    expect(page.locator("table.table tbody td:not(.select-col) a")).to_have_text(
        ["Mercado Bom Preço", "Padaria Estrela"]
    )


def test_invalid_cnpj_shows_the_form_error_and_creates_nothing(
    page: Page, rep_and_accounts: tuple[User, Account, Account], sign_in: SignIn, url: Url
) -> None:
    sign_in(page, "rep")
    before = Account.objects.count()
    page.goto("/accounts/new/")

    page.get_by_label("Name").fill("Empresa Fantasma")
    page.locator("input[name=tax_id]").fill("11.222.333/0001-82")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(url("/accounts/new/"))
    tax_id = page.locator(".field.has-error")
    expect(tax_id).to_have_count(1)
    expect(tax_id.locator(".error")).to_have_text("Enter a valid CNPJ or CPF.")
    expect(tax_id.locator("input")).to_have_value("11.222.333/0001-82")
    expect(page.get_by_label("Name")).to_have_value("Empresa Fantasma")
    assert Account.objects.count() == before
    assert not Account.objects.filter(name="Empresa Fantasma").exists()
