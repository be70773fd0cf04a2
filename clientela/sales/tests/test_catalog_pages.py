"""Settings → Products and prices with the test client on the real database: lists with their
empty states, sorting, search and pages; creating and changing products, groups, taxes and
price lists with errors on their fields; a product's volume tiers in a list, refused whole;
deleting after a confirmation, with the services' refusals; read-only and refused users;
hostile input that must never answer 500 nor write anything."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.test import Client

from clientela.platform.errors import Conflict, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry
from clientela.sales.catalog import (
    group_delete,
    group_save,
    opportunity_set_lines,
    price_list_save,
    price_list_set_product_prices,
    product_save,
    tax_delete,
    tax_save,
)
from clientela.sales.models import Price, PriceList, Product, ProductGroup, Tax
from clientela.sales.services import opportunity_create

BASE = "/sales/settings/catalog"
PRODUCTS = f"{BASE}/products/"
GROUPS = f"{BASE}/groups/"
TAXES = f"{BASE}/taxes/"
LISTS = f"{BASE}/price-lists/"


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


@pytest.fixture
def manager(make_user):
    """May view the catalogue (the platform area is read-only to sales managers)."""
    return make_user("sales-manager")


@pytest.fixture
def bolt(admin):
    return product_save(actor=admin, values={"sku": "BLT-1", "name": "Bolt", "unit": "un"})


@pytest.fixture
def current(admin):
    return price_list_save(actor=admin, values={"name": "Current", "currency": "BRL"})


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def tiers_of(price_list: PriceList, product: Product) -> list[tuple[str, str]]:
    rows = Price.objects.filter(price_list=price_list, product=product).order_by("min_quantity")
    return [(f"{p.min_quantity.normalize():f}", f"{p.unit_price.normalize():f}") for p in rows]


def tier_form(*rows: tuple[str, str], total: int | None = None, **extra: str) -> dict[str, str]:
    """The prices page's POST: its management form and one pair of fields per row."""
    data = {
        "tiers-TOTAL_FORMS": str(len(rows) if total is None else total),
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "50",
        **extra,
    }
    for index, (quantity, price) in enumerate(rows):
        data[f"tiers-{index}-min_quantity"] = quantity
        data[f"tiers-{index}-unit_price"] = price
    return data


# --- lists ---------------------------------------------------------------------------------


def test_each_list_starts_with_an_empty_state_that_offers_the_first_record(admin, logged_in):
    client = logged_in(admin)
    expected = {
        PRODUCTS: ("No products yet.", f"{PRODUCTS}new/"),
        GROUPS: ("No product groups yet.", f"{GROUPS}new/"),
        TAXES: ("No taxes yet.", f"{TAXES}new/"),
        LISTS: ("No price lists yet.", f"{LISTS}new/"),
    }
    for url, (title, create) in expected.items():
        page = text(client.get(url))
        assert title in page and f'href="{create}"' in page, url


def test_the_product_list_shows_group_unit_tax_status_and_sku(admin, logged_in):
    tools = group_save(actor=admin, values={"name": "Tools"})
    icms = tax_save(actor=admin, values={"name": "ICMS", "rate": "18"})
    product_save(
        actor=admin,
        values={"sku": "DRL-9", "name": "Drill", "unit": "pc", "group": tools.pk, "tax": icms.pk},
    )
    product_save(actor=admin, values={"sku": "OLD-1", "name": "Anvil", "active": False})

    page = text(logged_in(admin).get(PRODUCTS))

    rows = re.findall(r"<tr data-product=\"\d+\">(.*?)</tr>", page, re.DOTALL)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.DOTALL) for row in rows]
    assert [c[0] for c in cells] == ["OLD-1", "DRL-9"]  # by name: Anvil, Drill
    assert cells[1][2:5] == ["Tools", "pc", "ICMS (18%)"]
    assert "Inactive" in cells[0][5] and "Active" in cells[1][5]


