"""The HTTP contract of custom field definitions, and the OpenAPI document that lists them."""

from __future__ import annotations

import pytest
from django.test import Client

from clientela.customers.services import contact_create
from clientela.platform.models import AuditEntry, CustomField
from clientela.testing.openapi import validate_document as validate

TIERS = [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]
TIER = {
    "object_type": "customers.contact",
    "key": "tier",
    "label": "Tier",
    "field_type": "choice",
    "choices": TIERS,
    "help_text": "How much they buy",
}


def spec(api=None) -> dict:
    """The served document, as a signed-in reader (``api``) or anyone."""
    response = (api or Client()).get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    return document


def component(document: dict, name: str) -> dict:
    return document["components"]["schemas"][name]


def test_an_administrator_adds_reads_lists_and_changes_a_field(admin_user, api_as):
    api = api_as(admin_user)

    created = api.post("/api/v1/custom-fields", TIER)

    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("key", "label", "field_type", "required", "filterable")} == {
        "key": "tier",
        "label": "Tier",
        "field_type": "choice",
        "required": False,
        "filterable": True,
    }
    assert body["choices"] == TIERS
    assert body["index_state"] == "building"
    assert body["records_with_value"] == 0
    field_id = body["id"]

    detail = api.get(f"/api/v1/custom-fields/{field_id}").json()
    assert detail["help_text"] == "How much they buy"

    api.post("/api/v1/custom-fields", {**TIER, "object_type": "customers.lead"})
    listed = api.get("/api/v1/custom-fields", {"object_type": "customers.contact"}).json()
    assert [(f["object_type"], f["key"]) for f in listed["items"]] == [
        ("customers.contact", "tier")
    ]
    assert len(api.get("/api/v1/custom-fields").json()["items"]) == 2

    changed = api.patch(
        f"/api/v1/custom-fields/{field_id}",
        {"label": "Customer tier", "min_value": None, "default": "silver", "required": None},
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["label"], changed.json()["default"]) == ("Customer tier", "silver")
    row = CustomField.objects.get(pk=field_id)
    assert (row.label, row.default, row.required) == ("Customer tier", "silver", False)
    entries = AuditEntry.objects.filter(object_type="platform.customfield").order_by("seq")
    assert [(e.action, e.channel) for e in entries][-1] == ("update", "api")


