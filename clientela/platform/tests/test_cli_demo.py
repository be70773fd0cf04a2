"""`clientela demo` run by tests that load it themselves: the given password, a second run that
creates nothing, the same seed giving the same data, a weak password refused (the data itself:
``test_cli_demo_data.py``)."""

from __future__ import annotations

import pytest

from clientela import cli
from clientela.conftest import DEMO
from clientela.customers.models import Account, Contact
from clientela.platform.models import AuditEntry, AuditHead, Team, User

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT_VALUES = ("name", "tax_id", "country", "phone", "email", "website", "owner", "team")
CONTACT_VALUES = ("first_name", "last_name", "email", "phone", "tax_id", "job_title", "owner")


def _load(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = cli.main([*DEMO, *extra])
    return code, capsys.readouterr().out


def test_demo_uses_the_given_password_and_a_second_run_creates_nothing(capsys):
    code, out = _load(capsys, "--password", "Demo-Pass-2024!")
    assert code == 0
    assert User.objects.get(username="juliana.santos").check_password("Demo-Pass-2024!")
    assert "Demo-Pass-2024!" in out
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