def test_products_are_searched_by_sku_or_name_filtered_sorted_and_paged(
    admin, logged_in, django_assert_max_num_queries
):
    tools = group_save(actor=admin, values={"name": "Tools"})
    Product.objects.bulk_create(
        Product(sku=f"P-{n:03d}", name=f"Item {120 - n:03d}", group=tools if n % 2 else None)
        for n in range(120)
    )
    client = logged_in(admin)

    with django_assert_max_num_queries(12):  # session, grants, menus; no query per row
        first = text(client.get(PRODUCTS))
    names = re.findall(r">(Item \d+)</a>", first)
    assert names[:2] == ["Item 001", "Item 002"] and len(names) == 50
    following = re.search(r'rel="next" href="\?([^"]+)"', first)
    assert following is not None
    second = text(client.get(f"{PRODUCTS}?{html.unescape(following.group(1))}"))
    assert re.findall(r">(Item \d+)</a>", second)[0] == "Item 051"
    by_sku = text(client.get(PRODUCTS, {"sort": "sku"}))
    assert re.findall(r"<td>(P-\d+)</td>", by_sku)[:2] == ["P-000", "P-001"]

    found = text(client.get(PRODUCTS, {"q": "p-007"}))
    assert re.findall(r"<td>(P-\d+)</td>", found) == ["P-007"]
    named = text(client.get(PRODUCTS, {"q": "item 113"}))
    assert re.findall(r"<td>(P-\d+)</td>", named) == ["P-007"]
    grouped = text(client.get(PRODUCTS, {"group": tools.pk, "q": "P-00"}))
    assert sorted(re.findall(r"<td>(P-\d+)</td>", grouped)) == [
        "P-001",
        "P-003",
        "P-005",
        "P-007",
        "P-009",
    ]
    assert "No product matches these filters." in text(client.get(PRODUCTS, {"q": "zzz"}))


def test_a_bad_page_link_or_filter_shows_the_first_page_never_an_error(admin, logged_in):
    Product.objects.bulk_create(Product(sku=f"P-{n}", name=f"Item {n}") for n in range(3))
    client = logged_in(admin)
    for cursor in ("nonsense", "W10", "WyJ4IiwgIngiXQ", "WyJ4IiwxZTk5OV0", "x" * 5000):
        page = text(client.get(PRODUCTS, {"cursor": cursor}))
        assert "This page link is no longer valid; here is the first page." in page
        assert "Item 0" in page
    for params in (
        {"group": "abc"},
        {"active": "maybe"},
        {"sort": "price"},
        {"q": "q" * 101},
        {"q": "Item\x00"},
    ):
        page = text(client.get(PRODUCTS, params))
        assert "Item 0" in page, params


def test_taxes_show_rate_and_how_they_apply_sorted_by_name_or_rate(admin, logged_in):
    tax_save(actor=admin, values={"name": "ISS", "rate": "5", "inclusive": True})
    tax_save(actor=admin, values={"name": "IPI", "rate": "7.65"})
    client = logged_in(admin)

    by_name = text(client.get(TAXES))
    assert re.findall(r'data-tax="\d+">\s*<td><a [^>]+>(\w+)</a>', by_name) == ["IPI", "ISS"]
    assert "7.65%" in by_name and "Added on top" in by_name and "Included in prices" in by_name
    by_rate = text(client.get(TAXES, {"sort": "rate"}))
    assert re.findall(r'data-tax="\d+">\s*<td><a [^>]+>(\w+)</a>', by_rate) == ["ISS", "IPI"]


def test_price_lists_show_currency_validity_and_how_many_prices(admin, logged_in, bolt):
    price_list_save(
        actor=admin,
        values={
            "name": "Export",
            "currency": "USD",
            "valid_from": "2030-01-01",
            "valid_to": "2030-12-31",
            "prices": [
                {"product": bolt.pk, "min_quantity": 1, "unit_price": "2"},
                {"product": bolt.pk, "min_quantity": 100, "unit_price": "1.5"},
            ],
        },
    )
    price_list_save(actor=admin, values={"name": "Brasil", "currency": "BRL"})

    page = text(logged_in(admin).get(LISTS))
    rows = re.findall(r"<tr data-price-list=\"\d+\">(.*?)</tr>", page, re.DOTALL)
    assert ["Brasil" in rows[0], "Export" in rows[1]] == [True, True]  # by currency
    assert 'datetime="2030-01-01"' in rows[1] and 'datetime="2030-12-31"' in rows[1]
    assert re.search(r'class="number">2</td>', rows[1])
    by_name = text(logged_in(admin).get(LISTS, {"sort": "name"}))
    assert by_name.index("Brasil") < by_name.index("Export")


# --- create and change ---------------------------------------------------------------------


