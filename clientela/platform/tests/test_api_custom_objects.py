"""The HTTP contract of custom objects: definitions, records, bad input, and the document."""

from __future__ import annotations

from django.test import Client

from clientela.customers.services import contact_create
from clientela.platform.models import AuditEntry, CustomObject, CustomRecord
from clientela.testing.openapi import validate_document as validate

VEHICLE = {"key": "vehicle", "label": "Vehicle", "label_plural": "Vehicles"}


def define(api, *fields):
    assert api.post("/api/v1/objects", VEHICLE).status_code == 201
    for field in fields:
        created = api.post("/api/v1/custom-fields", {"object_type": "objects.vehicle", **field})
        assert created.status_code == 201, created.content


def test_an_administrator_defines_lists_changes_and_deletes_an_object(admin_user, api_as):
    api = api_as(admin_user)

    created = api.post("/api/v1/objects", {**VEHICLE, "description": "Insured cars"})

    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("key", "record_type", "label", "records", "is_active")} == {
        "key": "vehicle",
        "record_type": "objects.vehicle",
        "label": "Vehicle",
        "records": 0,
        "is_active": True,
    }
    assert [o["key"] for o in api.get("/api/v1/objects").json()["items"]] == ["vehicle"]
    changed = api.patch("/api/v1/objects/vehicle", {"label": "Car", "description": None})
    assert (changed.status_code, changed.json()["label"]) == (200, "Car")
    assert changed.json()["description"] == "Insured cars"
    assert api.delete("/api/v1/objects/vehicle").status_code == 204
    assert api.get("/api/v1/objects/vehicle").status_code == 404
    assert not CustomObject.objects.exists()


def test_others_cannot_define_objects_and_bad_definitions_are_refused(
    admin_user, make_user, api_as
):
    rep = api_as(make_user("sales-rep"))
    api = api_as(admin_user)

    assert rep.post("/api/v1/objects", VEHICLE).status_code == 403
    assert rep.get("/api/v1/objects").status_code == 403
    bad = api.post("/api/v1/objects", {"key": "Bad Key!", "label": "X"})
    wrong = api.post("/api/v1/objects", {"key": ["vehicle"], "label": 5})
    huge = api.post("/api/v1/objects", {"key": "vehicle", "label": "x" * 81})

    assert bad.status_code == 422 and "key" in bad.json()["errors"]
    assert wrong.status_code == 422
    assert huge.status_code == 422
    assert not CustomObject.objects.exists()


def test_delete_is_refused_while_records_exist(admin_user, api_as):
    api = api_as(admin_user)
    define(api)
    api.post("/api/v1/objects/vehicle/records", {"name": "Gol"})

    refused = api.delete("/api/v1/objects/vehicle")

    assert refused.status_code == 409
    assert "still has 1 records" in refused.json()["title"]
    assert CustomObject.objects.count() == 1


