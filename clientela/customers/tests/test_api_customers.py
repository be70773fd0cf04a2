"""The HTTP contract for accounts and contacts, bad input included."""

from __future__ import annotations

import pytest

from clientela.customers.models import Account, Contact, ContactPoint
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


def test_account_list_items_use_the_flat_shape_with_tags(rep, api_as):
    """Cursor pages, filters and search are the lists' (test_api_lists.py); this is the shape."""
    account_create(actor=rep, values={"name": "Alfa", "tags": ["VIP"], "phones": ["11 3333-4444"]})
    (item,) = api_as(rep).get("/api/v1/accounts").json()["items"]
    assert item["name"] == "Alfa" and item["tags"] == ["VIP"] and item["phone"] == "+551133334444"
    assert "phones" not in item and "addresses" not in item


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


def test_account_with_nested_points_addresses_and_tags_round_trips(rep, api_as):
    api = api_as(rep)
    parent = account_create(actor=rep, values={"name": "Grupo Estrela"})
    response = api.post(
        "/api/v1/accounts",
        {
            "name": "Estrela Campinas",
            "industry": "retail",
            "size_band": "50-249",
            "lifecycle": "customer",
            "relationship": "distributor",
            "parent_id": parent.pk,
            "external_id": "ERP-42",
            "emails": [
                {"value": "a@estrela.example"},
                {"value": "b@estrela.example", "label": "nf"},
            ],
            "phones": ["19 3232-1000"],
            "addresses": [
                {
                    "street": "Rua Barão de Jaguara, 900",
                    "city": "Campinas",
                    "state": "SP",
                    "postal_code": "13015002",
                }
            ],
            "tags": ["Rede", "VIP"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent_id"] == parent.pk and body["tags"] == ["Rede", "VIP"]
    assert body["email"] == "a@estrela.example" and body["phone"] == "+551932321000"
    assert body["emails"] == [
        {"value": "a@estrela.example", "label": "", "primary": True},
        {"value": "b@estrela.example", "label": "nf", "primary": False},
    ]
    assert body["addresses"][0]["postal_code"] == "13015-002"

    patched = api.patch(f"/api/v1/accounts/{body['id']}", {"phones": [], "tags": ["VIP"]})
    assert patched.status_code == 200
    assert patched.json()["phones"] == [] and patched.json()["phone"] == ""
    assert patched.json()["tags"] == ["VIP"]
    entry = AuditEntry.objects.filter(object_type="customers.account").latest("seq")
    assert entry.changes == {
        "phone": ["+551932321000", ""],
        "phones": [["+551932321000"], []],
        "tags": [["Rede", "VIP"], ["VIP"]],
    }


def test_account_errors_name_the_nested_field(rep, api_as):
    response = api_as(rep).post(
        "/api/v1/accounts",
        {
            "name": "X",
            "addresses": [{"city": "Recife", "state": "Pernambuco", "postal_code": "5001"}],
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"addresses.0.state", "addresses.0.postal_code"}
    assert Account.objects.count() == 0


def test_external_id_clash_answers_409(rep, api_as):
    api = api_as(rep)
    assert api.post("/api/v1/accounts", {"name": "A", "external_id": "E"}).status_code == 201
    response = api.post("/api/v1/accounts", {"name": "B", "external_id": "E"})
    assert response.status_code == 409
    assert response.json()["code"] == "external_id_taken"
    assert "external_id" in response.json()["errors"]


def test_other_users_records_are_404_and_read_only_tokens_403(rep, make_user, make_team, api_as):
    stranger = make_user("sales-rep", teams=[make_team("Outro")])
    hidden = account_create(actor=stranger, values={"name": "Hidden"})
    api = api_as(rep)
    assert api.get(f"/api/v1/accounts/{hidden.pk}").status_code == 404
    assert api.patch(f"/api/v1/accounts/{hidden.pk}", {"tags": ["mine"]}).status_code == 404
    assert not hidden.tags.exists()

    own = account_create(actor=rep, values={"name": "Own"})
    reader = api_as(rep, read_only=True)
    assert reader.get(f"/api/v1/accounts/{own.pk}").status_code == 200
    assert reader.patch(f"/api/v1/accounts/{own.pk}", {"name": "Changed"}).status_code == 403
    assert (
        reader.post(
            "/api/v1/accounts/bulk", {"mode": "create", "items": [{"name": "N"}]}
        ).status_code
        == 403
    )
    assert Account.objects.get(pk=own.pk).name == "Own"
    assert Account.objects.count() == 2


def test_contact_detail_lists_accounts_with_roles(rep, api_as):
    api = api_as(rep)
    alfa = account_create(actor=rep, values={"name": "Alfa"})
    beta = account_create(actor=rep, values={"name": "Beta"})
    response = api.post(
        "/api/v1/contacts",
        {
            "first_name": "Rita",
            "birthday": "1990-02-03",
            "gender": "female",
            "preferred_channel": "email",
            "accounts": [
                {"account_id": beta.pk, "role": "decision_maker"},
                {"account_id": alfa.pk},
            ],
            "account_id": alfa.pk,
            "phones": [{"value": "11 98765-4321", "label": "mobile"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["account_id"] == alfa.pk
    assert body["accounts"] == [
        {"account_id": alfa.pk, "account_name": "Alfa", "role": "employee", "primary": True},
        {"account_id": beta.pk, "account_name": "Beta", "role": "decision_maker", "primary": False},
    ]
    assert body["phones"] == [{"value": "+5511987654321", "label": "", "primary": True}]
    assert body["birthday"] == "1990-02-03"
    future = api.patch(f"/api/v1/contacts/{body['id']}", {"birthday": "2999-12-31"})
    assert future.status_code == 422 and "birthday" in future.json()["errors"]


def test_bulk_accounts_create_all_or_nothing(rep, api_as):
    api = api_as(rep)
    bad = api.post(
        "/api/v1/accounts/bulk",
        {
            "mode": "create",
            "items": [{"name": "Um"}, {"name": "Dois", "tax_id": "123"}, {"name": ""}],
        },
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"items.1.tax_id", "items.2.name"}
    assert Account.objects.count() == 0

    good = api.post(
        "/api/v1/accounts/bulk",
        {"mode": "create", "items": [{"name": "Um", "tags": ["lote"]}, {"name": "Dois"}]},
    )
    assert good.status_code == 201
    assert good.json()["count"] == 2
    assert [a["tags"] for a in good.json()["items"]] == [["lote"], []]

    ids = [a["id"] for a in good.json()["items"]]
    updated = api.post(
        "/api/v1/accounts/bulk",
        {
            "mode": "update",
            "items": [
                {"id": ids[0], "lifecycle": "customer"},
                {"id": ids[1], "lifecycle": "former"},
            ],
        },
    )
    assert updated.status_code == 200
    assert sorted(Account.objects.values_list("lifecycle", flat=True)) == ["customer", "former"]


def test_bulk_refuses_501_items_before_reading_them(rep, api_as):
    response = api_as(rep).post(
        "/api/v1/contacts/bulk", {"mode": "create", "items": [{"first_name": "X"}] * 501}
    )
    assert response.status_code == 422
    assert Contact.objects.count() == 0


def test_bulk_contacts_reports_errors_by_index(rep, api_as):
    api = api_as(rep)
    response = api.post(
        "/api/v1/contacts/bulk",
        {
            "mode": "create",
            "items": [
                {"first_name": "Ana", "emails": ["ana@x.example"]},
                {"first_name": "Bruno", "emails": ["bruno@"]},
                {"first_name": "Carla", "tax_id": "000.000.000-00"},
            ],
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"items.1.emails.0.value", "items.2.tax_id"}
    assert Contact.objects.count() == 0 and not ContactPoint.objects.exists()

    ok = api.post("/api/v1/contacts/bulk", {"mode": "create", "items": [{"first_name": "Ana"}]})
    assert ok.status_code == 201 and ok.json()["items"][0]["first_name"] == "Ana"