def test_an_administrator_creates_and_changes_a_product(admin, logged_in):
    tools = group_save(actor=admin, values={"name": "Tools"})
    icms = tax_save(actor=admin, values={"name": "ICMS", "rate": "18"})
    client = logged_in(admin)
    form = {"sku": "DRL-9", "name": "Drill", "unit": "pc", "group": tools.pk, "tax": icms.pk}

    created = client.post(f"{PRODUCTS}new/", {**form, "active": "on"})

    assert created.status_code == 302 and created["Location"] == PRODUCTS
    drill = Product.objects.get(sku="DRL-9")
    assert (drill.name, drill.unit, drill.group_id, drill.tax_id, drill.active) == (
        "Drill",
        "pc",
        tools.pk,
        icms.pk,
        True,
    )
    assert "The product “Drill” was saved." in text(client.get(PRODUCTS))

    edit = text(client.get(f"{PRODUCTS}{drill.pk}/"))
    assert 'value="DRL-9"' in edit and "Delete" in edit
    changed = client.post(f"{PRODUCTS}{drill.pk}/", {**form, "name": "Cordless drill", "group": ""})
    assert changed.status_code == 302
    drill.refresh_from_db()
    assert (drill.name, drill.group_id, drill.active) == ("Cordless drill", None, False)
    assert AuditEntry.objects.filter(object_type="sales.product", object_id=str(drill.pk)).count()


def test_errors_show_on_their_fields_and_nothing_is_written(admin, logged_in, bolt):
    client = logged_in(admin)

    taken = text(client.post(f"{PRODUCTS}new/", {"sku": "blt-1", "name": "Other bolt"}))
    assert re.search(r"field-?\w*\s*has-error.*?Another product has this SKU\.", taken, re.S)
    control = text(client.post(f"{PRODUCTS}new/", {"sku": "X-1", "name": "Bad\x07name"}))
    assert "Remove the control characters." in control
    huge = text(client.post(f"{PRODUCTS}new/", {"sku": "X-2", "name": "n" * 10_000}))
    assert re.search(r"has-error.*at most 200 characters", huge, re.S)
    rate = text(client.post(f"{TAXES}new/", {"name": "Odd", "rate": "150"}))
    assert "Enter a number from 0 to 100." in rate
    no_rate = text(client.post(f"{TAXES}new/", {"name": "Odd"}))
    assert "This field is required." in no_rate
    dates = {
        "name": "Late",
        "currency": "BRL",
        "valid_from": "2031-01-02",
        "valid_to": "2031-01-01",
    }
    assert "The end comes before the start." in text(client.post(f"{LISTS}new/", dates))
    money = text(client.post(f"{LISTS}new/", {"name": "Coins", "currency": "XYZ"}))
    assert "Enter a currency code such as BRL, USD or EUR." in money

    assert Product.objects.count() == 1 and not Tax.objects.exists()
    assert not PriceList.objects.exists()


def test_groups_and_taxes_are_created_and_changed_from_their_pages(admin, logged_in):
    client = logged_in(admin)

    assert client.post(f"{GROUPS}new/", {"name": "Tools", "active": "on"}).status_code == 302
    assert (
        client.post(f"{TAXES}new/", {"name": "ICMS", "rate": "18", "active": "on"}).status_code
        == 302
    )
    group, tax = ProductGroup.objects.get(), Tax.objects.get()
    assert (group.name, group.active, tax.rate, tax.inclusive) == (
        "Tools",
        True,
        Decimal("18"),
        False,
    )

    assert 'value="18"' in text(client.get(f"{TAXES}{tax.pk}/"))  # no trailing zeros
    client.post(f"{TAXES}{tax.pk}/", {"name": "ICMS SP", "rate": "17.5", "inclusive": "on"})
    client.post(f"{GROUPS}{group.pk}/", {"name": "Hand tools"})
    group.refresh_from_db()
    tax.refresh_from_db()
    assert (group.name, group.active) == ("Hand tools", False)
    assert (tax.name, tax.rate, tax.inclusive, tax.active) == (
        "ICMS SP",
        Decimal("17.5"),
        True,
        False,
    )


# --- a price list and its tiers ------------------------------------------------------------