def test_records_round_trip_with_their_custom_fields(admin_user, api_as):
    api = api_as(admin_user)
    define(
        api,
        {"key": "plate", "label": "Plate", "field_type": "text", "required": True},
        {"key": "value", "label": "Value", "field_type": "currency", "currency": "BRL"},
        {"key": "driver", "label": "Driver", "field_type": "lookup", "target": "customers.contact"},
    )
    contact = contact_create(actor=admin_user, values={"first_name": "Ana"})

    created = api.post(
        "/api/v1/objects/vehicle/records",
        {"name": "Gol", "custom": {"plate": "ABC1D23", "value": "45000.5", "driver": contact.pk}},
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["custom"] == {"plate": "ABC1D23", "value": "45000.5", "driver": contact.pk}
    assert (body["object"], body["name"], body["owner_id"]) == ("vehicle", "Gol", admin_user.pk)
    record_id = body["id"]
    patched = api.patch(f"/api/v1/objects/vehicle/records/{record_id}", {"custom": {"value": None}})
    assert patched.json()["custom"] == {"plate": "ABC1D23", "value": None, "driver": contact.pk}
    listed = api.get("/api/v1/objects/vehicle/records", {"q": "go", "limit": 1}).json()
    assert [r["id"] for r in listed["items"]] == [record_id]
    assert listed["next_cursor"] is None
    assert api.delete(f"/api/v1/objects/vehicle/records/{record_id}").status_code == 204
    assert not CustomRecord.objects.exists()
    actions = AuditEntry.objects.filter(object_type="objects.vehicle").order_by("seq")
    assert [e.action for e in actions] == ["create", "update", "delete"]


def test_pages_follow_the_cursor(admin_user, api_as):
    api = api_as(admin_user)
    define(api)
    for name in ("C", "A", "B"):
        api.post("/api/v1/objects/vehicle/records", {"name": name})

    first = api.get("/api/v1/objects/vehicle/records", {"limit": 2}).json()
    second = api.get(
        "/api/v1/objects/vehicle/records", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()

    assert [r["name"] for r in first["items"]] == ["A", "B"]
    assert [r["name"] for r in second["items"]] == ["C"]


def test_bad_record_input_is_refused_and_nothing_is_written(admin_user, api_as):
    api = api_as(admin_user)
    define(api, {"key": "year", "label": "Year", "field_type": "integer"})

    wrong_type = api.post(
        "/api/v1/objects/vehicle/records", {"name": "Gol", "custom": {"year": "x"}}
    )
    unknown_field = api.post(
        "/api/v1/objects/vehicle/records", {"name": "Gol", "custom": {"no": 1}}
    )
    not_object = api.post("/api/v1/objects/vehicle/records", {"name": "Gol", "custom": [1]})
    no_name = api.post("/api/v1/objects/vehicle/records", {"custom": {}})
    huge = api.post("/api/v1/objects/vehicle/records", {"name": "x" * 100_000})
    unknown_object = api.post("/api/v1/objects/nothing/records", {"name": "Gol"})

    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"] == {"custom.year": ["Enter a number."]}
    assert unknown_field.json()["errors"] == {"custom.no": ["This record type has no such field."]}
    assert not_object.status_code == 422
    assert no_name.status_code == 422
    assert huge.status_code == 422
    assert unknown_object.status_code == 404
    assert not CustomRecord.objects.exists()


def test_another_users_record_is_not_found_and_nothing_is_revealed(
    admin_user, make_user, make_team, api_as
):
    api = api_as(admin_user)
    define(api)
    hidden = api.post("/api/v1/objects/vehicle/records", {"name": "Secret"}).json()["id"]
    rep = api_as(make_user("sales-rep", teams=[make_team("North")]))
    read_only = api_as(make_user("read-only"))

    answers = [
        rep.get(f"/api/v1/objects/vehicle/records/{hidden}"),
        rep.patch(f"/api/v1/objects/vehicle/records/{hidden}", {"name": "Mine"}),
        rep.delete(f"/api/v1/objects/vehicle/records/{hidden}"),
        rep.get("/api/v1/objects/vehicle/records/999999"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    bodies = [{k: v for k, v in a.json().items() if k != "instance"} for a in answers]
    assert bodies[0] == bodies[3]
    assert rep.get("/api/v1/objects/vehicle/records").json()["items"] == []
    assert read_only.post("/api/v1/objects/vehicle/records", {"name": "X"}).status_code == 403
    assert read_only.get(f"/api/v1/objects/vehicle/records/{hidden}").status_code == 200
    assert CustomRecord.objects.get().name == "Secret"


def test_the_document_shows_each_objects_fields_to_signed_in_readers(admin_user, api_as):
    api = api_as(admin_user)
    define(
        api,
        {"key": "plate", "label": "Plate", "field_type": "text", "required": True},
        {
            "key": "kind",
            "label": "Kind",
            "field_type": "choice",
            "choices": [{"value": "car"}, {"value": "truck"}],
        },
    )

    signed_in = api.client.get("/api/openapi.json", headers=api.headers).json()
    anonymous = Client().get("/api/openapi.json").json()

    validate(signed_in)
    schemas = signed_in["components"]["schemas"]
    fields = schemas["Object_vehicle_RecordIn_Custom"]
    assert set(fields["properties"]) == {"plate", "kind"}
    assert fields["required"] == ["plate"]
    assert schemas["Object_vehicle_RecordOut_Custom"]["properties"]["kind"]["anyOf"][0] == {
        "type": "string",
        "enum": ["car", "truck"],
    }
    operation = signed_in["paths"]["/api/v1/objects/vehicle/records"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Object_vehicle_RecordIn"}
    assert "/api/v1/objects/vehicle/records" not in anonymous["paths"]
    assert "Object_vehicle_RecordIn" not in anonymous["components"]["schemas"]
