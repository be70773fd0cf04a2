"""The HTTP contract for leads: CRUD, moves, conversion, bulk upsert, bad input."""

from __future__ import annotations

import pytest

from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services import account_create
from clientela.customers.services.leads import lead_create
from clientela.platform.models import AuditEntry


@pytest.fixture
def team(make_team):
    return make_team("Vendas SP")


@pytest.fixture
def rep(make_user, team):
    return make_user("sales-rep", teams=[team])


@pytest.fixture
def lead(rep):
    return lead_create(
        actor=rep,
        values={"first_name": "Ana", "last_name": "Souza", "company": "Padaria Estrela"},
    )


def test_create_read_patch_delete(rep, team, api_as, make_user):
    api = api_as(rep)
    response = api.post(
        "/api/v1/leads",
        {"first_name": "Caio", "company": "Oficina", "phone": "(21) 99876-5432", "rating": "hot"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["status"], body["phone"]) == ("api", "new", "+5521998765432")
    assert (body["owner_id"], body["team_id"], body["rating"]) == (rep.pk, team.pk, "hot")
    lead_id = body["id"]
    assert (
        AuditEntry.objects.get(object_id=str(lead_id), object_type="customers.lead").channel
        == "api"
    )

    response = api.get(f"/api/v1/leads/{lead_id}")
    assert response.status_code == 200 and response.json()["company"] == "Oficina"

    response = api.patch(f"/api/v1/leads/{lead_id}", {"rating": "cold", "job_title": "CEO"})
    assert response.status_code == 200
    assert (response.json()["rating"], response.json()["job_title"]) == ("cold", "CEO")
    assert response.json()["company"] == "Oficina"

    assert api.delete(f"/api/v1/leads/{lead_id}").status_code == 403  # reps do not delete
    manager = api_as(make_user("sales-manager", teams=[team]))
    assert manager.delete(f"/api/v1/leads/{lead_id}").status_code == 204
    assert not Lead.objects.filter(pk=lead_id).exists()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({}, "last_name"),
        ({"last_name": "X", "source": "fax"}, "source"),
        ({"last_name": "X", "email": "bad"}, "email"),
        ({"last_name": "X" * 101}, "last_name"),
        ({"last_name": "X", "owner_id": "abc"}, "owner_id"),
        ({"last_name": 12}, "last_name"),
    ],
)
def test_bad_lead_is_refused_with_problem_json(rep, api_as, payload, field):
    response = api_as(rep).post("/api/v1/leads", payload)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert any(field in key for key in response.json()["errors"]), response.json()
    assert not Lead.objects.exists()


def test_status_moves_and_refusals(rep, lead, api_as):
    api = api_as(rep)
    response = api.post(f"/api/v1/leads/{lead.pk}/status", {"status": "qualified"})
    assert response.status_code == 200 and response.json()["status"] == "qualified"

    response = api.post(f"/api/v1/leads/{lead.pk}/status", {"status": "disqualified"})
    assert response.status_code == 422 and "reason" in response.json()["errors"]

    response = api.post(
        f"/api/v1/leads/{lead.pk}/status", {"status": "disqualified", "reason": "no_budget"}
    )
    assert response.json()["disqualify_reason"] == "no_budget"

    response = api.post(f"/api/v1/leads/{lead.pk}/status", {"status": "qualified"})
    assert response.status_code == 409
    assert response.json()["code"] == "lead_transition_not_allowed"
    assert Lead.objects.get(pk=lead.pk).status == "disqualified"

    response = api.post(f"/api/v1/leads/{lead.pk}/status", {"status": "converted"})
    assert response.status_code == 422  # not a status one moves to by hand