def test_a_price_list_gets_a_products_tiers_and_shows_them(admin, logged_in, bolt):
    client = logged_in(admin)
    created = client.post(f"{LISTS}new/", {"name": "Atacado", "currency": "brl", "active": "on"})
    listed = PriceList.objects.get(name="Atacado")
    assert created["Location"] == f"{LISTS}{listed.pk}/" and listed.currency == "BRL"
    assert "This list prices no product yet." in text(client.get(created["Location"]))

    picker = text(client.get(f"{LISTS}{listed.pk}/prices/"))
    assert '<option value="BLT-1">Bolt</option>' in picker
    saved = client.post(
        f"{LISTS}{listed.pk}/prices/",
        tier_form(("1", "10.50"), ("100", "9.9999"), ("", ""), product="blt-1"),
    )

    assert saved.status_code == 302 and saved["Location"] == f"{LISTS}{listed.pk}/"
    assert tiers_of(listed, bolt) == [("1", "10.5"), ("100", "9.9999")]
    page = text(client.get(saved["Location"]))
    assert "from 1: R$10.50" in page and "from 100: R$9.9999" in page
    assert f"{LISTS}{listed.pk}/prices/{bolt.pk}/" in page
    audit = AuditEntry.objects.filter(object_type="sales.pricelist", action="update").last()
    assert audit is not None and audit.changes == {
        "prices": ["", "BLT-1: 1+ @ 10.5; 100+ @ 9.9999"]
    }


def test_a_products_tiers_are_changed_and_cleared_off_the_list(admin, logged_in, bolt, current):
    nut = product_save(actor=admin, values={"sku": "NUT-1", "name": "Nut"})
    price_list_set_product_prices(
        actor=admin,
        price_list_id=current.pk,
        product_id=bolt.pk,
        tiers=[{"unit_price": "2"}, {"min_quantity": "50", "unit_price": "1.8"}],
    )
    price_list_set_product_prices(
        actor=admin, price_list_id=current.pk, product_id=nut.pk, tiers=[{"unit_price": "1"}]
    )
    client = logged_in(admin)
    url = f"{LISTS}{current.pk}/prices/{bolt.pk}/"

    assert "Nut" not in text(client.get(f"{LISTS}{current.pk}/", {"q": "bolt\x00"}))
    page = text(client.get(url))
    assert 'value="50"' in page and 'value="1.8"' in page  # the tiers, then blank rows
    assert 'name="tiers-TOTAL_FORMS" value="5"' in page

    client.post(url, tier_form(("1", "2.10"), ("", ""), ("200", "1.5")))
    assert tiers_of(current, bolt) == [("1", "2.1"), ("200", "1.5")]
    assert tiers_of(current, nut) == [("1", "1")]  # other products untouched

    client.post(url, tier_form(("", ""), ("", "")))
    assert tiers_of(current, bolt) == [] and tiers_of(current, nut) == [("1", "1")]
    assert "Nut" in text(client.get(f"{LISTS}{current.pk}/"))


def test_invalid_tiers_are_refused_whole_with_errors_on_their_rows(admin, logged_in, bolt, current):
    price_list_set_product_prices(
        actor=admin, price_list_id=current.pk, product_id=bolt.pk, tiers=[{"unit_price": "5"}]
    )
    client = logged_in(admin)
    url = f"{LISTS}{current.pk}/prices/{bolt.pk}/"

    negative = text(client.post(url, tier_form(("1", "4"), ("10", "-1"))))
    rows = re.findall(r'<div class="row( has-error)?">', negative)
    assert rows == ["", " has-error"]
    assert "Enter a number from 0 to 999999999999.9999." in negative
    twice = text(client.post(url, tier_form(("1", "4"), ("1.000", "3"))))
    assert "This product already has a price from this quantity." in twice
    zero = text(
        client.post(
            url,
            tier_form(
                ("0", "4"),
            ),
        )
    )
    assert "Enter a number from 0.001 to 999999999.999." in zero
    words = text(client.post(url, tier_form(("1", "cheap"), ("many", "1"))))
    assert words.count("Enter a number.") == 2
    no_price = text(
        client.post(
            url,
            tier_form(
                ("5", ""),
            ),
        )
    )
    assert "This field is required." in no_price

    assert tiers_of(current, bolt) == [("1", "5")]


def test_an_unknown_sku_or_a_missing_product_is_refused(admin, logged_in, current):
    client = logged_in(admin)
    url = f"{LISTS}{current.pk}/prices/"

    unknown = text(client.post(url, tier_form(("1", "2"), product="NOPE")))
    assert "No product has this SKU." in unknown and 'value="NOPE"' in unknown
    blank = text(client.post(url, tier_form(("1", "2"), product="")))
    assert "This field is required." in blank
    assert not Price.objects.exists()


