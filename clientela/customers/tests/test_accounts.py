"""Account services: every field's rules, nested points/addresses/tags, hierarchy, audit."""

from __future__ import annotations

import pytest

from clientela.customers.models import Account, Address, ContactPoint
from clientela.customers.search_index import document
from clientela.customers.services import (
    account_bulk,
    account_create,
    account_update,
    tags_add,
    tags_set,
)
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry, Tag

CNPJ = "11.222.333/0001-81"


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("Vendas SP")])


def _entries(account: Account) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type="customers.account", object_id=str(account.pk)
        ).order_by("seq")
    )


def test_account_create_keeps_every_field(rep):
    account = account_create(
        actor=rep,
        values={
            "name": "  Padaria Estrela Ltda ",
            "kind": "company",
            "tax_id": "11222333000181",
            "industry": "retail",
            "size_band": "10-49",
            "website": "https://estrela.example",
            "lifecycle": "customer",
            "relationship": "supplier",
            "description": "Pães e doces.",
            "external_id": "ERP-1",
            "emails": [
                {"value": "contato@estrela.example"},
                {"value": "nf@estrela.example", "label": "billing"},
            ],
            "phones": ["(11) 3333-4444", {"value": "11 98765-4321", "label": "mobile"}],
            "addresses": [
                {
                    "street": "Av. Paulista, 1000",
                    "city": "São Paulo",
                    "state": "sp",
                    "postal_code": "01310100",
                }
            ],
            "tags": [" VIP ", "vip", "Padarias"],
        },
    )
    account.refresh_from_db()
    assert account.name == "Padaria Estrela Ltda"
    assert account.tax_id == CNPJ
    assert (account.industry, account.size_band, account.lifecycle, account.relationship) == (
        "retail",
        "10-49",
        "customer",
        "supplier",
    )
    assert account.email == "contato@estrela.example"
    assert account.phone == "+551133334444"
    points = ContactPoint.objects.filter(account=account).order_by("kind")
    assert [(p.kind, p.value, p.label) for p in points] == [
        ("email", "nf@estrela.example", "billing"),
        ("phone", "+5511987654321", "mobile"),
    ]
    address = Address.objects.get(account=account)
    assert (address.postal_code, address.state, address.country) == ("01310-100", "SP", "BR")
    assert sorted(account.tags.values_list("name", flat=True)) == ["Padarias", "VIP"]
    (entry,) = _entries(account)
    assert entry.changes["tags"] == [None, ["Padarias", "VIP"]]
    assert entry.changes["phones"] == [None, ["+551133334444", "+5511987654321 (mobile)"]]
    assert entry.changes["addresses"][1] == [
        "Main: Av. Paulista, 1000, São Paulo, SP, 01310-100, BR"
    ]
    assert "search_text" not in entry.changes


