"""Custom field values through the API: accounts, contacts, leads and activities carry a
``custom`` object in and out, lists filter and sort on it, bad values are refused by key."""

from __future__ import annotations

import pytest

from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services import account_create, contact_create
from clientela.customers.services.leads import lead_create
from clientela.platform.models import AuditEntry
from clientela.platform.services.customfields import field_create, index_sync

TIERS = [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]


def make_field(actor, object_type="customers.contact", key="tier", field_type="choice", **values):
    values = {"object_type": object_type, "key": key, "label": key.title(), **values}
    if field_type in ("choice", "multi_choice"):
        values.setdefault("choices", TIERS)
    row = field_create(actor=actor, values={**values, "field_type": field_type})
    index_sync(row.pk)  # what the task worker does once the field is committed
    return row


@pytest.fixture
def rep(make_user, north):
    return make_user("sales-rep", teams=[north])


@pytest.fixture
def contact_fields(admin_user):
    make_field(admin_user)
    make_field(admin_user, key="revenue", field_type="decimal")
    make_field(admin_user, key="renewal", field_type="date")
    make_field(admin_user, key="vip", field_type="boolean")
    make_field(admin_user, key="topics", field_type="multi_choice")
    make_field(admin_user, key="seats", field_type="integer", min_value=1, max_value=500)


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["first_name"] for item in response.json()["items"]]


def test_a_contact_is_created_changed_and_read_with_its_custom_values(rep, api_as, contact_fields):
    api = api_as(rep)

    created = api.post(
        "/api/v1/contacts",
        {
            "first_name": "Ana",
            "custom": {
                "tier": "Gold",
                "revenue": "1.234,56",
                "renewal": "26/11/2026",
                "vip": True,
                "topics": ["silver", "gold"],
            },
        },
    )

    assert created.status_code == 201, created.content
    expected = {
        "tier": "gold",
        "revenue": "1234.56",
        "renewal": "2026-11-26",
        "vip": True,
        "topics": ["gold", "silver"],
        "seats": None,
    }
    assert created.json()["custom"] == expected
    contact_id = created.json()["id"]
    assert api.get(f"/api/v1/contacts/{contact_id}").json()["custom"] == expected

    changed = api.patch(
        f"/api/v1/contacts/{contact_id}", {"custom": {"seats": 12, "revenue": None}}
    )

    assert changed.status_code == 200, changed.content
    assert changed.json()["custom"] == {**expected, "seats": 12, "revenue": None}
    assert Contact.objects.get().custom == {
        "tier": "gold",
        "renewal": "2026-11-26",
        "vip": True,
        "topics": ["gold", "silver"],
        "seats": 12,
    }
    entry = AuditEntry.objects.filter(object_type="customers.contact", action="update").get()
    assert entry.channel == "api"
    assert entry.changes == {"custom.revenue": [1234.56, None], "custom.seats": [None, 12]}

    other = api.patch(f"/api/v1/contacts/{contact_id}", {"job_title": "Buyer"})
    assert other.json()["custom"]["seats"] == 12


def test_lists_answer_custom_values_and_filter_and_sort_on_them(rep, api_as, contact_fields):
    for name, tier in [("Ana", "gold"), ("Bia", "silver"), ("Caio", None), ("Duda", "gold")]:
        custom = {"tier": tier} if tier else {}
        contact_create(actor=rep, values={"first_name": name, "last_name": name, "custom": custom})
    api = api_as(rep)

    everyone = api.get("/api/v1/contacts").json()["items"]
    assert {c["first_name"]: c["custom"]["tier"] for c in everyone} == {
        "Ana": "gold",
        "Bia": "silver",
        "Caio": None,
        "Duda": "gold",
    }
    assert names(api.get("/api/v1/contacts", {"cf_tier": "gold"})) == ["Ana", "Duda"]
    assert names(api.get("/api/v1/contacts", {"sort": "-cf_tier"})) == [
        "Bia",
        "Duda",
        "Ana",
        "Caio",
    ]
    bad = api.get("/api/v1/contacts", {"cf_tier": "platinum"})
    assert bad.status_code == 422


def test_a_list_with_custom_values_reads_in_a_fixed_number_of_queries(
    admin_user, api_as, contact_fields, django_assert_max_num_queries
):
    for i in range(60):
        contact_create(
            actor=admin_user,
            values={"first_name": f"P{i}", "custom": {"tier": "gold", "seats": i + 1}},
        )
    api = api_as(admin_user)
    api.get("/api/v1/contacts")

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/contacts", {"limit": 60, "cf_tier": "gold"})

    assert sorted(c["custom"]["seats"] for c in response.json()["items"]) == list(range(1, 61))


