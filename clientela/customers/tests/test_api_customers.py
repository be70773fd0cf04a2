"""The HTTP contract for accounts and contacts, bad input included."""

from __future__ import annotations

import pytest

from clientela.customers.models import Account, Contact
from clientela.customers.services import account_create
from clientela.platform.models import AuditEntry


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("Vendas SP")])


def test_account_create_normalises_tax_id_and_phone(rep, api_as):
    response = api_as(rep).post(
        "/api/v1/accounts",
        {
            "name": "Padaria Estrela Ltda",
            "tax_id": "11222333000181",
            "phone": "(11) 98765-4321",
            "email": "contato@estrela.com.br",
            "website": "https://estrela.com.br",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["tax_id"] == "11.222.333/0001-81"
    assert body["phone"] == "+5511987654321"
    assert body["owner_id"] == rep.pk and body["team_id"] == rep.teams.get().pk
    entry = AuditEntry.objects.get(object_type="customers.account", object_id=str(body["id"]))
    assert entry.action == "create" and entry.channel == "api"
    assert entry.changes["name"] == [None, "Padaria Estrela Ltda"]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": ""}, "name"),
        ({"name": "X", "tax_id": "11.222.333/0001-82"}, "tax_id"),
        ({"name": "X", "phone": "12"}, "phone"),
        ({"name": "X", "email": "not-an-address"}, "email"),
        ({"name": "X", "website": "javascript:alert(1)"}, "website"),
        ({"name": "X", "country": "Brazil"}, "country"),
        ({"name": "X" * 201}, "name"),
        ({"name": ["a", "list"]}, "name"),
        ({"name": "X", "owner_id": "abc"}, "owner_id"),
    ],
)
def test_account_create_refuses_bad_input_and_writes_nothing(rep, api_as, payload, field):
    response = api_as(rep).post("/api/v1/accounts", payload)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert any(field in key for key in response.json()["errors"]), response.json()
    assert Account.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="customers.account").exists()


def test_foreign_tax_ids_are_free_form(rep, api_as):
    response = api_as(rep).post(
        "/api/v1/accounts",
        {
            "name": "Acme Ltd",
            "country": "GB",
            "tax_id": "GB 123 4567 89",
            "phone": "+44 20 7946 0018",
        },
    )
    assert response.status_code == 201
    assert response.json()["tax_id"] == "GB 123 4567 89"
    assert response.json()["phone"] == "+442079460018"


def test_huge_payload_is_refused(rep, api_as):
    response = api_as(rep).post("/api/v1/accounts", {"name": "X", "website": "a" * 6_000_000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Account.objects.count() == 0


def test_account_list_search_and_cursor_pages(rep, api_as):
    for name in ("Alfa", "Beta", "Gama", "Delta", "Epsilon"):
        account_create(actor=rep, values={"name": name})
    api = api_as(rep)
    first = api.get("/api/v1/accounts", {"limit": 2}).json()
    second = api.get("/api/v1/accounts", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = api.get("/api/v1/accounts", {"limit": 2, "cursor": second["next_cursor"]}).json()
    names = [a["name"] for page in (first, second, third) for a in page["items"]]
    assert names == ["Alfa", "Beta", "Delta", "Epsilon", "Gama"]
    assert third["next_cursor"] is None
    assert [a["name"] for a in api.get("/api/v1/accounts", {"q": "lta"}).json()["items"]] == [
        "Delta"
    ]


def test_account_update_records_the_diff(rep, api_as):
    account = account_create(actor=rep, values={"name": "Old name"})
    api = api_as(rep)
    response = api.patch(f"/api/v1/accounts/{account.pk}", {"name": "New name"})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(object_type="customers.account").latest("seq")
    assert entry.action == "update"
    assert entry.changes == {"name": ["Old name", "New name"]}
    assert api.get(f"/api/v1/accounts/{account.pk}").json()["name"] == "New name"


def test_contact_crud(rep, api_as):
    api = api_as(rep)
    account = account_create(actor=rep, values={"name": "Casa Azul"})
    created = api.post(
        "/api/v1/contacts",
        {
            "first_name": "João",
            "last_name": "Silva",
            "email": "joao@casaazul.com.br",
            "phone": "21 99876-5432",
            "tax_id": "529.982.247-25",
            "account_id": account.pk,
        },
    )
    assert created.status_code == 201, created.content
    contact_id = created.json()["id"]
    assert created.json()["phone"] == "+5521998765432"
    assert api.get(f"/api/v1/contacts/{contact_id}").json()["account_id"] == account.pk
    assert [c["first_name"] for c in api.get("/api/v1/contacts").json()["items"]] == ["João"]
    patched = api.patch(f"/api/v1/contacts/{contact_id}", {"job_title": "Diretor"})
    assert patched.json()["job_title"] == "Diretor"
    assert api.delete(f"/api/v1/contacts/{contact_id}").status_code == 403  # reps do not delete
    assert Contact.objects.filter(pk=contact_id).exists()


def test_contact_delete_by_manager(make_user, make_team, api_as):
    team = make_team("Vendas")
    manager = make_user("sales-manager", teams=[team])
    api = api_as(manager)
    contact_id = api.post("/api/v1/contacts", {"first_name": "Ana"}).json()["id"]
    assert api.delete(f"/api/v1/contacts/{contact_id}").status_code == 204
    assert not Contact.objects.filter(pk=contact_id).exists()
    entry = AuditEntry.objects.filter(object_type="customers.contact").latest("seq")
    assert entry.action == "delete" and entry.changes["first_name"] == ["Ana", None]


def test_contact_cannot_point_to_an_account_the_actor_cannot_see(rep, make_user, make_team, api_as):
    stranger = make_user("sales-rep", teams=[make_team("Other")])
    hidden = account_create(actor=stranger, values={"name": "Hidden"})
    response = api_as(rep).post("/api/v1/contacts", {"first_name": "Eve", "account_id": hidden.pk})
    assert response.status_code == 422
    assert "account" in response.json()["errors"]
    assert Contact.objects.count() == 0


def test_contact_cpf_must_be_valid(rep, api_as):
    response = api_as(rep).post("/api/v1/contacts", {"first_name": "A", "tax_id": "111.111.111-11"})
    assert response.status_code == 422 and "tax_id" in response.json()["errors"]