def test_convert_creates_account_and_contact(rep, lead, api_as):
    response = api_as(rep).post(
        f"/api/v1/leads/{lead.pk}/convert",
        {"contact": {"values": {"email": "ana@estrela.com.br"}}},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    contact = Contact.objects.get(pk=body["contact_id"])
    assert contact.email == "ana@estrela.com.br" and contact.account_id == body["account_id"]
    assert Account.objects.get(pk=body["account_id"]).name == "Padaria Estrela"
    assert body["lead"]["status"] == "converted"
    assert body["lead"]["converted_contact_id"] == contact.pk

    again = api_as(rep).post(f"/api/v1/leads/{lead.pk}/convert", {})
    assert again.status_code == 409 and again.json()["code"] == "lead_already_converted"
    patch = api_as(rep).patch(f"/api/v1/leads/{lead.pk}", {"company": "Other"})
    assert patch.status_code == 409 and patch.json()["code"] == "lead_converted"
    notes = api_as(rep).patch(f"/api/v1/leads/{lead.pk}", {"description": "Signed."})
    assert notes.status_code == 200 and notes.json()["description"] == "Signed."


def test_convert_failure_writes_nothing(rep, lead, api_as):
    response = api_as(rep).post(
        f"/api/v1/leads/{lead.pk}/convert",
        {"contact": {"values": {"phone": "123"}}},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["contact.phone"]
    assert Account.objects.count() == 0 and Contact.objects.count() == 0
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_another_teams_lead_is_404_everywhere(lead, api_as, make_user, make_team):
    api = api_as(make_user("sales-rep", teams=[make_team("Vendas RJ")]))
    assert api.get(f"/api/v1/leads/{lead.pk}").status_code == 404
    assert api.patch(f"/api/v1/leads/{lead.pk}", {"company": "x"}).status_code == 404
    assert api.post(f"/api/v1/leads/{lead.pk}/status", {"status": "working"}).status_code == 404
    assert api.post(f"/api/v1/leads/{lead.pk}/convert", {}).status_code == 404
    assert api.get(f"/api/v1/leads/{lead.pk}/matches").status_code == 404
    assert Contact.objects.count() == 0
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_matches_list_existing_records(rep, lead, api_as):
    account = account_create(actor=rep, values={"name": "Padaria Estrela"})
    response = api_as(rep).get(f"/api/v1/leads/{lead.pk}/matches")
    assert response.status_code == 200
    assert response.json() == {
        "accounts": [{"id": account.pk, "label": "Padaria Estrela", "detail": ""}],
        "contacts": [],
    }


def test_bulk_creates_and_updates_atomically(rep, lead, api_as):
    response = api_as(rep).post(
        "/api/v1/leads/bulk",
        {
            "items": [
                {"last_name": "Lima", "email": "lima@x.com"},
                {"id": lead.pk, "rating": "hot"},
                {"company": "Lima ME", "source": "referral"},
            ]
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 1)
    assert [i["source"] for i in body["items"]] == ["api", "manual", "referral"]
    assert Lead.objects.get(pk=lead.pk).rating == "hot"
    assert Lead.objects.count() == 3


def test_bulk_with_a_bad_item_writes_nothing_and_names_each_error(
    rep, lead, api_as, make_user, make_team
):
    theirs = lead_create(
        actor=make_user("sales-rep", teams=[make_team("Vendas RJ")]), values={"last_name": "Z"}
    )
    response = api_as(rep).post(
        "/api/v1/leads/bulk",
        {
            "items": [
                {"last_name": "Good"},
                {"last_name": "Bad", "email": "nope"},
                {"id": lead.pk, "rating": "hot"},
                {"id": theirs.pk, "rating": "hot"},
                {"first_name": ""},
            ]
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "items.1.email": ["Enter a valid e-mail address."],
        "items.3.id": ["Not found."],
        "items.4.last_name": ["Enter a name, a company or an e-mail address."],
    }
    assert Lead.objects.count() == 2
    assert Lead.objects.get(pk=lead.pk).rating == ""


def test_bulk_refuses_more_than_500_items(rep, api_as):
    response = api_as(rep).post("/api/v1/leads/bulk", {"items": [{"last_name": "x"}] * 501})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["payload.items"]
    assert not Lead.objects.exists()
