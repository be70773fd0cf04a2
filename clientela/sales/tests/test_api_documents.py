"""The sales API's catalogue, rates and deal lines: products, groups, taxes and price lists with
their tiers (configuration that reps read), the price that applies, exchange rates entered or
imported all or none, and a deal's lines; refusals are problem+json that write nothing.
Answers are checked against the OpenAPI document the API serves."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator

from clientela.conftest import ApiClient
from clientela.platform.models import AuditEntry
from clientela.sales.models import (
    ExchangeRate,
    OpportunityLine,
    Price,
    PriceList,
    Product,
    ProductGroup,
    SalesOrder,
    Tax,
)
from clientela.sales.services import opportunity_create

PRODUCTS = "/api/v1/products"
SCHEMA_REF = r"#/components/schemas/([A-Za-z0-9_]+)"
OURS = ("/api/v1/product", "/api/v1/tax", "/api/v1/price-lists", "/api/v1/exchange-rates")
OURS += ("/api/v1/quotes", "/api/v1/orders", "/api/v1/forecast", "/api/v1/sales-metrics")


class Api(ApiClient):
    """The shared client, with PUT: a deal's lines are replaced whole."""

    def __init__(self, client: ApiClient) -> None:
        self.client, self.headers = client.client, client.headers

    def put(self, path: str, data: Any = None) -> Any:
        return self._call("put", path, data if data is not None else {})


@pytest.fixture
def api_as(api_as):
    """The conftest's ``api_as``, answering clients that also PUT."""

    def make(user, *, read_only: bool = False) -> Api:
        return Api(api_as(user, read_only=read_only))

    return make


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def rep(make_user, north):
    return make_user("sales-rep", teams=[north])


@pytest.fixture
def stranger(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("South")])


@pytest.fixture
def admin(admin_user, api_as):
    return api_as(admin_user)


@pytest.fixture
def bolt(admin):
    """A product with its 5% tax, priced in BRL from 10.00 down to 8.00 by volume."""
    tax = admin.post("/api/v1/taxes", {"name": "ISS", "rate": "5"}).json()
    made = admin.post("/api/v1/products", {"sku": "B-1", "name": "Bolt", "tax_id": tax["id"]})
    product = made.json()
    tiers = [(1, "10.00"), (10, "9.00"), (100, "8.00")]
    admin.post(
        "/api/v1/price-lists",
        {
            "name": "2026",
            "currency": "BRL",
            "valid_from": "2026-01-01",
            "prices": [
                {"product": product["id"], "min_quantity": q, "unit_price": p} for q, p in tiers
            ],
        },
    )
    return product


def conforms(api, response, path: str, method: str = "get", status: int | None = None) -> Any:
    """The answer's body, checked against the schema the document gives for its status."""
    assert response.status_code == (status or response.status_code), response.content
    spec = api.get("/api/openapi.json").json()
    answer = spec["paths"][path][method]["responses"][str(response.status_code)]
    schema = answer["content"]["application/json"]["schema"]
    body = response.json()
    Draft202012Validator({**schema, "components": spec["components"]}).validate(body)
    return body


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def refused(response, status: int = 422) -> dict[str, list[str]]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json().get("errors", {})


def counts() -> tuple[int, ...]:
    tables = (Product, ProductGroup, Tax, PriceList, Price, ExchangeRate, OpportunityLine)
    return (*(t.objects.count() for t in tables), AuditEntry.objects.count())


# --- products, groups, taxes ---------------------------------------------------------------