def test_a_bad_value_answers_422_naming_the_field_and_writes_nothing(rep, api_as, contact_fields):
    api = api_as(rep)

    response = api.post(
        "/api/v1/contacts",
        {"first_name": "Ana", "custom": {"tier": "platinum", "seats": 9000, "shoe": 42}},
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert set(errors) == {"custom.tier", "custom.seats", "custom.shoe"}
    assert "500" in errors["custom.seats"][0]
    assert not Contact.objects.exists()

    ana = contact_create(actor=rep, values={"first_name": "Ana", "custom": {"seats": 3}})
    refused = api.patch(f"/api/v1/contacts/{ana.pk}", {"first_name": "Bia", "custom": "x"})
    assert refused.status_code == 422
    ana.refresh_from_db()
    assert (ana.first_name, ana.custom) == ("Ana", {"seats": 3})


def test_required_fields_and_defaults_apply_on_create(rep, admin_user, api_as):
    make_field(admin_user, key="region", field_type="text", required=True)
    make_field(admin_user, key="tier", default="silver")
    api = api_as(rep)

    missing = api.post("/api/v1/contacts", {"first_name": "Ana"})
    assert missing.status_code == 422
    assert list(missing.json()["errors"]) == ["custom.region"]

    created = api.post("/api/v1/contacts", {"first_name": "Ana", "custom": {"region": "Sul"}})
    assert created.json()["custom"] == {"region": "Sul", "tier": "silver"}
    emptied = api.patch(f"/api/v1/contacts/{created.json()['id']}", {"custom": {"region": None}})
    assert list(emptied.json()["errors"]) == ["custom.region"]


def test_a_link_to_an_account_out_of_sight_is_refused(rep, admin_user, make_user, south, api_as):
    theirs = account_create(actor=make_user("sales-rep", teams=[south]), values={"name": "Theirs"})
    mine = account_create(actor=rep, values={"name": "Mine"})
    make_field(admin_user, key="shop", field_type="lookup", target="customers.account")
    api = api_as(rep)

    refused = api.post("/api/v1/contacts", {"first_name": "Ana", "custom": {"shop": theirs.pk}})

    assert refused.status_code == 422
    assert refused.json()["errors"] == {"custom.shop": ["Unknown record."]}
    assert not Contact.objects.exists()
    linked = api.post("/api/v1/contacts", {"first_name": "Ana", "custom": {"shop": mine.pk}})
    assert linked.status_code == 201
    assert linked.json()["custom"] == {"shop": mine.pk}


def test_bulk_create_reports_each_bad_item_and_writes_nothing(rep, api_as, contact_fields):
    api = api_as(rep)
    items = [
        {"first_name": "Ana", "custom": {"tier": "gold"}},
        {"first_name": "Bia", "custom": {"tier": "platinum"}},
        {"first_name": "Caio", "custom": {"seats": "many"}},
    ]

    refused = api.post("/api/v1/contacts/bulk", {"mode": "create", "items": items})

    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"items.1.custom.tier", "items.2.custom.seats"}
    assert not Contact.objects.exists()

    items[1]["custom"]["tier"] = "silver"
    items[2]["custom"]["seats"] = "7"
    created = api.post("/api/v1/contacts/bulk", {"mode": "create", "items": items})

    assert created.status_code == 201, created.content
    assert [c["custom"]["tier"] for c in created.json()["items"]] == ["gold", "silver", None]
    assert created.json()["items"][2]["custom"]["seats"] == 7
    ids = [c["id"] for c in created.json()["items"]]
    updated = api.post(
        "/api/v1/contacts/bulk",
        {"mode": "update", "items": [{"id": ids[0], "custom": {"vip": "sim"}}]},
    )
    assert updated.json()["items"][0]["custom"]["vip"] is True
    assert updated.json()["items"][0]["custom"]["tier"] == "gold"


def test_accounts_carry_custom_values(rep, admin_user, api_as):
    make_field(admin_user, "customers.account", key="budget", field_type="currency", currency="BRL")
    api = api_as(rep)

    created = api.post("/api/v1/accounts", {"name": "Estrela", "custom": {"budget": "1500.5"}})

    assert created.status_code == 201, created.content
    assert created.json()["custom"] == {"budget": "1500.5"}
    account_id = created.json()["id"]
    assert Account.objects.get().custom == {"budget": 1500.5}
    assert api.get(f"/api/v1/accounts/{account_id}").json()["custom"] == {"budget": "1500.5"}
    listed = api.get("/api/v1/accounts", {"cf_budget_min": "1000"}).json()["items"]
    assert [a["custom"] for a in listed] == [{"budget": "1500.5"}]
    assert api.get("/api/v1/accounts", {"cf_budget_min": "2000"}).json()["items"] == []
    changed = api.patch(f"/api/v1/accounts/{account_id}", {"custom": {"budget": "abc"}})
    assert list(changed.json()["errors"]) == ["custom.budget"]
    bulk = api.post(
        "/api/v1/accounts/bulk",
        {"mode": "update", "items": [{"id": account_id, "custom": {"budget": 10}}]},
    )
    assert bulk.json()["items"][0]["custom"] == {"budget": "10"}


