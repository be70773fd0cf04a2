"""The HTTP contract for consents and data-subject requests (export, anonymise)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest

from clientela.customers.models import Consent, Contact
from clientela.customers.services import contact_create
from clientela.platform.models import AuditEntry


@pytest.fixture
def team(make_team):
    return make_team("Vendas SP")


@pytest.fixture
def manager(make_user, team):
    return make_user("sales-manager", teams=[team])


@pytest.fixture
def contact(manager):
    return contact_create(
        actor=manager,
        values={"first_name": "Joana", "last_name": "Pereira", "email": "joana@pereira.dev"},
    )


def test_record_and_read_consents(manager, contact, api_as):
    api = api_as(manager)
    response = api.post(
        f"/api/v1/contacts/{contact.pk}/consents",
        {
            "channel": "whatsapp",
            "purpose": "marketing",
            "status": "opt_in",
            "source": "landing page",
            "proof": {"form": "promo", "ip": "198.51.100.7", "text": "Quero ofertas"},
            "recorded_at": "2026-01-10T12:00:00-03:00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["status"], body["recorded_by_id"]) == (
        "whatsapp",
        "opt_in",
        manager.pk,
    )
    stored = Consent.objects.get(pk=body["id"]).recorded_at
    assert stored == datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    api.post(
        f"/api/v1/contacts/{contact.pk}/consents",
        {"channel": "whatsapp", "purpose": "marketing", "status": "opt_out"},
    )

    response = api.get(f"/api/v1/contacts/{contact.pk}/consents")
    assert response.status_code == 200
    body = response.json()
    assert body["do_not_contact"] is False
    assert len(body["current"]) == 25
    cell = next(
        c for c in body["current"] if (c["channel"], c["purpose"]) == ("whatsapp", "marketing")
    )
    assert cell == {
        "channel": "whatsapp",
        "purpose": "marketing",
        "status": "opt_out",
        "allowed": False,
    }
    service = next(c for c in body["current"] if (c["channel"], c["purpose"]) == ("sms", "service"))
    assert service == {"channel": "sms", "purpose": "service", "status": None, "allowed": True}
    assert [h["status"] for h in body["history"]] == ["opt_out", "opt_in"]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"channel": "fax", "purpose": "marketing", "status": "opt_in"}, "channel"),
        ({"channel": "email", "purpose": "marketing", "status": "yes"}, "status"),
        (
            {"channel": "email", "purpose": "marketing", "status": "opt_in", "proof": {"ip": "x"}},
            "proof.ip",
        ),
        (
            {"channel": "email", "purpose": "marketing", "status": "opt_in", "proof": {"a": "b"}},
            "proof.a",
        ),
        (
            {
                "channel": "email",
                "purpose": "marketing",
                "status": "opt_in",
                "recorded_at": "2999-01-01T00:00:00Z",
            },
            "recorded_at",
        ),
    ],
)
def test_bad_consent_is_refused(manager, contact, api_as, payload, field):
    response = api_as(manager).post(f"/api/v1/contacts/{contact.pk}/consents", payload)
    assert response.status_code == 422, response.content
    assert any(field in key for key in response.json()["errors"]), response.json()
    assert not Consent.objects.exists()


def test_consents_of_an_invisible_contact_are_404(contact, api_as, make_user, make_team):
    api = api_as(make_user("sales-manager", teams=[make_team("Vendas RJ")]))
    assert api.get(f"/api/v1/contacts/{contact.pk}/consents").status_code == 404
    response = api.post(
        f"/api/v1/contacts/{contact.pk}/consents",
        {"channel": "email", "purpose": "marketing", "status": "opt_in"},
    )
    assert response.status_code == 404
    assert api.get(f"/api/v1/contacts/{contact.pk}/personal-data").status_code == 404
    assert (
        api.post(f"/api/v1/contacts/{contact.pk}/anonymise", {"confirm": True}).status_code == 404
    )
    assert not Consent.objects.exists()
    assert Contact.objects.get(pk=contact.pk).anonymized_at is None


def test_personal_data_download_is_a_zip(manager, contact, api_as, make_user, team):
    response = api_as(manager).get(f"/api/v1/contacts/{contact.pk}/personal-data")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"personal-data-contact-{contact.pk}.zip" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read("contact.json"))
        manifest = json.loads(archive.read("manifest.json"))
    assert data["email"] == "joana@pereira.dev"
    assert "contact" in manifest["sections"]
    assert AuditEntry.objects.get(action="export").channel == "api"

    rep = api_as(make_user("sales-rep", teams=[team]))
    denied = rep.get(f"/api/v1/contacts/{contact.pk}/personal-data")
    assert denied.status_code == 403
    assert AuditEntry.objects.filter(action="export").count() == 1


def test_anonymise_needs_confirmation_and_the_delete_right(
    manager, contact, api_as, make_user, team
):
    api = api_as(manager)
    response = api.post(f"/api/v1/contacts/{contact.pk}/anonymise", {"confirm": False})
    assert response.status_code == 422 and "confirm" in response.json()["errors"]
    rep = api_as(make_user("sales-rep", teams=[team]))
    assert (
        rep.post(f"/api/v1/contacts/{contact.pk}/anonymise", {"confirm": True}).status_code == 403
    )
    assert Contact.objects.get(pk=contact.pk).anonymized_at is None

    response = api.post(f"/api/v1/contacts/{contact.pk}/anonymise", {"confirm": True})
    assert response.status_code == 200, response.content
    assert response.json()["do_not_contact"] is True
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.first_name, stored.last_name, stored.email) == ("Anonymised", "", "")

    again = api.post(f"/api/v1/contacts/{contact.pk}/anonymise", {"confirm": True})
    assert again.status_code == 409 and again.json()["code"] == "contact_already_anonymised"
    consent = api.post(
        f"/api/v1/contacts/{contact.pk}/consents",
        {"channel": "email", "purpose": "marketing", "status": "opt_in"},
    )
    assert consent.status_code == 409 and consent.json()["code"] == "contact_anonymised"
