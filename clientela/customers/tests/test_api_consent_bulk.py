"""The HTTP contract for ``POST /consents/bulk``: append many consents, all or none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clientela.customers.models import Consent
from clientela.customers.services import contact_create
from clientela.customers.services.privacy import contact_anonymise
from clientela.platform.models import AuditEntry


@pytest.fixture
def manager(make_user, make_team):
    return make_user("sales-manager", teams=[make_team("Vendas SP")])


@pytest.fixture
def joana(manager):
    return contact_create(actor=manager, values={"first_name": "Joana", "email": "joana@x.dev"})


@pytest.fixture
def pedro(manager):
    return contact_create(actor=manager, values={"first_name": "Pedro"})


def consent_audits() -> int:
    return AuditEntry.objects.filter(object_type="customers.contact", action="consent").count()


def item(contact, **extra):
    return {
        "contact_id": contact.pk,
        "channel": "email",
        "purpose": "marketing",
        "status": "opt_in",
        **extra,
    }


def test_bulk_records_each_consent_on_its_contact(manager, joana, pedro, api_as):
    response = api_as(manager).post(
        "/api/v1/consents/bulk",
        {
            "items": [
                item(
                    joana,
                    source="fair",
                    proof={"form": "stand", "ip": "198.51.100.7"},
                    recorded_at="2026-01-10T12:00:00-03:00",
                ),
                item(pedro, channel="whatsapp"),
                item(joana, status="opt_out"),
            ]
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 3
    assert [(i["contact_id"], i["channel"], i["status"]) for i in body["items"]] == [
        (joana.pk, "email", "opt_in"),
        (pedro.pk, "whatsapp", "opt_in"),
        (joana.pk, "email", "opt_out"),
    ]
    assert {i["recorded_by_id"] for i in body["items"]} == {manager.pk}
    first = Consent.objects.get(pk=body["items"][0]["id"])
    assert first.recorded_at == datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    assert (first.source, first.proof) == ("fair", {"form": "stand", "ip": "198.51.100.7"})
    assert Consent.objects.count() == 3
    assert consent_audits() == 3
    latest = AuditEntry.objects.filter(object_id=str(joana.pk), action="consent").latest("id")
    assert latest.changes["consent.email.marketing"] == ["opt_in", "opt_out"]
    assert latest.channel == "api"


def test_one_bad_item_writes_nothing_and_names_each_error(manager, joana, pedro, api_as):
    response = api_as(manager).post(
        "/api/v1/consents/bulk",
        {
            "mode": "create",
            "items": [
                item(joana),
                item(pedro, proof={"colour": "blue"}),
                item(joana, proof={"ip": "not an address"}),
                item(pedro, recorded_at="2999-01-01T00:00:00Z"),
                item(pedro),
            ],
        },
    )

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body["errors"]) == {
        "items.1.proof.colour",
        "items.2.proof.ip",
        "items.3.recorded_at",
    }
    assert body["errors"]["items.2.proof.ip"] == ["Enter a valid IP address."]
    assert body["title"] == "Nothing was written: 3 of 5 items have errors."
    assert Consent.objects.count() == 0
    assert consent_audits() == 0


def test_more_than_500_items_are_refused_unread(manager, joana, api_as):
    response = api_as(manager).post("/api/v1/consents/bulk", {"items": [item(joana)] * 501})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["payload.items"]
    assert Consent.objects.count() == 0


def test_a_contact_of_another_team_is_not_found_on_its_item(
    manager, joana, api_as, make_user, make_team
):
    outsider = make_user("sales-rep", teams=[make_team("Vendas RJ")])
    theirs = contact_create(actor=outsider, values={"first_name": "Oculta"})
    before = Consent.objects.count(), consent_audits()

    response = api_as(manager).post(
        "/api/v1/consents/bulk",
        {"items": [item(joana), item(theirs), item(joana, contact_id=10**9)]},
    )

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {
        "items.1.contact_id": ["Not found."],
        "items.2.contact_id": ["Not found."],
    }
    assert (Consent.objects.count(), consent_audits()) == before


def test_an_anonymised_contact_takes_no_consent(manager, joana, pedro, api_as):
    contact_anonymise(actor=manager, contact_id=pedro.pk)

    response = api_as(manager).post("/api/v1/consents/bulk", {"items": [item(joana), item(pedro)]})

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {
        "items.1": ["This contact was anonymised; no consent can be recorded."]
    }
    assert Consent.objects.count() == 0


@pytest.mark.parametrize(
    "payload,key",
    [
        (
            {"items": [{"contact_id": "abc", "channel": "email", "purpose": "marketing"}]},
            "payload.items.0.contact_id",
        ),
        (
            {"items": [{"channel": "email", "purpose": "marketing", "status": "opt_in"}]},
            "payload.items.0.contact_id",
        ),
        ({"items": [{"contact_id": 1, "channel": "fax"}]}, "payload.items.0.channel"),
        ({"mode": "update", "items": []}, "payload.mode"),
        ({"items": "all of them"}, "payload.items"),
    ],
)
def test_wrong_types_are_refused_before_anything_is_written(manager, joana, api_as, payload, key):
    response = api_as(manager).post("/api/v1/consents/bulk", payload)

    assert response.status_code == 422, response.content
    assert key in response.json()["errors"], response.json()
    assert Consent.objects.count() == 0


def test_a_read_only_token_cannot_record_consents(manager, joana, api_as):
    response = api_as(manager, read_only=True).post(
        "/api/v1/consents/bulk", {"items": [item(joana)]}
    )

    assert response.status_code == 403
    assert Consent.objects.count() == 0
