"""Settings → Products and prices in a real browser: an administrator creates a tax, a product
that takes it, and a price list; gives the product a unit price and a volume tier (a negative
price refused first, then one row added with the page's "Add a row" button), and finds the
price list page showing both."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from clientela.platform.models import User
from clientela.sales.models import Price, PriceList, Product, Tax

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Url = Callable[[str], str]
BASE = "/sales/settings/catalog"


def test_an_administrator_prices_a_new_product_with_a_volume_tier(
    page: Page, admin_user: User, sign_in: Callable[..., None], url: Url
) -> None:
    sign_in(page, "admin")

    # a tax, from the taxes tab's empty state
    page.goto(f"{BASE}/taxes/")
    expect(page.locator(".empty-state")).to_contain_text("No taxes yet.")
    page.locator(".empty-state").get_by_role("link", name="New tax").click()
    page.get_by_label("Name").fill("ICMS")
    page.get_by_label("Rate (%)").fill("18")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(f"{BASE}/taxes/"))
    expect(page.locator(".message-success")).to_contain_text("The tax “ICMS” was saved.")
    expect(page.locator("table.catalog-taxes")).to_contain_text("18%")
    tax = Tax.objects.get(name="ICMS")

    # a product that takes it
    page.get_by_role("link", name="Products", exact=True).click()
    page.locator(".page-head").get_by_role("link", name="New product").click()
    page.get_by_label("SKU").fill("RST-100")
    page.get_by_label("Name").fill("Rastreador GPS")
    page.get_by_label("Tax").select_option(str(tax.pk))
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(f"{BASE}/products/"))
    row = page.locator("table.catalog-products tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("RST-100")
    expect(row).to_contain_text("ICMS (18%)")

    # a price list, which opens on its own page, still empty
    page.get_by_role("link", name="Price lists").click()
    page.locator(".page-head").get_by_role("link", name="New price list").click()
    expect(page.get_by_label("Currency")).to_have_value("BRL")
    page.get_by_label("Name").fill("Atacado 2030")
    page.get_by_role("button", name="Save").click()
    listed = PriceList.objects.get(name="Atacado 2030")
    expect(page).to_have_url(url(f"{BASE}/price-lists/{listed.pk}/"))
    expect(page.locator(".empty-state")).to_contain_text("This list prices no product yet.")

    # the product's price and a tier: the form's rows, then one more from "Add a row"
    page.get_by_role("link", name="Add a product's prices").click()
    page.get_by_label("Product SKU").fill("rst-100")
    page.fill("input[name='tiers-0-min_quantity']", "1")
    page.fill("input[name='tiers-0-unit_price']", "250")
    page.fill("input[name='tiers-1-min_quantity']", "10")
    page.fill("input[name='tiers-1-unit_price']", "-5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".row.has-error")).to_contain_text("Enter a number from 0 to")
    assert not Price.objects.exists()
    page.fill("input[name='tiers-1-min_quantity']", "")
    page.fill("input[name='tiers-1-unit_price']", "")
    for index in range(3):
        expect(page.locator(f"input[name='tiers-{index}-unit_price']")).to_be_visible()
    page.get_by_role("button", name="Add a row").click()
    last = page.locator("input[name='tiers-3-min_quantity']")
    expect(last).to_be_visible()
    expect(page.get_by_label("Product SKU")).to_have_value("rst-100")
    last.fill("100")
    page.fill("input[name='tiers-3-unit_price']", "199.9")
    page.get_by_role("button", name="Save").click()

    # the list's page shows the product with its unit price and its tier
    expect(page).to_have_url(url(f"{BASE}/price-lists/{listed.pk}/"))
    expect(page.locator(".message-success")).to_contain_text("The prices were saved.")
    product = Product.objects.get(sku="RST-100")
    tiers = page.locator(f"tr[data-product='{product.pk}'] ul.tiers li")
    expect(tiers).to_have_text(["from 1: R$250.00", "from 100: R$199.90"])
    prices = Price.objects.filter(price_list=listed, product=product).order_by("min_quantity")
    assert [(p.min_quantity, p.unit_price) for p in prices] == [
        (Decimal("1"), Decimal("250")),
        (Decimal("100"), Decimal("199.9")),
    ]
    page.get_by_role("link", name="Price lists").first.click()
    expect(page.locator(f"tr[data-price-list='{listed.pk}'] td.number")).to_have_text("2")