def test_leads_carry_custom_values_through_bulk_and_conversion(rep, admin_user, api_as):
    make_field(admin_user, "customers.lead", key="campaign", field_type="text")
    make_field(admin_user, key="tier")
    api = api_as(rep)

    created = api.post(
        "/api/v1/leads", {"first_name": "Ana", "company": "Estrela", "custom": {"campaign": "Expo"}}
    )

    assert created.status_code == 201, created.content
    assert created.json()["custom"] == {"campaign": "Expo"}
    lead_id = created.json()["id"]
    assert api.get(f"/api/v1/leads/{lead_id}").json()["custom"] == {"campaign": "Expo"}
    listed = api.get("/api/v1/leads", {"cf_campaign": "Expo"}).json()["items"]
    assert [lead["id"] for lead in listed] == [lead_id]
    patched = api.patch(f"/api/v1/leads/{lead_id}", {"custom": {"campaign": "Fair"}})
    assert patched.json()["custom"] == {"campaign": "Fair"}

    bulk = api.post(
        "/api/v1/leads/bulk",
        {"items": [{"company": "Lua", "custom": {"campaign": "Web"}}, {"company": "Sol"}]},
    )
    assert [lead["custom"]["campaign"] for lead in bulk.json()["items"]] == ["Web", None]
    bad = api.post("/api/v1/leads/bulk", {"items": [{"company": "X", "custom": {"nope": 1}}]})
    assert list(bad.json()["errors"]) == ["items.0.custom.nope"]
    assert Lead.objects.count() == 3

    converted = api.post(
        f"/api/v1/leads/{lead_id}/convert",
        {"contact": {"values": {"last_name": "Silva", "custom": {"tier": "gold"}}}},
    )

    assert converted.status_code == 200, converted.content
    assert converted.json()["lead"]["custom"] == {"campaign": "Fair"}
    contact_id = converted.json()["contact_id"]
    assert api.get(f"/api/v1/contacts/{contact_id}").json()["custom"] == {"tier": "gold"}


def test_a_lead_conversion_with_a_bad_custom_value_writes_nothing(rep, admin_user, api_as):
    make_field(admin_user, key="tier")
    lead = lead_create(actor=rep, values={"company": "Estrela", "last_name": "Silva"})

    response = api_as(rep).post(
        f"/api/v1/leads/{lead.pk}/convert",
        {"contact": {"values": {"custom": {"tier": "platinum"}}}},
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["contact.custom.tier"]
    assert Contact.objects.count() == 0 and Account.objects.count() == 0


def test_activities_carry_custom_values(rep, admin_user, api_as):
    make_field(admin_user, "activities.activity", key="mood", field_type="choice")
    make_field(admin_user, "activities.activity", key="minutes_billed", field_type="integer")
    account = account_create(actor=rep, values={"name": "Estrela"})
    api = api_as(rep)

    created = api.post(
        "/api/v1/activities",
        {"kind": "call", "subject": "Hi", "account_id": account.pk, "custom": {"mood": "gold"}},
    )

    assert created.status_code == 201, created.content
    assert created.json()["custom"] == {"mood": "gold", "minutes_billed": None}
    activity_id = created.json()["id"]
    patched = api.patch(f"/api/v1/activities/{activity_id}", {"custom": {"minutes_billed": 15}})
    assert patched.json()["custom"] == {"mood": "gold", "minutes_billed": 15}
    assert api.get(f"/api/v1/activities/{activity_id}").json()["custom"]["minutes_billed"] == 15
    listed = api.get("/api/v1/activities").json()["items"]
    assert [a["custom"] for a in listed] == [{"mood": "gold", "minutes_billed": 15}]
    done = api.post(f"/api/v1/activities/{activity_id}/complete", {"outcome": "ok"})
    assert done.json()["custom"]["mood"] == "gold"

    bulk = api.post(
        "/api/v1/activities/bulk",
        {
            "mode": "create",
            "items": [
                {"kind": "note", "subject": "A", "account_id": account.pk, "custom": {"mood": "x"}},
                {"kind": "note", "subject": "B", "account_id": account.pk},
            ],
        },
    )
    assert bulk.status_code == 422
    assert list(bulk.json()["errors"]) == ["items.0.custom.mood"]
    assert [a["id"] for a in api.get("/api/v1/activities").json()["items"]] == [activity_id]
    good = api.post(
        "/api/v1/activities/bulk",
        {"mode": "update", "items": [{"id": activity_id, "custom": {"mood": "silver"}}]},
    )
    assert good.json()["items"][0]["custom"] == {"mood": "silver", "minutes_billed": 15}