def test_a_row_is_added_without_javascript_and_nothing_is_saved(admin, logged_in, bolt, current):
    client = logged_in(admin)
    url = f"{LISTS}{current.pk}/prices/"

    more = text(client.post(url, tier_form(("1", "3"), ("", ""), product="BLT-1", add_row="1")))

    assert 'name="tiers-TOTAL_FORMS" value="3"' in more
    assert 'name="tiers-2-unit_price"' in more and 'value="3"' in more
    assert 'value="BLT-1"' in more and "This field is required." not in more
    assert not Price.objects.exists()
    capped = text(client.post(url, tier_form(total=50, product="BLT-1", add_row="1")))
    assert 'name="tiers-TOTAL_FORMS" value="50"' in capped


def test_a_tampered_or_oversized_rows_form_is_refused(admin, logged_in, bolt, current):
    client = logged_in(admin)
    url = f"{LISTS}{current.pk}/prices/{bolt.pk}/"

    tampered = client.post(url, {"tiers-TOTAL_FORMS": "abc", "tiers-INITIAL_FORMS": "0"})
    assert tampered.status_code == 200 and 'role="alert"' in tampered.content.decode()
    flood = tier_form(*[(str(n), "1") for n in range(1, 60)])
    too_many = text(client.post(url, flood))
    assert "Please submit at most 50 forms." in too_many
    negative = client.post(url, tier_form(("1", "1"), add_row="x", **{"tiers-TOTAL_FORMS": "-5"}))
    assert negative.status_code == 200
    assert not Price.objects.exists()


# --- delete --------------------------------------------------------------------------------


def test_delete_asks_first_and_only_a_post_deletes(admin, logged_in, bolt, current):
    client = logged_in(admin)
    for url, model, done in (
        (f"{PRODUCTS}{bolt.pk}/delete/", Product, "The product “Bolt” was deleted."),
        (f"{LISTS}{current.pk}/delete/", PriceList, "The price list “Current” was deleted."),
    ):
        confirm = text(client.get(url))
        assert "This cannot be undone." in confirm and 'method="post"' in confirm
        assert model.objects.count() == 1
        deleted = client.post(url)
        assert deleted.status_code == 302 and not model.objects.exists()
        assert done in text(client.get(deleted["Location"]))


def test_the_services_refusals_to_delete_show_as_messages(admin, logged_in):
    tools = group_save(actor=admin, values={"name": "Tools"})
    icms = tax_save(actor=admin, values={"name": "ICMS", "rate": "18"})
    drill = product_save(
        actor=admin,
        values={"sku": "DRL-9", "name": "Drill", "group": tools.pk, "tax": icms.pk},
    )
    deal = opportunity_create(actor=admin, values={"name": "Workshop"})
    opportunity_set_lines(
        actor=admin,
        opportunity_id=deal.pk,
        lines=[{"product": drill.pk, "quantity": 1, "unit_price": "100"}],
    )
    client = logged_in(admin)

    for url, edit, message in (
        (f"{PRODUCTS}{drill.pk}/delete/", f"{PRODUCTS}{drill.pk}/", "Deals use this product"),
        (f"{GROUPS}{tools.pk}/delete/", f"{GROUPS}{tools.pk}/", "Products are in this group"),
        (f"{TAXES}{icms.pk}/delete/", f"{TAXES}{icms.pk}/", "Products use this tax"),
    ):
        refused = client.post(url)
        assert refused.status_code == 302 and refused["Location"] == edit
        assert message in text(client.get(edit))
    assert Product.objects.filter(pk=drill.pk).exists()
    assert (
        ProductGroup.objects.filter(pk=tools.pk).exists()
        and Tax.objects.filter(pk=icms.pk).exists()
    )

    product_save(actor=admin, values={"group": None, "tax": None}, product_id=drill.pk)
    assert client.post(f"{GROUPS}{tools.pk}/delete/").status_code == 302
    assert client.post(f"{TAXES}{icms.pk}/delete/").status_code == 302
    assert not ProductGroup.objects.exists() and not Tax.objects.exists()
    deleted = AuditEntry.objects.filter(action="delete").values_list("object_type", flat=True)
    assert sorted(deleted) == ["sales.productgroup", "sales.tax"]


