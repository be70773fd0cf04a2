"""The HTTP contract for duplicates, scans, merges and undo, bad input and hidden records."""

from __future__ import annotations

import pytest
from django.apps import apps
from django_tasks_db.models import DBTaskResult

from clientela.customers import dedup
from clientela.customers.models import Account, Contact, DuplicateCandidate, MergeRecord

# Activities sit above customers: looked up by label, not imported (apps depend downward).
Activity = apps.get_model("activities", "Activity")


@pytest.fixture
def team(make_team):
    return make_team("Vendas MG")


@pytest.fixture
def manager(make_user, team):
    return make_user("sales-manager", teams=[team])


@pytest.fixture
def pair(manager, team):
    keep = Contact.objects.create(
        owner=manager, team=team, first_name="Ana", last_name="Souza", email="ana@acme.com"
    )
    lose = Contact.objects.create(
        owner=manager,
        team=team,
        first_name="Anna",
        last_name="Sousa",
        email="ana@acme.com",
        phone="+5531987654321",
    )
    Activity.objects.create(owner=manager, team=team, kind="call", subject="Hi", contact=lose)
    dedup.scan(dedup.CONTACT)
    return keep, lose


def test_list_duplicates_with_filters_and_pages(manager, pair, api_as):
    api = api_as(manager)
    body = api.get("/api/v1/duplicates").json()
    assert len(body["items"]) == 1
    item = body["items"][0]
    assert item["left"] == {"id": pair[0].pk, "label": "Ana Souza"}
    assert item["right"]["label"] == "Anna Sousa"
    assert item["score"] >= dedup.DEFAULT_THRESHOLD and item["status"] == "open"
    assert {"field": "email", "similarity": 1.0} in item["reasons"]
    none = api.get("/api/v1/duplicates", {"object_type": "customers.account"}).json()
    assert none["items"] == []
    assert api.get("/api/v1/duplicates", {"min_score": 0.999}).json()["items"] == []
    bad = api.get("/api/v1/duplicates", {"min_score": 7, "object_type": "customers.lead"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"min_score", "object_type"}
    assert api.get("/api/v1/duplicates", {"cursor": "garbage"}).status_code == 422


def test_dismiss_hides_the_pair_and_is_refused_for_hidden_pairs(
    manager, pair, api_as, make_user, make_team
):
    candidate = DuplicateCandidate.objects.get()
    outsider = make_user("sales-manager", teams=[make_team("Other")])
    hidden = api_as(outsider).post(f"/api/v1/duplicates/{candidate.pk}/dismiss")
    assert hidden.status_code == 404
    assert DuplicateCandidate.objects.get().status == "open"
    response = api_as(manager).post(f"/api/v1/duplicates/{candidate.pk}/dismiss")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    assert api_as(manager).get("/api/v1/duplicates").json()["items"] == []
    again = api_as(manager).post(f"/api/v1/duplicates/{candidate.pk}/dismiss")
    assert again.status_code == 404


def test_scans_are_for_managers_and_report_their_status(manager, make_user, team, api_as):
    rep = make_user("sales-rep", teams=[team])
    assert api_as(rep).post("/api/v1/duplicate-scans", {}).status_code == 403
    assert not DBTaskResult.objects.exists()
    bad = api_as(manager).post("/api/v1/duplicate-scans", {"object_type": "customers.lead"})
    assert bad.status_code == 422
    started = api_as(manager).post("/api/v1/duplicate-scans", {"object_type": "customers.contact"})
    assert started.status_code == 202
    scan = started.json()
    assert scan["status"] == "READY" and scan["results"] is None
    status = api_as(manager).get(f"/api/v1/duplicate-scans/{scan['id']}")
    assert status.status_code == 200 and status.json()["id"] == scan["id"]
    assert api_as(manager).get("/api/v1/duplicate-scans/nope").status_code == 404
    assert api_as(rep).get(f"/api/v1/duplicate-scans/{scan['id']}").status_code == 403


def test_merge_contacts_then_undo(manager, pair, api_as):
    keep, lose = pair
    api = api_as(manager)
    response = api.post(
        f"/api/v1/contacts/{keep.pk}/merge",
        {"merged_id": lose.pk, "choices": {"first_name": "merged"}},
    )
    assert response.status_code == 201
    merge = response.json()
    assert merge["survivor_id"] == keep.pk and merge["merged_id"] == lose.pk
    survivor = api.get(f"/api/v1/contacts/{keep.pk}").json()
    assert survivor["first_name"] == "Anna" and survivor["phone"] == "+5531987654321"
    assert Activity.objects.get().contact_id == keep.pk
    assert api.get(f"/api/v1/contacts/{lose.pk}").status_code == 404
    history = api.get("/api/v1/merges").json()
    assert [m["id"] for m in history["items"]] == [merge["id"]]
    undone = api.post(f"/api/v1/merges/{merge['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    assert api.get(f"/api/v1/contacts/{lose.pk}").json()["first_name"] == "Anna"
    assert api.get(f"/api/v1/contacts/{keep.pk}").json()["first_name"] == "Ana"
    assert Activity.objects.get().contact_id == lose.pk
    assert api.post(f"/api/v1/merges/{merge['id']}/undo").status_code == 409


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"merged_id": "x"}, "payload.merged_id"),
        ({"merged_id": 1, "choices": {"first_name": "both"}}, "payload.choices.first_name"),
        ({"choices": {}}, "payload.merged_id"),
    ],
)
def test_merge_rejects_malformed_payloads(manager, pair, api_as, payload, field):
    response = api_as(manager).post(f"/api/v1/contacts/{pair[0].pk}/merge", payload)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Contact.objects.count() == 2 and not MergeRecord.objects.exists()


