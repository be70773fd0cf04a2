"""Contact services: fields, demographics, points, addresses, accounts with roles, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clientela.customers.models import Account, AccountContact, Contact, ContactPoint
from clientela.customers.services import (
    account_create,
    account_delete,
    contact_bulk,
    contact_create,
    contact_delete,
    contact_update,
)
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import AuditEntry


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("Vendas SP")])


@pytest.fixture
def accounts(rep):
    return {
        name: account_create(actor=rep, values={"name": name, "country": country})
        for name, country in (("Alfa", "BR"), ("Beta", "BR"), ("Acme", "US"))
    }


def _roles(contact: Contact) -> dict[str, str]:
    return {m.account.name: m.role for m in contact.memberships.select_related("account")}


def test_contact_create_keeps_every_field(rep, accounts):
    contact = contact_create(
        actor=rep,
        values={
            "first_name": "Maria",
            "last_name": "da Silva",
            "job_title": "Compradora",
            "tax_id": "52998224725",
            "language": "pt-br",
            "preferred_channel": "whatsapp",
            "birthday": "1985-04-12",
            "age_band": "35-44",
            "gender": "female",
            "income_band": "upper_middle",
            "education": "postgraduate",
            "do_not_contact": True,
            "description": "Prefere contato à tarde.",
            "external_id": "CRM-7",
            "emails": ["maria@alfa.example", {"value": "maria@casa.example", "label": "home"}],
            "phones": ["11 98765-4321", "(11) 3333-4444"],
            "addresses": [
                {
                    "kind": "home",
                    "street": "Rua Augusta, 10",
                    "city": "São Paulo",
                    "state": "SP",
                    "postal_code": "01305-000",
                }
            ],
            "accounts": [
                {"account_id": accounts["Alfa"].pk, "role": "buyer"},
                {"account_id": accounts["Beta"].pk, "role": "influencer"},
            ],
            "tags": ["Feira 2025"],
        },
    )
    contact.refresh_from_db()
    assert contact.tax_id == "529.982.247-25"
    assert contact.birthday == date(1985, 4, 12)
    assert (contact.age_band, contact.gender, contact.income_band, contact.education) == (
        "35-44",
        "female",
        "upper_middle",
        "postgraduate",
    )
    assert contact.do_not_contact is True
    assert (contact.email, contact.phone) == ("maria@alfa.example", "+5511987654321")
    assert list(ContactPoint.objects.filter(contact=contact).values_list("kind", "value")) == [
        ("email", "maria@casa.example"),
        ("phone", "+551133334444"),
    ]
    assert contact.account == accounts["Alfa"]  # the first listed account is the primary
    assert _roles(contact) == {"Alfa": "buyer", "Beta": "influencer"}
    entry = AuditEntry.objects.get(object_type="customers.contact", object_id=str(contact.pk))
    assert entry.changes["accounts"] == [None, ["Alfa (Buyer)", "Beta (Influencer)"]]
    assert entry.changes["birthday"] == [None, "1985-04-12"]


@pytest.mark.parametrize(
    "values,field",
    [
        ({"first_name": ""}, "first_name"),
        ({"first_name": "A", "last_name": "x" * 101}, "last_name"),
        ({"first_name": "A", "tax_id": "111.111.111-11"}, "tax_id"),
        ({"first_name": "A", "language": "klingon"}, "language"),
        ({"first_name": "A", "preferred_channel": "pigeon"}, "preferred_channel"),
        ({"first_name": "A", "birthday": "yesterday"}, "birthday"),
        ({"first_name": "A", "birthday": str(date.today() + timedelta(days=1))}, "birthday"),
        ({"first_name": "A", "age_band": "0-1"}, "age_band"),
        ({"first_name": "A", "gender": "x"}, "gender"),
        ({"first_name": "A", "income_band": "rich"}, "income_band"),
        ({"first_name": "A", "education": "phd"}, "education"),
        ({"first_name": "A", "do_not_contact": "maybe"}, "do_not_contact"),
        ({"first_name": "A", "email": "nope"}, "email"),
        ({"first_name": "A", "phones": ["+55 11"]}, "phones.0.value"),
        (
            {"first_name": "A", "emails": [{"value": "a@b.example", "label": "l" * 41}]},
            "emails.0.label",
        ),
        (
            {"first_name": "A", "addresses": [{"city": "X", "postal_code": "1234567"}]},
            "addresses.0.postal_code",
        ),
        ({"first_name": "A", "accounts": [{"account_id": 999_999}]}, "accounts.0.account_id"),
        ({"first_name": "A", "accounts": "Alfa"}, "accounts"),
        ({"first_name": "A", "account": 999_999}, "account"),
    ],
)
def test_contact_create_refuses_each_bad_field_and_writes_nothing(rep, values, field):
    with pytest.raises(ValidationFailed) as caught:
        contact_create(actor=rep, values=values)
    assert field in caught.value.errors, caught.value.errors
    assert Contact.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="customers.contact").exists()


def test_membership_role_and_duplicates_are_checked(rep, accounts):
    alfa = accounts["Alfa"].pk
    with pytest.raises(ValidationFailed) as caught:
        contact_create(
            actor=rep,
            values={
                "first_name": "A",
                "accounts": [{"account_id": alfa, "role": "king"}, {"account_id": alfa}],
            },
        )
    assert set(caught.value.errors) == {"accounts.0.role"}
    with pytest.raises(ValidationFailed) as caught:
        contact_create(
            actor=rep,
            values={"first_name": "A", "accounts": [{"account_id": alfa}, {"account_id": alfa}]},
        )
    assert set(caught.value.errors) == {"accounts.1.account_id"}


def test_primary_account_stays_one_of_the_memberships(rep, accounts):
    alfa, beta, acme = accounts["Alfa"], accounts["Beta"], accounts["Acme"]
    contact = contact_create(actor=rep, values={"first_name": "João", "account": alfa.pk})
    assert _roles(contact) == {"Alfa": "employee"}

    contact = contact_update(
        actor=rep,
        contact_id=contact.pk,
        values={"accounts": [{"account_id": beta.pk, "role": "billing"}, {"account_id": acme.pk}]},
    )
    assert contact.account == beta  # Alfa left the list, so the first listed one took over
    assert _roles(contact) == {"Beta": "billing", "Acme": "employee"}

    contact = contact_update(actor=rep, contact_id=contact.pk, values={"account": alfa.pk})
    assert contact.account == alfa and set(_roles(contact)) == {"Alfa", "Beta", "Acme"}

    contact = contact_update(actor=rep, contact_id=contact.pk, values={"accounts": []})
    assert contact.account is None and _roles(contact) == {}


def test_phones_are_read_for_the_contacts_country(rep, accounts):
    contact = contact_create(
        actor=rep,
        values={"first_name": "Ann", "account": accounts["Acme"].pk, "phones": ["(650) 253-0000"]},
    )
    assert contact.phone == "+16502530000"
    by_address = contact_create(
        actor=rep,
        values={
            "first_name": "Tom",
            "addresses": [{"city": "London", "country": "GB"}],
            "phones": ["020 7946 0018"],
        },
    )
    assert by_address.phone == "+442079460018"


def test_memberships_to_accounts_the_actor_cannot_see_survive_a_replace(
    rep, accounts, make_user, make_team
):
    other_team = make_team("Rio")
    stranger = make_user("sales-manager", teams=[other_team])
    hidden = account_create(actor=stranger, values={"name": "Hidden"})
    contact = contact_create(
        actor=rep, values={"first_name": "Bia", "account": accounts["Alfa"].pk}
    )
    AccountContact.objects.create(contact=contact, account=hidden, role="buyer")

    contact_update(
        actor=rep, contact_id=contact.pk, values={"accounts": [{"account_id": accounts["Beta"].pk}]}
    )

    assert set(_roles(contact)) == {"Beta", "Hidden"}


def test_contact_external_id_is_unique(rep):
    contact_create(actor=rep, values={"first_name": "A", "external_id": "E1"})
    with pytest.raises(Conflict):
        contact_create(actor=rep, values={"first_name": "B", "external_id": "E1"})
    assert Contact.objects.count() == 1


def test_another_users_contact_is_not_found_and_unchanged(rep, make_user, make_team):
    stranger = make_user("sales-rep", teams=[make_team("Rio")])
    hidden = contact_create(
        actor=stranger, values={"first_name": "Eve", "phones": ["11 98765-4321"]}
    )
    with pytest.raises(NotFound):
        contact_update(actor=rep, contact_id=hidden.pk, values={"phones": []})
    with pytest.raises(NotFound):
        contact_delete(actor=rep, contact_id=hidden.pk)
    hidden.refresh_from_db()
    assert hidden.phone == "+5511987654321"


def test_deleting_records_audits_their_points_and_memberships(make_user, make_team):
    manager = make_user("sales-manager", teams=[make_team("Vendas")])
    account = account_create(actor=manager, values={"name": "Alfa"})
    contact = contact_create(
        actor=manager,
        values={
            "first_name": "Ana",
            "account": account.pk,
            "emails": ["a@x.example", "b@x.example"],
        },
    )
    contact_delete(actor=manager, contact_id=contact.pk)
    entry = AuditEntry.objects.filter(object_type="customers.contact").latest("seq")
    assert entry.action == "delete"
    assert entry.changes["emails"] == [["a@x.example", "b@x.example"], None]
    assert entry.changes["accounts"] == [["Alfa (Employee)"], None]
    assert not ContactPoint.objects.exists()
    account_delete(actor=manager, account_id=account.pk)
    assert not AccountContact.objects.exists()


def test_contact_bulk_update_is_atomic(rep, accounts):
    a = contact_create(actor=rep, values={"first_name": "A"})
    b = contact_create(actor=rep, values={"first_name": "B"})
    with pytest.raises(ValidationFailed) as caught:
        contact_bulk(
            actor=rep,
            mode="update",
            items=[{"id": a.pk, "gender": "female"}, {"id": b.pk, "birthday": "2999-01-01"}],
        )
    assert set(caught.value.errors) == {"items.1.birthday"}
    assert Contact.objects.get(pk=a.pk).gender == ""

    updated = contact_bulk(
        actor=rep,
        mode="update",
        items=[
            {"id": a.pk, "gender": "female"},
            {"id": b.pk, "accounts": [{"account_id": accounts["Alfa"].pk}]},
        ],
    )
    assert [c.pk for c in updated] == [a.pk, b.pk]
    assert Contact.objects.get(pk=b.pk).account == accounts["Alfa"]


def test_bulk_mode_must_be_known(rep):
    with pytest.raises(ValidationFailed) as caught:
        contact_bulk(actor=rep, mode="upsert", items=[])
    assert "mode" in caught.value.errors


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_contact_form_writes_roles_points_and_demographics(rep, accounts, logged_in):
    client = logged_in(rep)
    data = {
        "first_name": "Paulo",
        "last_name": "Souza",
        "account": str(accounts["Alfa"].pk),
        "birthday": "1979-11-30",
        "age_band": "45-54",
        "education": "bachelor",
        "do_not_contact": "on",
        **_management("accounts", 2),
        "accounts-0-account_id": str(accounts["Beta"].pk),
        "accounts-0-role": "technical",
        "accounts-1-account_id": "",
        "accounts-1-role": "employee",
        **_management("emails", 1),
        "emails-0-value": "paulo@beta.example",
        **_management("phones", 2),
        "phones-0-value": "11 98765-4321",
        "phones-1-value": "11 91234-5678",
        **_management("addresses", 1),
        "addresses-0-kind": "home",
        "addresses-0-city": "",
    }
    response = client.post("/contacts/new/", data)
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert (contact.account, contact.age_band, contact.do_not_contact) == (
        accounts["Alfa"],
        "45-54",
        True,
    )
    assert _roles(contact) == {"Beta": "technical", "Alfa": "employee"}
    assert contact.phone == "+5511987654321" and contact.points.count() == 1
    assert not contact.addresses.exists()  # the empty row was left out

    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Technical contact" in page and "Do not contact" in page and "+55 11 91234-5678" in page


def test_contact_form_shows_field_errors(rep, logged_in):
    response = logged_in(rep).post(
        "/contacts/new/",
        {
            "first_name": "Z",
            "tax_id": "123",
            **_management("accounts", 0),
            **_management("emails", 1),
            "emails-0-value": "zed@",
            **_management("phones", 0),
            **_management("addresses", 0),
        },
    )
    assert response.status_code == 200
    assert "tax_id" in response.context["form"].errors
    assert "value" in response.context["formsets"]["emails"].forms[0].errors
    assert Contact.objects.count() == 0


def test_read_only_users_see_the_pages_but_not_the_forms(rep, make_user, logged_in):
    contact = contact_create(actor=rep, values={"first_name": "Ana"})
    client = logged_in(make_user("read-only"))
    page = client.get(f"/contacts/{contact.pk}/")
    assert page.status_code == 200 and f"/contacts/{contact.pk}/edit/" not in page.content.decode()
    assert client.get(f"/contacts/{contact.pk}/edit/").status_code == 403
    assert client.get("/contacts/new/").status_code == 403
    assert client.post("/accounts/new/", {"name": "Nope"}).status_code == 403
    assert not Account.objects.exists()