def test_products_are_created_listed_filtered_changed_and_deleted(admin, rep, api_as):
    tools = admin.post("/api/v1/product-groups", {"name": "Tools"})
    tax = admin.post("/api/v1/taxes", {"name": "ICMS", "rate": 18, "inclusive": True})
    assert conforms(admin, tools, "/api/v1/product-groups", "post", 201)["active"] is True
    tax = conforms(admin, tax, "/api/v1/taxes", "post", 201)
    assert (tax["rate"], tax["inclusive"]) == ("18.0000", True)

    created = admin.post(
        "/api/v1/products",
        {"sku": " H-1 ", "name": "Hammer", "unit": "un", "group_id": tools.json()["id"]},
    )
    body = conforms(admin, created, PRODUCTS, "post", 201)
    assert (body["sku"], body["name"], body["group_id"], body["tax_id"]) == (
        "H-1",
        "Hammer",
        tools.json()["id"],
        None,
    )
    nut = admin.post("/api/v1/products", {"sku": "N-1", "name": "Nut", "active": False}).json()
    admin.post("/api/v1/products", {"sku": "A-9", "name": "Anchor bolt", "tax_id": tax["id"]})
    api = api_as(rep)  # a rep reads the catalogue to build lines

    assert names(api.get("/api/v1/products")) == ["Anchor bolt", "Hammer", "Nut"]
    assert names(api.get("/api/v1/products", {"q": "n-1"})) == ["Nut"]
    assert names(api.get("/api/v1/products", {"q": "BOLT"})) == ["Anchor bolt"]
    assert names(api.get("/api/v1/products", {"group": tools.json()["id"]})) == ["Hammer"]
    assert names(api.get("/api/v1/products", {"active": "false"})) == ["Nut"]
    first = conforms(api, api.get("/api/v1/products", {"limit": 2}), PRODUCTS)
    rest = api.get("/api/v1/products", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [p["name"] for p in first["items"] + rest["items"]] == ["Anchor bolt", "Hammer", "Nut"]
    assert rest["next_cursor"] is None
    fetched = api.get(f"/api/v1/products/{body['id']}")
    assert conforms(api, fetched, "/api/v1/products/{product_id}") == body

    changed = admin.patch(
        f"/api/v1/products/{body['id']}", {"name": "Claw hammer", "group_id": None}
    )

    after = conforms(admin, changed, "/api/v1/products/{product_id}", "patch", 200)
    assert (after["name"], after["sku"], after["group_id"]) == ("Claw hammer", "H-1", None)
    deleted = admin.delete(f"/api/v1/products/{nut['id']}")
    assert deleted.status_code == 204
    assert admin.get(f"/api/v1/products/{nut['id']}").status_code == 404
    assert admin.delete(f"/api/v1/products/{nut['id']}").status_code == 404
    assert api.get(f"/api/v1/products/{2**70}").status_code == 404


def test_groups_and_taxes_are_listed_and_changed(admin, rep, api_as):
    old = admin.post("/api/v1/product-groups", {"name": "Old", "active": False}).json()
    admin.post("/api/v1/product-groups", {"name": "Services"})
    vat = admin.post("/api/v1/taxes", {"name": "VAT", "rate": "7.5"}).json()
    api = api_as(rep)

    assert names(api.get("/api/v1/product-groups")) == ["Old", "Services"]
    assert names(api.get("/api/v1/product-groups", {"active": True})) == ["Services"]
    group = admin.patch(f"/api/v1/product-groups/{old['id']}", {"name": "Legacy", "active": True})
    assert conforms(admin, group, "/api/v1/product-groups/{group_id}", "patch", 200) == {
        "id": old["id"],
        "name": "Legacy",
        "active": True,
    }
    tax = admin.patch(f"/api/v1/taxes/{vat['id']}", {"rate": 12.345, "inclusive": True})
    assert conforms(admin, tax, "/api/v1/taxes/{tax_id}", "patch", 200)["rate"] == "12.3450"
    listed = conforms(api, api.get("/api/v1/taxes"), "/api/v1/taxes")["items"]
    assert [(t["name"], t["rate"], t["inclusive"]) for t in listed] == [("VAT", "12.3450", True)]
    assert names(api.get("/api/v1/taxes", {"active": False})) == []


def test_the_catalogue_is_configuration_that_reps_only_read(admin, rep, make_user, api_as, bolt):
    mine, agent = api_as(rep), api_as(make_user("service-agent"))
    manager = api_as(make_user("sales-manager"))
    before = counts()

    writes = [
        mine.post("/api/v1/products", {"sku": "X", "name": "X"}),
        mine.patch(f"/api/v1/products/{bolt['id']}", {"name": "Mine"}),
        mine.delete(f"/api/v1/products/{bolt['id']}"),
        mine.post("/api/v1/product-groups", {"name": "X"}),
        mine.post("/api/v1/taxes", {"name": "X", "rate": 1}),
        mine.post("/api/v1/price-lists", {"name": "X"}),
        mine.post(
            "/api/v1/exchange-rates",
            {"items": [{"currency": "USD", "day": "2026-01-01", "rate": 5}]},
        ),
        manager.post("/api/v1/products", {"sku": "X", "name": "X"}),  # reads, does not configure
    ]
    reads = [agent.get(p) for p in ("/api/v1/products", "/api/v1/taxes", "/api/v1/price-lists")]

    assert [w.status_code for w in writes] == [403] * 8
    assert {w.json()["code"] for w in writes} == {"permission_denied"}
    assert [r.status_code for r in reads] == [403, 403, 403]
    assert agent.get(f"/api/v1/products/{bolt['id']}").status_code == 403
    assert manager.get(f"/api/v1/products/{bolt['id']}").json()["name"] == "Bolt"
    assert counts() == before


def test_a_product_on_a_deal_cannot_be_deleted(admin, admin_user, bolt):
    deal = opportunity_create(actor=admin_user, values={"name": "Frota"})
    admin.put(f"/api/v1/opportunities/{deal.pk}/lines", {"lines": [{"product": bolt["id"]}]})
    before = counts()

    answer = admin.delete(f"/api/v1/products/{bolt['id']}")

    refused(answer, 409)
    assert answer.json()["title"] == "Deals use this product; make it inactive instead."
    assert counts() == before


def test_bad_catalogue_input_is_problem_json_and_writes_nothing(admin, bolt):
    before = counts()
    payloads = [
        ("/api/v1/products", {"sku": "X"}),  # no name
        ("/api/v1/products", {"sku": " ", "name": "X"}),
        ("/api/v1/products", {"sku": "X", "name": "X", "group_id": 2**70}),
        ("/api/v1/products", {"sku": "X", "name": "X", "active": "maybe"}),
        ("/api/v1/products", {"sku": ["X"], "name": "X"}),
        ("/api/v1/products", {"sku": "X", "name": "X", "description": "a" * 5001}),
        ("/api/v1/taxes", {"name": "T"}),  # no rate
        ("/api/v1/taxes", {"name": "T", "rate": True}),
        ("/api/v1/price-lists", {"name": "L", "currency": "REAIS"}),
        ("/api/v1/price-lists", {"name": "L", "valid_from": "2026-02-30"}),
        ("/api/v1/price-lists", {"name": "L", "prices": [{"product": bolt["id"]}]}),
        ("/api/v1/price-lists", {"name": "L", "prices": "all"}),
    ]
    for path, payload in payloads:
        assert refused(admin.post(path, payload)), payload
    patches = [{"name": None}, {"sku": None}, {"name": ""}, {"tax_id": "ISS"}]
    for payload in patches:
        assert refused(admin.patch(f"/api/v1/products/{bolt['id']}", payload)), payload

    by_service = [
        (admin.post("/api/v1/products", {"sku": "b-1", "name": "Copy"}), {"sku"}),
        (admin.post("/api/v1/products", {"sku": "X", "name": "X", "tax_id": 2**40}), {"tax"}),
        (admin.post("/api/v1/taxes", {"name": "ISS", "rate": 1}), {"name"}),
        (admin.post("/api/v1/taxes", {"name": "T", "rate": "140"}), {"rate"}),
    ]
    tiers = admin.post(
        "/api/v1/price-lists",
        {
            "name": "Bad",
            "currency": "XYZ",
            "valid_from": "2026-02-01",
            "valid_to": "2026-01-01",
            "prices": [
                {"product": bolt["id"], "unit_price": "1"},
                {"product": bolt["id"], "unit_price": "2"},
                {"product": 2**40, "min_quantity": "0", "unit_price": "-1"},
            ],
        },
    )
    huge = admin.post("/api/v1/products", {"sku": "X", "name": "X", "description": "a" * 6_000_000})

    for answer, keys in by_service:
        assert set(refused(answer)) == keys
    assert set(refused(tiers)) == {
        "currency",
        "valid_to",
        "prices.1",
        "prices.2.product",
        "prices.2.min_quantity",
        "prices.2.unit_price",
    }
    assert refused(tiers)["currency"] == ["Enter a currency code such as BRL, USD or EUR."]
    assert (huge.status_code, huge.json()["code"]) == (413, "too_large")
    assert counts() == before
    assert Product.objects.get(pk=bolt["id"]).name == "Bolt"


# --- price lists ---------------------------------------------------------------------------


def test_price_lists_with_tiers_and_the_price_that_applies(admin, rep, api_as, bolt):
    api = api_as(rep)
    lists = "/api/v1/price-lists"
    usd = admin.post(
        "/api/v1/price-lists",
        {
            "name": "Export",
            "currency": "usd",
            "valid_to": "2026-12-31",
            "prices": [{"product": bolt["id"], "unit_price": 2.5}],
        },
    )
    body = conforms(admin, usd, lists, "post", 201)
    assert (body["currency"], body["valid_from"], body["valid_to"]) == ("USD", None, "2026-12-31")
    assert body["prices"] == [
        {"product_id": bolt["id"], "min_quantity": "1.000", "unit_price": "2.5000"}
    ]
    listed = conforms(api, api.get("/api/v1/price-lists"), lists)["items"]
    assert [(p["name"], p["currency"]) for p in listed] == [("2026", "BRL"), ("Export", "USD")]
    assert names(api.get("/api/v1/price-lists", {"currency": "brl"})) == ["2026"]
    brl = listed[0]
    detail = api.get(f"/api/v1/price-lists/{brl['id']}")
    tiers = conforms(api, detail, "/api/v1/price-lists/{price_list_id}")["prices"]
    assert [(t["min_quantity"], t["unit_price"]) for t in tiers] == [
        ("1.000", "10.0000"),
        ("10.000", "9.0000"),
        ("100.000", "8.0000"),
    ]

    def price(**params: Any) -> Any:
        return api.get("/api/v1/price-lists/price", {"product": bolt["id"], **params})

    found = conforms(api, price(quantity=12, on="2026-06-01"), f"{lists}/price")
    assert found == {
        "price_list_id": brl["id"],
        "price_list_name": "2026",
        "product_id": bolt["id"],
        "currency": "BRL",
        "quantity": "12.000",
        "on": "2026-06-01",
        "unit_price": "9.0000",
    }
    assert price(quantity="100", on="2026-06-01").json()["unit_price"] == "8.0000"
    assert price(currency="USD", on="2026-06-01").json()["unit_price"] == "2.5000"
    assert price(on="2026-06-01").json()["quantity"] == "1.000"
    for missing in (
        price(on="2025-12-31"),  # before the BRL list starts
        price(currency="USD", on="2027-01-01"),  # after the USD list ends
        price(quantity="0.5", on="2026-06-01"),  # below the first tier
        price(currency="EUR"),
        api.get("/api/v1/price-lists/price", {"product": 2**40}),
    ):
        refused(missing, 404)
    for bad in ({"quantity": "lots"}, {"quantity": "-1"}, {"on": "2026-13-01"}, {"currency": "R$"}):
        refused(price(**bad))

    changed = admin.patch(
        f"/api/v1/price-lists/{brl['id']}",
        {"name": "2026 BRL", "prices": [{"product": bolt["id"], "unit_price": "11"}]},
    )
    after = conforms(admin, changed, "/api/v1/price-lists/{price_list_id}", "patch", 200)
    assert (after["name"], [t["unit_price"] for t in after["prices"]]) == ("2026 BRL", ["11.0000"])
    kept = admin.patch(f"/api/v1/price-lists/{brl['id']}", {"active": False}).json()
    assert [t["unit_price"] for t in kept["prices"]] == ["11.0000"]  # tiers kept when not sent
    refused(price(on="2026-06-01"), 404)  # an inactive list prices nothing
    assert admin.delete(f"/api/v1/price-lists/{body['id']}").status_code == 204
    assert api.get(f"/api/v1/price-lists/{body['id']}").status_code == 404
    assert Price.objects.filter(price_list_id=body["id"]).count() == 0


# --- exchange rates ------------------------------------------------------------------------


def csv_file(content: bytes, name: str = "rates.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def upload(api, content: bytes, name: str = "rates.csv") -> Any:
    return api.client.post(
        "/api/v1/exchange-rates/import", {"file": csv_file(content, name)}, headers=api.headers
    )


def test_rates_are_entered_and_imported_all_or_none(admin, rep, api_as):
    entered = admin.post(
        "/api/v1/exchange-rates",
        {
            "items": [
                {"currency": "usd", "day": "2026-01-01", "rate": "5.10"},
                {"currency": "EUR", "day": "2026-01-01", "rate": 6.000001},
            ]
        },
    )
    assert conforms(admin, entered, "/api/v1/exchange-rates", "post", 200) == {"written": 2}
    imported = upload(admin, b"moeda;dia;taxa\nUSD;2026-01-01;5,25\nUSD;2026-02-01;5.3\n")
    assert (imported.status_code, imported.json()) == (200, {"written": 2})

    mine = api_as(rep)
    listed = conforms(admin, mine.get("/api/v1/exchange-rates"), "/api/v1/exchange-rates")["items"]
    assert [(r["currency"], r["day"], r["rate"]) for r in listed] == [
        ("EUR", "2026-01-01", "6.00000100"),
        ("USD", "2026-02-01", "5.30000000"),
        ("USD", "2026-01-01", "5.25000000"),  # replaced by the import
    ]
    usd = admin.get("/api/v1/exchange-rates", {"currency": "usd", "limit": 1}).json()
    assert [r["day"] for r in usd["items"]] == ["2026-02-01"]
    following = admin.get(
        "/api/v1/exchange-rates", {"currency": "USD", "limit": 1, "cursor": usd["next_cursor"]}
    )
    assert [r["day"] for r in following.json()["items"]] == ["2026-01-01"]
    before = counts()

    mixed = admin.post(
        "/api/v1/exchange-rates",
        {
            "items": [
                {"currency": "GBP", "day": "2026-01-01", "rate": "7"},
                {"currency": "BRL", "day": "2026-01-01", "rate": "1"},  # the company's own
                {"currency": "XYZ", "day": "2026-01-01", "rate": "0"},
            ]
        },
    )
    assert set(refused(mixed)) == {"items.1.currency", "items.2.currency", "items.2.rate"}
    for bad in (
        {"items": []},
        {"items": [{"currency": "USD", "day": "2026-02-30", "rate": 1}]},
        {"items": [{"currency": "USD", "day": "2026-01-01", "rate": False}]},
        {"items": [{"currency": "USD", "day": "2026-01-01", "rate": 1}] * 10_001},
    ):
        refused(admin.post("/api/v1/exchange-rates", bad))
    assert set(refused(upload(admin, b"GBP;2026-01-01;7\nUSD;01/02/2026;5\n"))) == {"items.1.day"}
    assert refused(upload(admin, b"x" * (1024 * 1024 + 1))) == {
        "file": ["The file is larger than 1 MiB."]
    }
    assert list(refused(upload(admin, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "rates.png"))) == [
        "file"
    ]
    assert list(refused(upload(admin, b"\n\n"))) == ["file"]
    assert refused(upload(mine, b"GBP;2026-01-01;7\n"), 403) == {}
    assert counts() == before


# --- a deal's lines ------------------------------------------------------------------------


def test_a_deals_lines_are_replaced_priced_and_summed(admin, rep, api_as, bolt):
    deal = opportunity_create(actor=rep, values={"name": "Parafusos"})
    api = api_as(rep)
    path = "/api/v1/opportunities/{opportunity_id}/lines"

    written = api.put(
        f"/api/v1/opportunities/{deal.pk}/lines",
        {
            "lines": [
                {"product": bolt["id"], "quantity": "12"},  # the 10+ tier, the product's 5%
                {"description": "Installation", "quantity": 2, "unit_price": "150", "tax": None},
                {"product": bolt["id"], "unit_price": 11, "discount_percent": "50"},
            ]
        },
    )

    body = conforms(api, written, path, "put", 200)
    assert [
        (
            line["description"],
            line["quantity"],
            line["unit_price"],
            line["tax_rate"],
            line["net_amount"],
            line["tax_amount"],
            line["total_amount"],
        )
        for line in body["lines"]
    ] == [
        ("Bolt", "12.000", "9.0000", "5.0000", "108.00", "5.40", "113.40"),
        ("Installation", "2.000", "150.0000", "0.0000", "300.00", "0.00", "300.00"),
        ("Bolt", "1.000", "11.0000", "5.0000", "5.50", "0.28", "5.78"),
    ]
    assert [line["position"] for line in body["lines"]] == [0, 1, 2]
    assert (body["net_amount"], body["tax_amount"], body["total_amount"]) == (
        "413.50",
        "5.68",
        "419.18",
    )
    assert api.get(f"/api/v1/opportunities/{deal.pk}/lines").json() == body
    assert api.get(f"/api/v1/opportunities/{deal.pk}").json()["amount"] == "413.50"
    emptied = api.put(f"/api/v1/opportunities/{deal.pk}/lines", {"lines": []}).json()
    assert (emptied["lines"], emptied["net_amount"]) == ([], "0.00")
    assert api.get(f"/api/v1/opportunities/{deal.pk}").json()["amount"] == "0.00"


def test_bad_lines_are_refused_by_position_and_nothing_changes(rep, stranger, api_as, bolt):
    deal = opportunity_create(actor=rep, values={"name": "Frota", "currency": "USD"})
    theirs = opportunity_create(actor=stranger, values={"name": "Deles"})
    api, read_only = api_as(rep), api_as(rep, read_only=True)
    path = f"/api/v1/opportunities/{deal.pk}/lines"
    api.put(path, {"lines": [{"description": "Setup", "unit_price": "100"}]})
    before = counts()

    errors = refused(
        api.put(
            path,
            {
                "lines": [
                    {"product": bolt["id"]},  # no USD list: a price is needed
                    {"description": " ", "unit_price": "1"},
                    {"description": "x", "quantity": "-1", "unit_price": "abc"},
                    {"product": 2**40, "description": "z", "unit_price": 1, "tax": 2**40},
                    {"description": "y", "unit_price": 1, "discount_percent": 101},
                ]
            },
        )
    )
    assert set(errors) == {
        "lines.0.unit_price",
        "lines.1.description",
        "lines.2.quantity",
        "lines.2.unit_price",
        "lines.3.product",
        "lines.3.tax",
        "lines.4.discount_percent",
    }
    assert errors["lines.0.unit_price"] == [
        "No price list in USD has this product: enter its price."
    ]
    typed = refused(api.put(path, {"lines": [{"description": "x", "quantity": True}]}))
    assert list(typed) == ["payload.lines.0.quantity"]
    refused(api.put(path, {"lines": [{"description": "x", "unit_price": 1}] * 201}))
    refused(api.put(path, {"lines": "all"}))
    refused(api.put(path, {"lines": [{"description": "x" * 301, "unit_price": 1}]}))
    their_path = f"/api/v1/opportunities/{theirs.pk}/lines"
    for answer in (api.get(their_path), api.put(their_path, {"lines": []})):
        refused(answer, 404)
    assert refused(read_only.put(path, {"lines": []}), 403) == {}
    assert counts() == before
    assert [line["description"] for line in api.get(path).json()["lines"]] == ["Setup"]


# --- the document --------------------------------------------------------------------------


def test_every_field_and_parameter_is_described_in_the_document(api_as, rep):
    spec = api_as(rep).get("/api/openapi.json").json()
    undescribed: list[str] = []
    seen: set[str] = set()
    for path, operations in spec["paths"].items():
        if not path.startswith(OURS) and not path.endswith(("/lines", "/quotes")):
            continue
        for method, operation in operations.items():
            undescribed += [
                f"{method} {path} ?{p['name']}"
                for p in operation.get("parameters", [])
                if p["in"] == "query" and not p.get("description")
            ]
            seen |= set(re.findall(SCHEMA_REF, json.dumps(operation)))
    ours: set[str] = set()
    while seen - ours:  # the schemas the operations name, and those these name in turn
        name = (seen - ours).pop()
        ours.add(name)
        seen |= set(re.findall(SCHEMA_REF, json.dumps(spec["components"]["schemas"][name])))
    for name in ours:
        undescribed += [
            f"{name}.{prop}"
            for prop, value in spec["components"]["schemas"][name].get("properties", {}).items()
            if not value.get("description")
        ]
    assert len(ours) > 20
    assert not undescribed


def test_the_product_list_costs_the_same_queries_for_3_or_30_products(admin, rep, api_as):
    api = api_as(rep)
    api.get("/api/v1/products")  # the token's first use writes last_used_at

    def queries_for(n: int) -> int:
        while Product.objects.count() < n:
            made = Product.objects.count()
            admin.post("/api/v1/products", {"sku": f"S-{made}", "name": f"P{made}"})
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get("/api/v1/products", {"limit": 50}).json()["items"]) == n
        return len(captured)

    assert queries_for(3) == queries_for(30)


def test_the_order_list_costs_the_same_queries_for_3_or_30_orders(rep, north, api_as):
    deal = opportunity_create(actor=rep, values={"name": "Frota"})
    api = api_as(rep)
    api.get("/api/v1/orders")

    def queries_for(n: int) -> int:
        while (made := SalesOrder.objects.count()) < n:
            SalesOrder.objects.create(
                number=f"SO-{made}", opportunity=deal, owner=rep, team=north, currency="BRL"
            )
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get("/api/v1/orders").json()["items"]) == n
        return len(captured)

    assert queries_for(3) == queries_for(30)