@pytest.mark.parametrize(
    "values,field",
    [
        ({"name": "   "}, "name"),
        ({"name": "X", "kind": "tribe"}, "kind"),
        ({"name": "X", "industry": "piracy"}, "industry"),
        ({"name": "X", "size_band": "huge"}, "size_band"),
        ({"name": "X", "lifecycle": "zombie"}, "lifecycle"),
        ({"name": "X", "relationship": "enemy"}, "relationship"),
        ({"name": "X", "tax_id": "11.222.333/0001-80"}, "tax_id"),
        ({"name": "X", "tax_id": "529.982.247-24"}, "tax_id"),
        ({"name": "X", "website": "ftp://x.example"}, "website"),
        ({"name": "X", "country": "BRA"}, "country"),
        ({"name": "X", "description": "d" * 10_001}, "description"),
        ({"name": "X", "external_id": "e" * 101}, "external_id"),
        ({"name": "X", "parent": 999_999}, "parent"),
        ({"name": "X", "emails": ["ok@x.example", "broken"]}, "emails.1.value"),
        ({"name": "X", "emails": ["a@x.example", "A@x.example"]}, "emails.1.value"),
        ({"name": "X", "phones": ["123"]}, "phones.0.value"),
        ({"name": "X", "phones": "11 98765-4321"}, "phones"),
        (
            {"name": "X", "addresses": [{"city": "SP", "postal_code": "0131-010"}]},
            "addresses.0.postal_code",
        ),
        (
            {"name": "X", "addresses": [{"city": "SP", "postal_code": "ABCDE-123"}]},
            "addresses.0.postal_code",
        ),
        ({"name": "X", "addresses": [{"city": "SP", "state": "XX"}]}, "addresses.0.state"),
        ({"name": "X", "addresses": [{"kind": "main"}]}, "addresses.0"),
        ({"name": "X", "addresses": [{"city": "SP", "kind": "castle"}]}, "addresses.0.kind"),
        ({"name": "X", "tags": ["t" * 51]}, "tags"),
        ({"name": "X", "tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"name": "X", "tags": [1, 2]}, "tags"),
    ],
)
def test_account_create_refuses_each_bad_field_and_writes_nothing(rep, values, field):
    with pytest.raises(ValidationFailed) as caught:
        account_create(actor=rep, values=values)
    assert field in caught.value.errors, caught.value.errors
    assert Account.objects.count() == 0
    assert ContactPoint.objects.count() == Address.objects.count() == Tag.objects.count() == 0
    assert not AuditEntry.objects.exists()


def test_foreign_addresses_and_tax_ids_are_free_form(rep):
    account = account_create(
        actor=rep,
        values={
            "name": "Acme Ltd",
            "country": "GB",
            "tax_id": "GB123456789",
            "phones": ["020 7946 0018"],
            "addresses": [
                {
                    "street": "1 High St",
                    "city": "London",
                    "postal_code": "EC1A 1BB",
                    "state": "Greater London",
                }
            ],
        },
    )
    address = account.addresses.get()
    assert (address.country, address.postal_code, address.state) == (
        "GB",
        "EC1A 1BB",
        "Greater London",
    )
    assert account.phone == "+442079460018"  # read as a British number: the account's country
    assert account.tax_id == "GB123456789"


def test_a_cep_keeps_its_leading_zero_and_takes_the_dash(rep):
    account = account_create(
        actor=rep,
        values={"name": "A", "addresses": [{"city": "São Paulo", "postal_code": "01001 000"}]},
    )
    assert account.addresses.get().postal_code == "01001-000"


def test_parent_cycle_is_refused(rep):
    group = account_create(actor=rep, values={"name": "Grupo"})
    child = account_create(actor=rep, values={"name": "Filial", "parent": group.pk})
    grandchild = account_create(actor=rep, values={"name": "Loja", "parent": child.pk})

    for parent in (grandchild, child, group):
        with pytest.raises(ValidationFailed) as caught:
            account_update(actor=rep, account_id=group.pk, values={"parent": parent.pk})
        assert "parent" in caught.value.errors
    group.refresh_from_db()
    assert group.parent_id is None
    assert (
        account_update(actor=rep, account_id=grandchild.pk, values={"parent": group.pk}).parent
        == group
    )


def test_external_id_clash_is_a_conflict(rep):
    account_create(actor=rep, values={"name": "A", "external_id": "ERP-9"})
    other = account_create(actor=rep, values={"name": "B"})

    with pytest.raises(Conflict) as caught:
        account_create(actor=rep, values={"name": "C", "external_id": "ERP-9"})
    assert "external_id" in caught.value.errors
    with pytest.raises(Conflict):
        account_update(actor=rep, account_id=other.pk, values={"external_id": "ERP-9"})
    assert Account.objects.count() == 2
    assert Account.objects.get(pk=other.pk).external_id == ""
    # the same id again on its own record is no clash
    mine = Account.objects.get(external_id="ERP-9")
    account_update(actor=rep, account_id=mine.pk, values={"external_id": "ERP-9", "name": "A2"})


def test_update_of_points_only_leaves_an_audit_entry_and_refreshes_search(rep):
    account = account_create(actor=rep, values={"name": "Alfa", "phones": ["11 3333-4444"]})

    account_update(
        actor=rep, account_id=account.pk, values={"phones": ["11 3333-4444", "21 99876-5432"]}
    )

    entries = _entries(account)
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes == {
        "phones": [["+551133334444"], ["+551133334444", "+5521998765432"]]
    }
    stale = account.updated_at
    account.refresh_from_db()
    assert account.updated_at > stale  # the record was saved again after its points changed
    assert account.search_text == document(Account.objects.get(pk=account.pk))


def test_update_replaces_points_and_addresses(rep):
    account = account_create(
        actor=rep,
        values={
            "name": "Alfa",
            "emails": ["a@alfa.example", "b@alfa.example"],
            "addresses": [{"city": "Rio de Janeiro", "state": "RJ"}, {"city": "Niterói"}],
        },
    )
    account_update(
        actor=rep,
        account_id=account.pk,
        values={"emails": ["b@alfa.example"], "addresses": [], "tags": ["Novo"]},
    )
    account.refresh_from_db()
    assert account.email == "b@alfa.example"
    assert not account.points.exists() and not account.addresses.exists()
    assert list(account.tags.values_list("name", flat=True)) == ["Novo"]


def test_country_change_rechecks_the_tax_id(rep):
    account = account_create(
        actor=rep, values={"name": "Acme", "country": "US", "tax_id": "12-3456789"}
    )
    with pytest.raises(ValidationFailed) as caught:
        account_update(actor=rep, account_id=account.pk, values={"country": "BR"})
    assert "tax_id" in caught.value.errors
    assert Account.objects.get(pk=account.pk).country == "US"


def test_another_users_account_is_not_found_and_unchanged(rep, make_user, make_team):
    stranger = make_user("sales-rep", teams=[make_team("Rio")])
    hidden = account_create(actor=stranger, values={"name": "Hidden", "tags": ["x"]})
    before = AuditEntry.objects.count()

    with pytest.raises(NotFound):
        account_update(actor=rep, account_id=hidden.pk, values={"name": "Mine now", "tags": ["y"]})
    with pytest.raises(NotFound):
        tags_set(actor=rep, record=hidden, names=["y"])
    with pytest.raises(ValidationFailed) as caught:
        account_create(actor=rep, values={"name": "Child", "parent": hidden.pk})
    assert caught.value.errors == {"parent": ["Unknown account."]}

    hidden.refresh_from_db()
    assert hidden.name == "Hidden"
    assert list(hidden.tags.values_list("name", flat=True)) == ["x"]
    assert AuditEntry.objects.count() == before


def test_read_only_user_may_not_create_or_tag(make_user, rep):
    reader = make_user("read-only")
    account = account_create(actor=rep, values={"name": "Alfa"})
    with pytest.raises(PermissionDenied):
        account_create(actor=reader, values={"name": "Nope"})
    with pytest.raises(PermissionDenied):
        tags_add(actor=reader, records=[account], names=["x"])
    assert Account.objects.count() == 1 and not Tag.objects.exists()


def test_tags_set_and_add_create_tags_once_and_audit(rep):
    a = account_create(actor=rep, values={"name": "A", "tags": ["Key"]})
    b = account_create(actor=rep, values={"name": "B"})

    assert tags_set(actor=rep, record=a, names=["key", "  Export  "]) == ["Export", "Key"]
    assert tags_add(actor=rep, records=[a, b], names=["Export"]) == 1  # a had it already

    assert Tag.objects.count() == 2
    assert list(b.tags.values_list("name", flat=True)) == ["Export"]
    last = AuditEntry.objects.filter(object_id=str(b.pk), object_type="customers.account").latest(
        "seq"
    )
    assert last.changes == {"tags": [[], ["Export"]]}


def test_tags_add_refuses_a_record_that_would_pass_the_limit(rep):
    full = account_create(actor=rep, values={"name": "Full", "tags": [f"t{n}" for n in range(20)]})
    other = account_create(actor=rep, values={"name": "Other"})
    with pytest.raises(ValidationFailed):
        tags_add(actor=rep, records=[other, full], names=["one-more"])
    assert not other.tags.exists()  # all or nothing


def test_bulk_create_is_all_or_nothing_with_errors_by_index(rep):
    items = [
        {"name": "Ok 1"},
        {"name": "Bad CEP", "addresses": [{"city": "SP", "postal_code": "123"}]},
        {"name": "Ok 2", "external_id": "X"},
        {"name": "Clash", "external_id": "X"},
    ]
    with pytest.raises(ValidationFailed) as caught:
        account_bulk(actor=rep, mode="create", items=items)
    assert set(caught.value.errors) == {"items.1.addresses.0.postal_code", "items.3.external_id"}
    assert Account.objects.count() == 0
    assert not AuditEntry.objects.exists()

    created = account_bulk(actor=rep, mode="create", items=[items[0], items[2]])
    assert [a.name for a in created] == ["Ok 1", "Ok 2"]


def test_bulk_update_needs_ids_of_visible_accounts(rep, make_user, make_team):
    mine = account_create(actor=rep, values={"name": "Mine"})
    hidden = account_create(
        actor=make_user("sales-rep", teams=[make_team("X")]), values={"name": "Hidden"}
    )
    with pytest.raises(ValidationFailed) as caught:
        account_bulk(
            actor=rep,
            mode="update",
            items=[
                {"id": mine.pk, "lifecycle": "customer"},
                {"id": hidden.pk, "name": "Y"},
                {"name": "Z"},
            ],
        )
    assert set(caught.value.errors) == {"items.1", "items.2.id"}
    assert Account.objects.get(pk=mine.pk).lifecycle == "prospect"
    assert Account.objects.get(pk=hidden.pk).name == "Hidden"


def test_bulk_refuses_more_than_500_items(rep):
    with pytest.raises(ValidationFailed) as caught:
        account_bulk(actor=rep, mode="create", items=[{"name": f"A{n}"} for n in range(501)])
    assert "items" in caught.value.errors
    assert Account.objects.count() == 0


def _management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _account_post(**extra: str) -> dict[str, str]:
    data = {
        "name": "Oficina Rápida",
        "kind": "company",
        "country": "BR",
        "lifecycle": "prospect",
        "relationship": "customer",
        "tags": "Oficinas, VIP",
        **_management("emails", 1),
        **_management("phones", 2),
        **_management("addresses", 1),
        "emails-0-value": "oficina@rapida.example",
        "phones-0-value": "(21) 3333-4444",
        "phones-1-value": "21 99876-5432",
        "phones-1-label": "WhatsApp",
        "addresses-0-kind": "main",
        "addresses-0-street": "Rua do Catete, 100",
        "addresses-0-city": "Rio de Janeiro",
        "addresses-0-state": "RJ",
        "addresses-0-postal_code": "22220-000",
        "addresses-0-country": "BR",
    }
    data.update(extra)
    return data


def test_account_form_shows_service_errors_on_the_right_row(rep, logged_in):
    client = logged_in(rep)
    response = client.post(
        "/accounts/new/",
        _account_post(**{"addresses-0-postal_code": "2222", "phones-1-value": "12"}),
    )
    assert response.status_code == 200
    formsets = response.context["formsets"]
    assert "postal_code" in formsets["addresses"].forms[0].errors
    assert "value" in formsets["phones"].forms[1].errors
    assert "CEP" in response.content.decode()
    assert Account.objects.count() == 0


def test_account_form_creates_the_account_with_its_rows(rep, logged_in):
    client = logged_in(rep)
    response = client.post("/accounts/new/", _account_post())
    account = Account.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{account.pk}/")
    assert account.phone == "+552133334444"
    assert list(account.points.values_list("value", "label")) == [("+5521998765432", "WhatsApp")]
    assert account.addresses.get().postal_code == "22220-000"
    assert sorted(account.tags.values_list("name", flat=True)) == ["Oficinas", "VIP"]

    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "Rua do Catete, 100" in page and "22220-000" in page and "WhatsApp" in page
    assert "+55 21 99876-5432" in page
    timeline = client.get(f"/accounts/{account.pk}/?tab=timeline").content.decode()
    assert f'hx-get="/timeline/customers.account/{account.pk}/"' in timeline
    edit = client.get(f"/accounts/{account.pk}/edit/")
    assert edit.context["formsets"]["phones"].initial == [
        {"value": "+552133334444", "label": ""},
        {"value": "+5521998765432", "label": "WhatsApp"},
    ]


def test_account_page_shows_people_roles_parent_and_children(rep, logged_in):
    from clientela.customers.services import contact_create

    group = account_create(actor=rep, values={"name": "Grupo Sol"})
    shop = account_create(actor=rep, values={"name": "Sol Centro", "parent": group.pk})
    contact_create(
        actor=rep,
        values={"first_name": "Lia", "accounts": [{"account_id": shop.pk, "role": "billing"}]},
    )
    client = logged_in(rep)
    page = client.get(f"/accounts/{shop.pk}/").content.decode()
    assert "Lia" in page and "Billing contact" in page and "Grupo Sol" in page
    assert "Sol Centro" in client.get(f"/accounts/{group.pk}/").content.decode()
    history = client.get(f"/accounts/{shop.pk}/?tab=history")
    assert [e.action for e in history.context["history"]] == ["create"]


def test_account_page_and_api_read_in_a_fixed_number_of_queries(rep, logged_in, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clientela.customers.services import contact_create

    account = account_create(
        actor=rep, values={"name": "Alfa", "phones": ["11 3333-4444", "11 98765-4321"]}
    )
    client, api = logged_in(rep), api_as(rep)

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(f"/accounts/{account.pk}/").status_code == 200
        with CaptureQueriesContext(connection) as detail:
            assert api.get(f"/api/v1/accounts/{account.pk}").status_code == 200
        return len(page), len(detail)

    def people(n: int) -> None:
        for i in range(n):
            contact_create(
                actor=rep,
                values={
                    "first_name": f"P{i}",
                    "phones": ["11 91234-5678"],
                    "accounts": [{"account_id": account.pk, "role": "buyer"}],
                    "addresses": [{"city": "Santos", "state": "SP"}],
                },
            )
            account_create(actor=rep, values={"name": f"Filial {i}", "parent": account.pk})

    people(2)
    counts()  # warm up: the first call of a token records its use
    few = counts()
    people(6)
    assert counts() == few


def test_tags_add_on_many_records_is_one_check_and_one_entry_each(rep, make_user, make_team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = [account_create(actor=rep, values={"name": f"F{n}"}) for n in range(2)]
    many = [account_create(actor=rep, values={"name": f"M{n}"}) for n in range(12)]
    with CaptureQueriesContext(connection) as small:
        assert tags_add(actor=rep, records=few, names=["Lote"]) == 2
    with CaptureQueriesContext(connection) as big:
        assert tags_add(actor=rep, records=many, names=["Lote"]) == 12
    audit_per_record = (len(big) - len(small)) / 10
    assert audit_per_record <= 6  # the audit entry's own writes, nothing that grows with tags

    hidden = account_create(
        actor=make_user("sales-rep", teams=[make_team("X")]), values={"name": "H"}
    )
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        tags_add(actor=rep, records=[many[0], hidden], names=["Outro"])
    assert AuditEntry.objects.count() == before and not Tag.objects.filter(name="Outro").exists()