def test_merge_refusals_change_nothing(manager, pair, api_as, make_user, make_team, team):
    keep, lose = pair
    outsider = make_user("sales-manager", teams=[make_team("Other")])
    hidden = Contact.objects.create(owner=outsider, first_name="Ana", last_name="Souza")
    api = api_as(manager)
    assert (
        api.post(f"/api/v1/contacts/{keep.pk}/merge", {"merged_id": hidden.pk}).status_code == 404
    )
    assert (
        api.post(f"/api/v1/contacts/{hidden.pk}/merge", {"merged_id": keep.pk}).status_code == 404
    )
    unknown_field = api.post(
        f"/api/v1/contacts/{keep.pk}/merge",
        {"merged_id": lose.pk, "choices": {"search_text": "merged"}},
    )
    assert unknown_field.status_code == 422
    rep = make_user("sales-rep", teams=[team])
    denied = api_as(rep).post(f"/api/v1/contacts/{keep.pk}/merge", {"merged_id": lose.pk})
    assert denied.status_code == 403
    read_only = api_as(manager, read_only=True)
    assert (
        read_only.post(f"/api/v1/contacts/{keep.pk}/merge", {"merged_id": lose.pk}).status_code
        == 403
    )
    assert Contact.objects.count() == 3 and not MergeRecord.objects.exists()
    assert api.post("/api/v1/merges/424242/undo").status_code == 404


def test_merge_accounts(manager, team, api_as):
    keep = Account.objects.create(owner=manager, team=team, name="Acme")
    lose = Account.objects.create(owner=manager, team=team, name="ACME Ltda", website="acme.com")
    api = api_as(manager)
    response = api.post(f"/api/v1/accounts/{keep.pk}/merge", {"merged_id": lose.pk})
    assert response.status_code == 201
    assert Account.objects.get(pk=keep.pk).website == "acme.com"
    assert not Account.objects.filter(pk=lose.pk).exists()
    listed = api.get("/api/v1/merges", {"object_type": "customers.account"}).json()
    assert listed["items"][0]["object_type"] == "customers.account"