def test_lists_are_paged_with_a_cursor(admin_user, api_as):
    api = api_as(admin_user)
    for key in ("one", "two", "three"):
        api.post("/api/v1/custom-fields", {**TIER, "key": key, "field_type": "text"})

    first = api.get("/api/v1/custom-fields", {"limit": 2}).json()
    second = api.get("/api/v1/custom-fields", {"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [f["key"] for f in first["items"] + second["items"]] == ["one", "two", "three"]
    assert second["next_cursor"] is None


def test_a_rep_is_refused_and_nothing_changes(admin_user, make_user, api_as):
    row_id = api_as(admin_user).post("/api/v1/custom-fields", TIER).json()["id"]
    api = api_as(make_user("sales-rep"))

    answers = [
        api.post("/api/v1/custom-fields", {**TIER, "key": "other"}),
        api.get("/api/v1/custom-fields"),
        api.get(f"/api/v1/custom-fields/{row_id}"),
        api.patch(f"/api/v1/custom-fields/{row_id}", {"label": "Mine"}),
        api.post(f"/api/v1/custom-fields/{row_id}/change-type", {"field_type": "text"}),
        api.delete(f"/api/v1/custom-fields/{row_id}?confirm_key=tier"),
    ]

    assert [a.status_code for a in answers] == [403] * 6
    assert {a.json()["code"] for a in answers} == {"permission_denied"}
    row = CustomField.objects.get()
    assert (row.key, row.label, row.field_type) == ("tier", "Tier", "choice")


def test_a_read_only_token_cannot_add_a_field(admin_user, api_as):
    response = api_as(admin_user, read_only=True).post("/api/v1/custom-fields", TIER)

    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    assert not CustomField.objects.exists()


@pytest.mark.parametrize(
    "changes,where",
    [
        ({"key": "Tier!"}, "key"),
        ({"choices": []}, "choices"),
        ({"field_type": "nonsense"}, "field_type"),
        ({"object_type": "platform.user"}, "object_type"),
        ({"field_type": "currency", "currency": "reais"}, "currency"),
        ({"field_type": "lookup", "target": "platform.user"}, "target"),
        ({"field_type": "text", "pattern": "([a-z"}, "pattern"),
        ({"field_type": "integer", "min_value": 10, "max_value": 1}, "max_value"),
        ({"default": "platinum"}, "default"),
        ({"label": "  "}, "label"),
        ({"choices": [{"value": "a;b"}]}, "choices"),
        ({"min_value": "lots", "field_type": "integer"}, "payload.min_value"),
        ({"label": None}, "payload.label"),
    ],
)
def test_a_bad_definition_answers_422_naming_the_field(admin_user, api_as, changes, where):
    response = api_as(admin_user).post("/api/v1/custom-fields", {**TIER, **changes})

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert where in response.json()["errors"], response.json()
    assert not CustomField.objects.exists()
    assert not AuditEntry.objects.filter(object_type="platform.customfield").exists()


def test_a_key_is_taken_once_per_record_type(admin_user, api_as):
    api = api_as(admin_user)
    assert api.post("/api/v1/custom-fields", TIER).status_code == 201

    again = api.post("/api/v1/custom-fields", {**TIER, "label": "Again"})

    assert again.status_code == 422
    assert list(again.json()["errors"]) == ["key"]
    assert CustomField.objects.get().label == "Tier"


def test_an_unknown_field_is_404(admin_user, api_as):
    api = api_as(admin_user)

    assert api.get("/api/v1/custom-fields/999").status_code == 404
    assert api.patch("/api/v1/custom-fields/999", {"label": "X"}).status_code == 404
    assert api.delete("/api/v1/custom-fields/999").json()["code"] == "not_found"


def test_a_change_keeps_what_is_not_sent(admin_user, api_as):
    api = api_as(admin_user)
    budget = api.post(
        "/api/v1/custom-fields",
        {**TIER, "key": "budget", "field_type": "currency", "currency": "BRL", "max_value": 100},
    ).json()["id"]

    changed = api.patch(f"/api/v1/custom-fields/{budget}", {"label": "Budget"})
    too_low = api.patch(f"/api/v1/custom-fields/{budget}", {"min_value": "500"})

    assert changed.status_code == 200, changed.content
    assert (changed.json()["currency"], changed.json()["max_value"]) == ("BRL", "100")
    assert too_low.status_code == 422
    assert list(too_low.json()["errors"]) == ["max_value"]
    assert CustomField.objects.get().min_value is None


def test_a_lookup_field_can_be_relabelled(admin_user, api_as):
    api = api_as(admin_user)
    shop = api.post(
        "/api/v1/custom-fields",
        {**TIER, "key": "shop", "field_type": "lookup", "target": "customers.account"},
    ).json()["id"]

    changed = api.patch(f"/api/v1/custom-fields/{shop}", {"label": "Shop"})

    assert changed.status_code == 200, changed.content
    assert changed.json()["label"] == "Shop"
    assert CustomField.objects.get(pk=shop).target == "customers.account"


def test_an_option_in_use_cannot_be_dropped(admin_user, api_as):
    api = api_as(admin_user)
    row_id = api.post("/api/v1/custom-fields", TIER).json()["id"]
    contact_create(actor=admin_user, values={"first_name": "Ana", "custom": {"tier": "gold"}})

    refused = api.patch(f"/api/v1/custom-fields/{row_id}", {"choices": TIERS[1:]})

    assert refused.status_code == 409
    assert "“gold”" in refused.json()["title"]
    assert CustomField.objects.get().choices == TIERS


def test_deleting_a_field_with_values_needs_its_key(admin_user, api_as):
    api = api_as(admin_user)
    row_id = api.post("/api/v1/custom-fields", TIER).json()["id"]
    ana = contact_create(actor=admin_user, values={"first_name": "Ana", "custom": {"tier": "gold"}})
    assert api.get(f"/api/v1/custom-fields/{row_id}").json()["records_with_value"] == 1

    for wrong in ("", "?confirm_key=tie"):
        refused = api.delete(f"/api/v1/custom-fields/{row_id}{wrong}")
        assert refused.status_code == 409
        assert refused["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "conflict"
        assert "(tier)" in refused.json()["title"]
    ana.refresh_from_db()
    assert ana.custom == {"tier": "gold"}
    assert CustomField.objects.exists()

    deleted = api.delete(f"/api/v1/custom-fields/{row_id}?confirm_key=tier")

    assert deleted.status_code == 200
    assert deleted.json() == {"values_removed": 1}
    ana.refresh_from_db()
    assert not ana.custom
    assert api.get(f"/api/v1/custom-fields/{row_id}").status_code == 404


def test_a_field_without_values_is_deleted_without_its_key(admin_user, api_as):
    api = api_as(admin_user)
    row_id = api.post("/api/v1/custom-fields", TIER).json()["id"]

    assert api.delete(f"/api/v1/custom-fields/{row_id}").json() == {"values_removed": 0}
    assert not CustomField.objects.exists()


def test_changing_the_type_converts_every_value_or_refuses(admin_user, api_as):
    api = api_as(admin_user)
    row_id = api.post(
        "/api/v1/custom-fields", {**TIER, "key": "seats", "field_type": "text"}
    ).json()["id"]
    ana = contact_create(actor=admin_user, values={"first_name": "Ana", "custom": {"seats": "12"}})
    bia = contact_create(
        actor=admin_user, values={"first_name": "Bia", "custom": {"seats": "about 30"}}
    )

    refused = api.post(f"/api/v1/custom-fields/{row_id}/change-type", {"field_type": "integer"})

    assert refused.status_code == 409
    assert "about 30" in refused.json()["title"]
    assert CustomField.objects.get().field_type == "text"
    bia.refresh_from_db()
    assert bia.custom == {"seats": "about 30"}

    api.patch(f"/api/v1/contacts/{bia.pk}", {"custom": {"seats": "30"}})
    changed = api.post(
        f"/api/v1/custom-fields/{row_id}/change-type",
        {"field_type": "integer", "min_value": "1", "label": "Seats"},
    )

    assert changed.status_code == 200, changed.content
    assert (changed.json()["field_type"], changed.json()["min_value"]) == ("integer", "1")
    assert api.get(f"/api/v1/contacts/{ana.pk}").json()["custom"] == {"seats": 12}
    assert api.get(f"/api/v1/contacts/{bia.pk}").json()["custom"] == {"seats": 30}


def test_a_choice_becomes_a_multiple_choice_keeping_its_options(admin_user, api_as):
    api = api_as(admin_user)
    row_id = api.post("/api/v1/custom-fields", TIER).json()["id"]
    ana = contact_create(actor=admin_user, values={"first_name": "Ana", "custom": {"tier": "gold"}})

    changed = api.post(
        f"/api/v1/custom-fields/{row_id}/change-type", {"field_type": "multi_choice"}
    )

    assert changed.status_code == 200, changed.content
    assert changed.json()["choices"] == TIERS
    assert api.get(f"/api/v1/contacts/{ana.pk}").json()["custom"] == {"tier": ["gold"]}


def test_changing_to_an_unknown_type_is_422(admin_user, api_as):
    api = api_as(admin_user)
    row_id = api.post("/api/v1/custom-fields", TIER).json()["id"]

    response = api.post(f"/api/v1/custom-fields/{row_id}/change-type", {"field_type": "blob"})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["field_type"]


FIELDS = [
    {"key": "tier", "field_type": "choice", "choices": TIERS, "required": True},
    {"key": "topics", "field_type": "multi_choice", "choices": TIERS},
    {"key": "seats", "field_type": "integer", "min_value": 1, "max_value": 500},
    {"key": "revenue", "field_type": "decimal"},
    {"key": "budget", "field_type": "currency", "currency": "BRL", "default": "10.5"},
    {"key": "vip", "field_type": "boolean"},
    {"key": "renewal", "field_type": "date"},
    {"key": "seen", "field_type": "datetime"},
    {"key": "mail", "field_type": "email"},
    {"key": "site", "field_type": "url"},
    {"key": "mobile", "field_type": "phone"},
    {"key": "notes", "field_type": "long_text", "max_length": 2000},
    {"key": "shop", "field_type": "lookup", "target": "customers.account"},
]


def test_the_openapi_document_shows_a_new_field_at_once_and_drops_it_after_deletion(
    admin_user, api_as
):
    api = api_as(admin_user)
    before = spec(api)
    assert component(before, "ContactCustomOut")["properties"] == {}
    assert component(before, "ContactOut")["properties"]["custom"]["$ref"].endswith(
        "/ContactCustomOut"
    )

    ids = {}
    for field in FIELDS:
        response = api.post(
            "/api/v1/custom-fields",
            {"object_type": "customers.contact", "label": field["key"].title(), **field},
        )
        assert response.status_code == 201, response.content
        ids[field["key"]] = response.json()["id"]
    api.patch(f"/api/v1/custom-fields/{ids['tier']}", {"help_text": "How much they buy"})

    anonymous = spec()  # the company's own fields are not shown to anyone who asks
    assert "ContactCustomOut" not in anonymous["components"]["schemas"]
    assert "How much they buy" not in str(anonymous)  # ("tier" is a word of price tiers)
    document = spec(api)
    out = component(document, "ContactCustomOut")
    values = {key: schema["anyOf"][0] for key, schema in out["properties"].items()}
    assert values == {
        "tier": {"type": "string", "enum": ["gold", "silver"]},
        "topics": {
            "type": "array",
            "items": {"type": "string", "enum": ["gold", "silver"]},
            "uniqueItems": True,
        },
        "seats": {"type": "integer", "minimum": 1, "maximum": 500},
        "revenue": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
        "budget": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
        "vip": {"type": "boolean"},
        "renewal": {"type": "string", "format": "date"},
        "seen": {"type": "string", "format": "date-time"},
        "mail": {"type": "string", "maxLength": 255, "format": "email"},
        "site": {"type": "string", "maxLength": 255, "format": "uri"},
        "mobile": {"type": "string"},
        "notes": {"type": "string", "maxLength": 2000},
        "shop": {"type": "integer", "minimum": 1},
    }
    assert all(schema["anyOf"][1] == {"type": "null"} for schema in out["properties"].values())
    assert out["required"] == [field["key"] for field in FIELDS]
    assert out["additionalProperties"] is False
    tier = out["properties"]["tier"]
    assert (tier["title"], tier["description"]) == ("Tier", "How much they buy")
    assert "customers.account" in out["properties"]["shop"]["description"]
    assert "BRL" in out["properties"]["budget"]["description"]

    create = component(document, "ContactCustomIn")
    assert create["required"] == ["tier"]
    assert create["properties"]["tier"]["enum"] == ["gold", "silver"]  # required: no null
    assert create["properties"]["budget"]["default"] == "10.5"
    assert "required" not in component(document, "ContactCustomPatch")
    for name, ref in [
        ("ContactIn", "ContactCustomIn"),
        ("ContactPatch", "ContactCustomPatch"),
        ("ContactBulkItem", "ContactCustomPatch"),
        ("ContactDetailOut", "ContactCustomOut"),
    ]:
        custom = component(document, name)["properties"]["custom"]
        assert ref in str(custom), name
    assert component(document, "AccountCustomOut")["properties"] == {}

    api.delete(f"/api/v1/custom-fields/{ids['tier']}")
    api.delete(f"/api/v1/custom-fields/{ids['shop']}")

    after = component(spec(api), "ContactCustomOut")
    assert "tier" not in after["properties"] and "shop" not in after["properties"]
    assert "seats" in after["properties"]


def test_the_document_follows_a_type_change_and_other_record_types(admin_user, api_as):
    api = api_as(admin_user)
    for object_type in ("customers.account", "customers.lead", "activities.activity"):
        api.post(
            "/api/v1/custom-fields",
            {"object_type": object_type, "key": "code", "label": "Code", "field_type": "text"},
        )
    row_id = CustomField.objects.get(object_type="customers.lead").pk

    document = spec(api)
    for name in ("AccountCustomOut", "LeadCustomOut", "ActivityCustomOut"):
        assert component(document, name)["properties"]["code"]["anyOf"][0]["type"] == "string"
    assert "LeadCustomIn" in str(component(document, "LeadIn")["properties"]["custom"])
    assert "ActivityCustomPatch" in str(component(document, "ActivityBulkItem")["properties"])

    api.post(f"/api/v1/custom-fields/{row_id}/change-type", {"field_type": "integer"})

    code = component(spec(api), "LeadCustomOut")["properties"]["code"]
    assert code["anyOf"][0] == {"type": "integer"}
