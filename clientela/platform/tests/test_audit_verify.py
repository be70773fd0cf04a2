"""`clientela audit verify` finds every kind of tampering done behind the application's back."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from clientela import cli
from clientela.customers.services import account_create, account_update
from clientela.platform.context import use_channel
from clientela.platform.models import AuditEntry, Role
from clientela.platform.services.users import team_create, user_create


@pytest.fixture
def chain(db) -> list[int]:
    """Six audit entries written by real services; returns their sequence numbers."""
    with use_channel("system"):
        team = team_create(actor=None, data={"name": "Vendas São Paulo"})
        admin = user_create(
            actor=None,
            data={
                "username": "ana",
                "email": "ana@example.com",
                "role": Role.objects.get(slug="administrator"),
                "teams": [team],
            },
        )
        first = account_create(actor=admin, values={"name": "Padaria Estrela"})
        account_create(actor=admin, values={"name": "Oficina Boa Vista", "country": "BR"})
        account_update(actor=admin, account_id=first.pk, values={"name": "Padaria Nova"})
        team_create(actor=None, data={"name": "Sales London"})
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == 6
    return seqs


def verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = cli.main(["audit", "verify"])
    return code, capsys.readouterr().out.splitlines()


def sql(statement: str, params: list[object]) -> None:
    """Tamper directly in the database, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_untouched_chain_is_intact(chain, capsys):
    code, lines = verify(capsys)

    assert code == 0
    assert lines == ["audit chain intact: 6 entries"]


def test_an_empty_chain_is_intact(db, capsys):
    code, lines = verify(capsys)

    assert code == 0
    assert lines == ["audit chain intact: 0 entries"]


def test_a_changed_entry_is_found(chain, capsys):
    target = chain[2]
    sql(
        "UPDATE platform_auditentry SET changes = %s WHERE seq = %s",
        [json.dumps({"name": [None, "Someone Else Ltda."]}), target],
    )

    code, lines = verify(capsys)

    assert code == 1
    assert lines == [
        "audit chain BROKEN: 1 problem(s) in 6 entries",
        f"seq {target}: content does not match its hash (changed)",
    ]


def test_a_deleted_middle_entry_is_found(chain, capsys):
    target = chain[3]
    sql("DELETE FROM platform_auditentry WHERE seq = %s", [target])

    code, lines = verify(capsys)

    assert code == 1
    assert lines == [
        "audit chain BROKEN: 2 problem(s) in 5 entries",
        f"seq {target}: entries {target}..{target} missing",
        f"seq {target + 1}: does not link to the entry before it",
    ]


def test_a_deleted_last_entry_is_found(chain, capsys):
    last = chain[-1]
    sql("DELETE FROM platform_auditentry WHERE seq = %s", [last])

    code, lines = verify(capsys)

    assert code == 1
    assert lines == [
        "audit chain BROKEN: 1 problem(s) in 5 entries",
        f"seq {last}: the chain does not end at the recorded head (entries removed)",
    ]


def test_a_changed_entry_with_a_recomputed_hash_breaks_the_next_link(chain, capsys):
    """Rewriting an entry's hash too does not help: the next entry still points at the old one."""
    target = chain[1]
    sql(
        "UPDATE platform_auditentry SET object_repr = %s, hash = %s WHERE seq = %s",
        ["forged", "f" * 64, target],
    )

    code, lines = verify(capsys)

    assert code == 1
    assert f"seq {target}: content does not match its hash (changed)" in lines
    assert f"seq {target + 1}: does not link to the entry before it" in lines
