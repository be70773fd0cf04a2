"""`clientela demo`'s data, loaded once for the module (``loaded_demo``): valid Brazilian and
English accounts and contacts with full details, a user per role, the audit log written through
the services, a generated admin password that works."""

from __future__ import annotations

import re
from collections import Counter

import phonenumbers
import pytest

from clientela.customers.models import Account, AccountContact, Address, Contact, ContactPoint, Lead
from clientela.customers.validators import BR_STATES, is_valid_cnpj, is_valid_cpf
from clientela.platform.audit import verify_chain
from clientela.platform.models import AuditEntry, Team, User

pytestmark = pytest.mark.django_db

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
BUILTIN_ROLES = (
    "administrator",
    "sales-manager",
    "sales-rep",
    "marketing",
    "service-agent",
    "contact-center-agent",
    "read-only",
)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _valid_phone(number: str) -> bool:
    return bool(E164.match(number)) and phonenumbers.is_valid_number(phonenumbers.parse(number))


def _accounts():
    """The demo's generated accounts, without those its converted leads created."""
    converted = Lead.objects.filter(converted_account__isnull=False)
    return Account.objects.exclude(pk__in=converted.values("converted_account"))


def _contacts():
    converted = Lead.objects.filter(converted_contact__isnull=False)
    return Contact.objects.exclude(pk__in=converted.values("converted_contact"))


def test_demo_creates_valid_brazilian_and_english_accounts(loaded_demo):
    out = loaded_demo
    assert _accounts().count() == 20
    by_country = Counter(_accounts().values_list("country", flat=True))
    assert by_country["BR"] == 14
    assert by_country["GB"] + by_country["US"] == 6
    br_tax_ids = list(_accounts().filter(country="BR").values_list("tax_id", flat=True))
    companies = [t for t in br_tax_ids if len(_digits(t)) == 14]
    people = [t for t in br_tax_ids if len(_digits(t)) == 11]
    assert len(companies) == 11  # 55 % of 20
    assert len(people) == 3  # 15 % of 20
    assert all(is_valid_cnpj(t) for t in companies)
    assert all(is_valid_cpf(t) for t in people)
    english = _accounts().exclude(country="BR")
    assert not any(
        is_valid_cnpj(t) or is_valid_cpf(t) for t in english.values_list("tax_id", flat=True)
    )
    assert all(a.email and a.phone for a in _accounts().all())
    assert "Created 20 accounts" in out


def test_demo_phones_are_e164_and_valid(loaded_demo):
    phones = list(_accounts().values_list("phone", flat=True))
    phones += [p for p in _contacts().values_list("phone", flat=True) if p]
    assert len(phones) > 20
    assert [p for p in phones if not _valid_phone(p)] == []


def test_demo_contacts_belong_to_their_accounts_owner(loaded_demo):
    per_account = Counter(_contacts().values_list("account_id", flat=True))
    assert set(per_account) == set(_accounts().values_list("pk", flat=True))
    assert all(1 <= n <= 4 for n in per_account.values())
    for contact in _contacts().select_related("account"):
        assert (contact.owner_id, contact.team_id) == (
            contact.account.owner_id,
            contact.account.team_id,
        )
        assert contact.tax_id == "" or is_valid_cpf(contact.tax_id)
        if contact.account.country != "BR":
            assert contact.tax_id == ""
        assert contact.first_name and contact.email


def test_demo_has_a_user_per_role_and_sales_users_own_the_accounts(loaded_demo):
    for slug in BUILTIN_ROLES:
        assert User.objects.filter(role__slug=slug, is_active=True).exists(), slug
    assert set(Team.objects.values_list("name", flat=True)) == {
        "Vendas São Paulo",
        "Vendas Rio",
        "Sales London",
    }
    owners = User.objects.filter(pk__in=_accounts().values("owner_id"))
    assert set(owners.values_list("role__slug", flat=True)) <= {"sales-manager", "sales-rep"}
    assert _accounts().values("team").distinct().count() == 3
    for account in _accounts().select_related("owner"):
        assert account.owner.teams.filter(pk=account.team_id).exists()


def test_demo_writes_the_audit_log_through_the_services(loaded_demo):
    created = AuditEntry.objects.filter(object_type="customers.account", action="create")
    accounts = {str(a.pk): a.owner.username for a in Account.objects.select_related("owner")}
    assert {e.object_id: e.actor_label for e in created} == accounts
    assert set(created.values_list("channel", flat=True)) == {"system"}
    contacts = AuditEntry.objects.filter(object_type="customers.contact", action="create")
    assert contacts.count() == Contact.objects.count()
    assert verify_chain() == []


def test_demo_prints_a_generated_admin_password_that_works(loaded_demo):
    out = loaded_demo
    match = re.search(r"^password:\s+(\S+)$", out, re.MULTILINE)
    assert match is not None
    assert "Sign in as: admin" in out
    assert User.objects.get(username="admin").check_password(match.group(1))
    assert User.objects.get(username="admin").role.slug == "administrator"


def test_demo_accounts_and_contacts_carry_full_details(loaded_demo):
    companies = _accounts().filter(kind="company")  # (converted leads name no industry)
    assert companies.exclude(industry="").count() == companies.count()
    assert set(Account.objects.values_list("lifecycle", flat=True)) >= {"customer", "prospect"}
    assert Account.objects.filter(kind="household").exists()
    assert Account.objects.exclude(parent=None).exists()
    for child in Account.objects.exclude(parent=None).select_related("parent"):
        assert child.parent.team_id == child.team_id
    br = Address.objects.filter(country="BR")
    assert br.exists() and all(
        len(a.postal_code) == 9 and a.postal_code[5] == "-" and a.state in BR_STATES for a in br
    )
    assert Address.objects.filter(account__isnull=True).exists()  # households' people live there
    assert ContactPoint.objects.filter(
        kind="email", account__isnull=False, label="billing"
    ).exists()
    assert ContactPoint.objects.filter(kind="phone", contact__isnull=False).exists()
    assert AccountContact.objects.count() == Contact.objects.count()
    assert AccountContact.objects.filter(role="decision_maker").exists()
    assert _contacts().exclude(birthday=None).exists()
    assert set(_contacts().values_list("language", flat=True)) <= {"pt-br", "en"}
    assert _contacts().filter(gender="female").exists()
