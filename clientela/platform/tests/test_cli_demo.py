"""`clientela demo`: realistic, valid, audited, deterministic demo data, loaded once."""

from __future__ import annotations

import re
from collections import Counter

import phonenumbers
import pytest

from clientela import cli
from clientela.customers.models import Account, Contact, Lead
from clientela.customers.validators import is_valid_cnpj, is_valid_cpf
from clientela.platform.audit import verify_chain
from clientela.platform.models import AuditEntry, AuditHead, Team, User

pytestmark = pytest.mark.django_db(transaction=True)

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
DEMO = ["demo", "--accounts", "20", "--seed", "1"]
ACCOUNT_VALUES = ("name", "tax_id", "country", "phone", "email", "website", "owner", "team")
CONTACT_VALUES = ("first_name", "last_name", "email", "phone", "tax_id", "job_title", "owner")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _load(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = cli.main([*DEMO, *extra])
    return code, capsys.readouterr().out


def _valid_phone(number: str) -> bool:
    return bool(E164.match(number)) and phonenumbers.is_valid_number(phonenumbers.parse(number))


def _accounts():
    """The demo's generated accounts, without those its converted leads created."""
    converted = Lead.objects.filter(converted_account__isnull=False)
    return Account.objects.exclude(pk__in=converted.values("converted_account"))


def _contacts():
    converted = Lead.objects.filter(converted_contact__isnull=False)
    return Contact.objects.exclude(pk__in=converted.values("converted_contact"))


def test_demo_creates_valid_brazilian_and_english_accounts(capsys):
    code, out = _load(capsys)

    assert code == 0
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


def test_demo_phones_are_e164_and_valid(capsys):
    _load(capsys)

    phones = list(_accounts().values_list("phone", flat=True))
    phones += [p for p in _contacts().values_list("phone", flat=True) if p]
    assert len(phones) > 20
    assert [p for p in phones if not _valid_phone(p)] == []


def test_demo_contacts_belong_to_their_accounts_owner(capsys):
    _load(capsys)

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


def test_demo_has_a_user_per_role_and_sales_users_own_the_accounts(capsys):
    _load(capsys)

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


def test_demo_writes_the_audit_log_through_the_services(capsys):
    _load(capsys)

    created = AuditEntry.objects.filter(object_type="customers.account", action="create")
    accounts = {str(a.pk): a.owner.username for a in Account.objects.select_related("owner")}
    assert {e.object_id: e.actor_label for e in created} == accounts
    assert set(created.values_list("channel", flat=True)) == {"system"}
    contacts = AuditEntry.objects.filter(object_type="customers.contact", action="create")
    assert contacts.count() == Contact.objects.count()
    assert verify_chain() == []


def test_demo_prints_a_generated_admin_password_that_works(capsys):
    code, out = _load(capsys)

    assert code == 0
    match = re.search(r"^password:\s+(\S+)$", out, re.MULTILINE)
    assert match is not None
    assert "Sign in as: admin" in out
    assert User.objects.get(username="admin").check_password(match.group(1))
    assert User.objects.get(username="admin").role.slug == "administrator"


def test_demo_uses_the_given_password(capsys):
    code, out = _load(capsys, "--password", "Demo-Pass-2024!")

    assert code == 0
    assert User.objects.get(username="juliana.santos").check_password("Demo-Pass-2024!")
    assert "Demo-Pass-2024!" in out


def test_second_demo_run_creates_nothing(capsys):
    _load(capsys)
    counts = (
        User.objects.count(),
        Team.objects.count(),
        Account.objects.count(),
        Contact.objects.count(),
        AuditEntry.objects.count(),
    )

    code, out = _load(capsys)

    assert code == 0
    assert "already loaded" in out
    assert (
        User.objects.count(),
        Team.objects.count(),
        Account.objects.count(),
        Contact.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_demo_is_deterministic_for_a_seed_and_force_adds_accounts(capsys):
    _load(capsys)
    accounts = list(Account.objects.order_by("pk").values_list(*ACCOUNT_VALUES))
    contacts = list(Contact.objects.order_by("pk").values_list(*CONTACT_VALUES))
    users = User.objects.count()

    code, _out = _load(capsys, "--force")

    assert code == 0
    assert User.objects.count() == users
    # the same seed gives the same accounts, contacts, owners and teams once more
    assert list(Account.objects.order_by("pk").values_list(*ACCOUNT_VALUES)) == accounts * 2
    assert list(Contact.objects.order_by("pk").values_list(*CONTACT_VALUES)) == contacts * 2


def test_demo_with_a_weak_password_loads_nothing(capsys):
    code = cli.main([*DEMO, "--password", "123"])

    assert code == 1
    assert "password" in capsys.readouterr().err
    assert (User.objects.count(), Team.objects.count(), Account.objects.count()) == (0, 0, 0)
    assert AuditEntry.objects.count() == 0
    assert AuditHead.objects.filter(seq__gt=0).count() == 0
