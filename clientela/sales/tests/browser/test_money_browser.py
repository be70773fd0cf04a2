"""Settings → Exchange rates and Quotas in a real browser: an administrator uploads a CSV file of
rates and sees them listed, newest first; then sets a rep's quota for two months in the grid
and sees the year's total for the rep and for the grid."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from clientela.platform.models import User
from clientela.sales.models import ExchangeRate, Quota

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Url = Callable[[str], str]
RATES = "/sales/settings/rates/"


def test_an_administrator_imports_rates_then_sets_a_reps_quotas_for_two_months(
    page: Page, make_user: Callable[..., User], sign_in: Callable[..., None], url: Url
) -> None:
    make_user("administrator", username="ada", time_zone="UTC")
    rita = make_user("sales-rep", username="rita", first_name="Rita", last_name="Reis")
    sign_in(page, "ada")

    # no rates yet: the page says what they are for and how the file looks
    page.goto(RATES)
    expect(page.locator(".empty-state")).to_contain_text("convert deals in other currencies")
    expect(page.locator("pre.csv-example")).to_contain_text("USD;2027-01-04;5,4321")

    # a file with a bad line is refused whole, the line named
    bad = "currency;day;rate\nUSD;2027-01-04;5,4321\nEUR;2027-01-04;zero\n"
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "rates.csv", "mimeType": "text/csv", "buffer": bad.encode()}],
    )
    page.get_by_role("button", name="Import the file").click()
    problems = page.locator(".import-problems")
    expect(problems).to_contain_text("The file was not imported")
    expect(problems.locator("tbody tr")).to_have_text(
        ["3EUR;2027-01-04;zeroEnter a positive rate."]
    )
    assert ExchangeRate.objects.count() == 0

    # the corrected file goes in, and its rates are listed newest first
    good = "currency;day;rate\nUSD;2027-01-04;5,4321\nEUR;2027-01-05;6.1\n"
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "rates.csv", "mimeType": "text/csv", "buffer": good.encode()}],
    )
    page.get_by_role("button", name="Import the file").click()
    expect(page).to_have_url(url(RATES))
    expect(page.locator(".messages")).to_contain_text("2 exchange rates were imported.")
    rows = page.locator("table.rate-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("EUR")
    expect(rows.nth(0).locator("td.number")).to_have_text("6.1")
    expect(rows.nth(1)).to_contain_text("USD")
    expect(rows.nth(1).locator("td.number")).to_have_text("5.4321")

    # the quota grid: two months for Rita, and the year's total
    page.goto("/sales/settings/quotas/?year=2027")
    row = page.locator(f"tr[data-user='{rita.pk}']")
    row.get_by_label("Rita Reis: January 2027").fill("5000")
    row.get_by_label("Rita Reis: February 2027").fill("6000,50")
    page.get_by_role("button", name="Save quotas").click()
    expect(page.locator(".messages")).to_contain_text("2 quotas were saved.")
    expect(row.locator(".row-total")).to_have_text("R$11,000.50")
    expect(row.get_by_label("Rita Reis: February 2027")).to_have_value("6000.50")
    expect(page.locator("tfoot .grid-total")).to_have_text("R$11,000.50")
    assert sorted(Quota.objects.filter(user=rita).values_list("amount", flat=True)) == [
        Decimal("5000.00"),
        Decimal("6000.50"),
    ]