# --- who may do what -----------------------------------------------------------------------


def test_a_viewer_reads_everything_without_buttons_and_may_change_nothing(
    admin, manager, logged_in, bolt, current
):
    tools = group_save(actor=admin, values={"name": "Tools"})
    icms = tax_save(actor=admin, values={"name": "ICMS", "rate": "18"})
    price_list_set_product_prices(
        actor=admin, price_list_id=current.pk, product_id=bolt.pk, tiers=[{"unit_price": "5"}]
    )
    client = logged_in(manager)

    for url in (PRODUCTS, GROUPS, TAXES, LISTS, f"{LISTS}{current.pk}/"):
        page = text(client.get(url))
        assert "/new/" not in page and "/delete/" not in page and "/prices/" not in page, url
    assert "from 1: R$5.00" in text(client.get(f"{LISTS}{current.pk}/"))
    for url in (f"{PRODUCTS}{bolt.pk}/", f"{GROUPS}{tools.pk}/", f"{TAXES}{icms.pk}/"):
        page = text(client.get(url))
        assert "You may see this record but not change it." in page
        assert 'type="submit"' not in page.split("</header>")[1] and "disabled" in page

    posts = {
        f"{PRODUCTS}new/": {"sku": "X", "name": "X"},
        f"{PRODUCTS}{bolt.pk}/": {"sku": "BLT-1", "name": "Changed"},
        f"{PRODUCTS}{bolt.pk}/delete/": {},
        f"{TAXES}{icms.pk}/": {"name": "Changed", "rate": "1"},
        f"{LISTS}{current.pk}/prices/{bolt.pk}/": tier_form(("1", "1")),
        f"{LISTS}{current.pk}/edit/": {"name": "Changed", "currency": "BRL"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert client.get(f"{LISTS}{current.pk}/prices/").status_code == 403
    bolt.refresh_from_db()
    assert (bolt.name, Product.objects.count(), tiers_of(current, bolt)) == (
        "Bolt",
        1,
        [("1", "5")],
    )


def test_users_who_may_not_view_the_catalogue_are_refused(make_user, logged_in, bolt, current):
    rep = logged_in(make_user("sales-rep"))
    for url in (
        PRODUCTS,
        GROUPS,
        TAXES,
        LISTS,
        f"{PRODUCTS}{bolt.pk}/",
        f"{LISTS}{current.pk}/",
        f"{PRODUCTS}new/",
    ):
        assert rep.get(url).status_code == 403, url
    assert Client().get(PRODUCTS).status_code == 302  # to the sign-in page


def test_unknown_and_malformed_ids_answer_not_found(admin, logged_in):
    client = logged_in(admin)
    for url in (
        f"{PRODUCTS}abc/",
        f"{PRODUCTS}999999/",
        f"{PRODUCTS}99999999999999999999999/",
        f"{PRODUCTS}-1/",
        f"{GROUPS}999999/delete/",
        f"{TAXES}1.5/",
        f"{LISTS}999999/",
        f"{LISTS}999999/prices/",
        f"{LISTS}x/prices/1/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


# --- the new services ----------------------------------------------------------------------


def test_the_catalogue_services_check_rights_and_input(admin, make_user, bolt, current):
    rep = make_user("sales-rep")
    tools = group_save(actor=admin, values={"name": "Tools"})
    with pytest.raises(PermissionDenied):
        group_delete(actor=rep, group_id=tools.pk)
    with pytest.raises(PermissionDenied):
        price_list_set_product_prices(
            actor=rep, price_list_id=current.pk, product_id=bolt.pk, tiers=[]
        )
    for product, tiers, key in (
        ("abc", [], "product"),
        (None, [], "product"),
        (bolt.pk, "1", "prices"),
        (bolt.pk, [{"unit_price": "1"}] * 51, "prices"),
        (bolt.pk, [7], "prices.0"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            price_list_set_product_prices(
                actor=admin, price_list_id=current.pk, product_id=product, tiers=tiers
            )
        assert key in caught.value.errors, (product, tiers)
    icms = tax_save(actor=admin, values={"name": "ICMS", "rate": "18"})
    product_save(actor=admin, values={"tax": icms.pk}, product_id=bolt.pk)
    with pytest.raises(Conflict):
        tax_delete(actor=admin, tax_id=icms.pk)
    assert not Price.objects.exists() and Tax.objects.count() == 1
