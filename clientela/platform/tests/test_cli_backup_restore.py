"""`clientela backup` and `clientela restore` on the real database engine of the run.

On SQLite the test database is a file, copied with the online backup API; on PostgreSQL the
commands run the real pg_dump and pg_restore against the test database.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from clientela import cli
from clientela.customers.models import Account, Contact
from clientela.customers.services import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_delete,
)
from clientela.platform.audit import verify_chain
from clientela.platform.models import AuditEntry, Role
from clientela.platform.services.users import team_create, team_update, user_create

pytestmark = pytest.mark.django_db(transaction=True)

MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}


def every_row() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table Django knows, including many-to-many tables, in pk order."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """The data dir (where default and safety backups go) in a temporary folder."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def crm() -> dict[str, Any]:
    """Records written through the services, so the audit chain has entries too."""
    team = team_create(actor=None, data={"name": "Vendas Rio"})
    role = Role.objects.get(slug="administrator")
    admin = user_create(
        actor=None,
        data={"username": "ana", "email": "ana@example.com", "role": role, "teams": [team]},
        password="Correct-Horse-42",
    )
    accounts = [
        account_create(actor=admin, values={"name": name, "tax_id": tax_id, "phone": phone})
        for name, tax_id, phone in (
            ("Padaria Estrela Ltda.", "11.222.333/0001-81", "+55 21 3222-1111"),
            ("Oficina Boa Vista", "", "+55 21 99876-5432"),
            ("Família Souza", "529.982.247-25", ""),
        )
    ]
    contacts = [
        contact_create(actor=admin, values={"first_name": first, "account": accounts[0].pk})
        for first in ("Joana", "Pedro")
    ]
    return {"admin": admin, "team": team, "accounts": accounts, "contacts": contacts}


def change_everything(crm: dict[str, Any]) -> None:
    """Updates, deletions and additions in several tables, each with its audit entry."""
    admin, accounts = crm["admin"], crm["accounts"]
    account_update(actor=admin, account_id=accounts[0].pk, values={"name": "Padaria Nova"})
    contact_delete(actor=admin, contact_id=crm["contacts"][1].pk)
    account_delete(actor=admin, account_id=accounts[1].pk)
    account_create(actor=admin, values={"name": "Mercado Central"})
    team_update(actor=admin, team_id=crm["team"].pk, data={"description": "Rio e Niterói"})
    team_create(actor=admin, data={"name": "Sales London"})


def backup(path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert cli.main(["backup", "--output", str(path)]) == 0
    assert capsys.readouterr().out.strip() == str(path)
    return path


def test_restore_gives_back_exactly_the_backed_up_rows(crm, data_dir, tmp_path, capsys):
    before = every_row()
    backup_file = backup(tmp_path / "clientela.backup", capsys)
    change_everything(crm)
    changed = every_row()
    assert changed != before
    assert AuditEntry.objects.count() > len(before["platform.AuditEntry"])

    code = cli.main(["restore", str(backup_file), "--yes"])

    assert code == 0
    assert every_row() == before
    assert verify_chain() == []
    assert Account.objects.get(pk=crm["accounts"][0].pk).name == "Padaria Estrela Ltda."


def test_restore_first_saves_the_database_it_replaces(crm, data_dir, tmp_path, capsys):
    backup_file = backup(tmp_path / "clientela.backup", capsys)
    change_everything(crm)
    changed = every_row()

    assert cli.main(["restore", str(backup_file), "--yes"]) == 0
    (safety,) = (data_dir / "backups").iterdir()
    assert f"Saved the current database to {safety}" in capsys.readouterr().out
    assert cli.main(["restore", str(safety), "--yes", "--no-safety-backup"]) == 0

    assert every_row() == changed
    assert len(list((data_dir / "backups").iterdir())) == 1


def test_backup_is_a_private_file_of_the_engines_format(crm, data_dir, capsys):
    assert cli.main(["backup"]) == 0

    path = Path(capsys.readouterr().out.strip())
    assert path.parent == data_dir / "backups"
    assert path.read_bytes().startswith(MAGIC[connection.vendor])
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no .partial left behind


def test_backup_refuses_to_overwrite_a_file(crm, tmp_path, capsys):
    existing = tmp_path / "old.backup"
    existing.write_bytes(b"an older backup")

    assert cli.main(["backup", "--output", str(existing)]) == 1

    assert "already exists" in capsys.readouterr().err
    assert existing.read_bytes() == b"an older backup"


def test_restore_without_yes_says_what_it_would_replace_and_changes_nothing(
    crm, data_dir, tmp_path, capsys
):
    backup_file = backup(tmp_path / "clientela.backup", capsys)
    change_everything(crm)
    changed = every_row()

    code = cli.main(["restore", str(backup_file)])

    out = capsys.readouterr().out
    assert code == 2
    assert "This would replace everything in" in out
    assert f"{Account.objects.count()} accounts" in out
    assert "--yes" in out
    assert every_row() == changed
    assert not (data_dir / "backups").exists()


def _foreign_sqlite(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('not a CRM')")
        db.commit()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: None, id="missing"),
        pytest.param(lambda p: p.write_bytes(b"garbage\n" * 100), id="garbage"),
        pytest.param(
            lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000), id="bad-sqlite"
        ),
        pytest.param(lambda p: p.write_bytes(b"PGDMP" + b"\x01" * 4000), id="bad-pgdump"),
        pytest.param(_foreign_sqlite, id="other-sqlite-database"),
    ],
)
def test_restore_rejects_a_file_that_is_not_a_backup(crm, data_dir, tmp_path, capsys, make):
    path = tmp_path / "suspect.backup"
    make(path)
    before = every_row()

    code = cli.main(["restore", str(path), "--yes"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ")
    assert "Nothing was changed." in err
    assert every_row() == before
    assert not (data_dir / "backups").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite journal mode")
def test_sqlite_restore_keeps_the_live_database_in_wal_mode(crm, tmp_path, capsys):
    backup_file = backup(tmp_path / "clientela.backup", capsys)
    for contact in crm["contacts"]:
        contact_delete(actor=crm["admin"], contact_id=contact.pk)
    assert Contact.objects.count() == 0

    assert cli.main(["restore", str(backup_file), "--yes", "--no-safety-backup"]) == 0

    live = connection.settings_dict["NAME"]
    with closing(sqlite3.connect(live)) as db:  # a fresh connection: no Django init_command
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert Contact.objects.count() == 2
