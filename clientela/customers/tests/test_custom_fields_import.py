"""Custom fields in imports: mapping targets, cleaned cells, defaults and required fields for
new records, both write paths (fast insert, re-import update), links checked per batch, and the
helper process of long imports (decision 0005, decision 0004)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from clientela.cli import main
from clientela.customers import search_index
from clientela.customers.imports import import_configure, import_create, import_preview, import_run
from clientela.customers.imports.batch import clean_cells
from clientela.customers.imports.mapping import guess_mapping
from clientela.customers.imports.report import report_lines
from clientela.customers.imports.specs import ACCOUNTS, CONTACTS
from clientela.customers.imports.writing import row_params
from clientela.customers.models import Account, Contact, ImportJob, ImportRowError, Lead
from clientela.customers.search_index import search
from clientela.customers.services import account_create, contact_create, contact_update
from clientela.platform import customfields, processes
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import AuditEntry, User
from clientela.platform.services.customfields import field_create, index_sync

TIERS = [{"value": "gold", "label": "Ouro"}, {"value": "silver", "label": "Prata"}]


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("administrator", username="admin")


def define(actor: User, key: str, field_type: str, object_type: str = "customers.contact", **more):
    values = {"object_type": object_type, "key": key, "label": key.title(), **more}
    if field_type == "choice":
        values.setdefault("choices", TIERS)
    row = field_create(actor=actor, values={**values, "field_type": field_type})
    index_sync(row.pk)  # what the task worker does after the commit
    return row


def upload(actor: User, content: str, tmp_path: Path, kind: str = "contacts") -> ImportJob:
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    return import_create(actor=actor, object_type=kind, file_name=path.name, upload=path)


def run(actor: User, job: ImportJob, policy: str = "skip") -> ImportJob:
    import_configure(actor=actor, job_id=job.pk, mapping=job.mapping, duplicate_policy=policy)
    job = import_run(actor=actor, job_id=job.pk)
    job.refresh_from_db()
    return job


def counts(job: ImportJob) -> tuple[int, int, int, int]:
    return (job.created_count, job.updated_count, job.skipped_count, job.error_count)


def rejected(job: ImportJob) -> dict[int, dict[str, list[str]]]:
    rows = ImportRowError.objects.filter(job=job).order_by("row_number")
    return {e.row_number: e.errors for e in rows}


def custom_of(external_id: str) -> Any:
    return Contact.objects.get(external_id=external_id).custom


# --- mapping ----------------------------------------------------------------------------------


def test_custom_fields_are_targets_matched_by_their_label_or_key(admin):
    define(admin, "tier", "choice", label="Nível de conta")
    define(admin, "plate", "text", label="Placa do carro")

    headers = ["Nome", "NIVEL DE CONTA", "plate", "E-mail"]
    mapping = guess_mapping(CONTACTS, headers)

    assert mapping == {"0": "first_name", "1": "custom.tier", "2": "custom.plate", "3": "email"}
    assert "custom.tier" in CONTACTS.field_keys()
    assert CONTACTS.label_of("custom.tier") == "Nível de conta"
    # another record type's fields are not offered
    assert not [k for k in ACCOUNTS.field_keys() if k.startswith("custom.")]


def test_the_wizard_offers_custom_fields_by_label_in_the_mapping_step(admin, logged_in, tmp_path):
    define(admin, "tier", "choice", label="Nível de conta")
    job = upload(admin, "Nome,Nível de conta\nAna,Ouro\n", tmp_path)
    browser = logged_in(admin)

    page = browser.get(f"/imports/{job.pk}/mapping/")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="custom.tier" selected>Nível de conta</option>' in html
    answer = browser.post(
        f"/imports/{job.pk}/mapping/",
        {"column_0": "first_name", "column_1": "custom.tier", "duplicate_policy": "skip"},
    )
    assert answer.status_code == 302
    job.refresh_from_db()
    assert job.mapping == {"0": "first_name", "1": "custom.tier"}


def test_a_mapping_to_a_field_of_another_type_or_a_deleted_one_is_refused(admin, tmp_path):
    define(admin, "tier", "choice", object_type="customers.account")
    job = upload(admin, "Nome,Tier\nAna,Ouro\n", tmp_path)
    assert job.mapping == {"0": "first_name"}
    with pytest.raises(ValidationFailed):
        import_configure(
            actor=admin,
            job_id=job.pk,
            mapping={"0": "first_name", "1": "custom.tier"},
            duplicate_policy="skip",
        )


# --- created records --------------------------------------------------------------------------


def test_custom_cells_are_cleaned_stored_and_searchable_on_created_records(admin, tmp_path):
    define(admin, "tier", "choice", default="silver")
    define(admin, "seats", "integer", min_value=1, max_value=500)
    define(admin, "renewal", "date")
    define(admin, "plate", "text", searchable=True)
    content = "Nome,Tier,Seats,Renewal,Plate,ID\nAna,Ouro,12,26/11/2026,ABC1D23,c1\nBia,,7,,,c2\n"

    job = run(admin, upload(admin, content, tmp_path))

    assert counts(job) == (2, 0, 0, 0)
    assert custom_of("c1") == {
        "tier": "gold",
        "seats": 12,
        "renewal": "2026-11-26",
        "plate": "ABC1D23",
    }
    assert custom_of("c2") == {"tier": "silver", "seats": 7}  # the default fills the blank
    ana = Contact.objects.select_related("account").get(external_id="c1")
    assert "abc1d23" in ana.search_text.split()
    assert ana.search_text == search_index.document(ana)
    assert list(search(Contact.objects.all(), "ABC1D23")) == [ana]


def test_a_bad_custom_value_rejects_the_row_with_its_reason_in_the_report(admin, tmp_path):
    define(admin, "seats", "integer", min_value=1, max_value=500)
    define(admin, "tier", "choice")
    content = "Nome,Seats,Tier,ID\nAna,lots,Ouro,c1\nBia,9000,Bronze,c2\nCaio,3,Prata,c3\n"
    job = run(admin, upload(admin, content, tmp_path))

    assert counts(job) == (1, 0, 0, 2)
    assert rejected(job) == {
        2: {"custom.seats": ["Enter a number."]},
        3: {
            "custom.seats": ["Enter 500 or less."],
            "custom.tier": ["Choose one of the field's options."],
        },
    }
    report = "".join(report_lines(job))
    assert "Seats: Enter a number." in report
    assert "Tier: Choose one of the field's options." in report
    assert custom_of("c3") == {"seats": 3, "tier": "silver"}


def test_the_preview_names_custom_columns_and_their_errors_by_label(admin, tmp_path):
    define(admin, "seats", "integer", label="Assentos")
    job = upload(admin, "Nome,Assentos\nAna,muitos\nBia,4\n", tmp_path)
    import_configure(actor=admin, job_id=job.pk, mapping=job.mapping, duplicate_policy="skip")

    preview = import_preview(actor=admin, job_id=job.pk)

    assert preview["columns"] == ["First name", "Assentos"]
    assert preview["rejected"] == [{"number": 2, "errors": {"Assentos": ["Enter a number."]}}]


def test_a_required_custom_field_is_needed_by_new_records_only(admin, tmp_path):
    define(admin, "region", "text", required=True)
    existing = contact_create(
        actor=admin,
        values={"first_name": "Ana", "external_id": "c1", "custom": {"region": "Sul"}},
    )
    content = "Nome,Sobrenome,ID\nAna,Souza,c1\nBia,Lima,c2\n"

    job = run(admin, upload(admin, content, tmp_path), policy="update")

    assert counts(job) == (0, 1, 0, 1)
    existing.refresh_from_db()
    assert (existing.last_name, existing.custom) == ("Souza", {"region": "Sul"})
    assert rejected(job) == {3: {"custom.region": ["This field is required."]}}
    assert not Contact.objects.filter(external_id="c2").exists()


def test_a_required_field_with_a_default_creates_with_the_default(admin, tmp_path):
    define(admin, "tier", "choice", required=True, default="gold")

    job = run(admin, upload(admin, "Nome,ID\nAna,c1\n", tmp_path))

    assert counts(job) == (1, 0, 0, 0)
    assert custom_of("c1") == {"tier": "gold"}


def test_accounts_made_for_companies_take_the_accounts_defaults(admin, tmp_path):
    define(admin, "segment", "choice", object_type="customers.account", default="silver")

    job = run(admin, upload(admin, "Nome,Empresa\nAna,Acme\n", tmp_path))

    assert counts(job) == (1, 0, 0, 0)
    assert Account.objects.get(name="Acme").custom == {"segment": "silver"}


def test_a_company_is_not_made_into_an_account_missing_a_required_value(admin, tmp_path):
    define(admin, "segment", "choice", object_type="customers.account", required=True)
    known = account_create(actor=admin, values={"name": "Known", "custom": {"segment": "gold"}})
    content = "Nome,Empresa,ID\nAna,Known,c1\nBia,Acme,c2\n"

    job = run(admin, upload(admin, content, tmp_path))

    assert counts(job) == (1, 0, 0, 1)
    assert Contact.objects.get(external_id="c1").account_id == known.pk
    assert not Account.objects.filter(name="Acme").exists()
    assert rejected(job) == {
        3: {
            "company": [
                "No account has this name, and a new account needs values this file cannot "
                "give: Segment."
            ]
        }
    }


# --- re-imports -------------------------------------------------------------------------------


def test_reimport_changes_only_the_changed_custom_value_and_keeps_the_others(admin, tmp_path):
    define(admin, "tier", "choice")
    define(admin, "seats", "integer")
    define(admin, "plate", "text", searchable=True)
    define(admin, "note", "text")
    run(admin, upload(admin, "Nome,Tier,Seats,Plate,ID\nAna,Ouro,10,ABC1D23,c1\n", tmp_path))
    ana = Contact.objects.get(external_id="c1")
    contact_update(actor=admin, contact_id=ana.pk, values={"custom": {"note": "VIP"}})

    # the file changes the tier, repeats the seats, and has no plate or note column
    job = run(
        admin,
        upload(admin, "Nome,Tier,Seats,ID\nAna,Prata,10,c1\n", tmp_path),
        policy="update",
    )

    assert counts(job) == (0, 1, 0, 0)
    ana.refresh_from_db()
    assert ana.custom == {"tier": "silver", "seats": 10, "plate": "ABC1D23", "note": "VIP"}
    assert "abc1d23" in ana.search_text.split()  # the document still has the kept value
    entries = AuditEntry.objects.filter(object_type="customers.import", action="import")
    entry = entries.order_by("seq").last()
    assert entry is not None
    assert entry.changes["updated"] == {str(ana.pk): {"custom.tier": ["gold", "silver"]}}

    # the same file again changes nothing: compared before anything is loaded
    job = run(
        admin,
        upload(admin, "Nome,Tier,Seats,ID\nAna,Prata,10,c1\n", tmp_path),
        policy="update",
    )
    assert counts(job) == (0, 0, 1, 0)


def test_rows_of_one_file_merge_their_custom_values_into_the_record_the_first_creates(
    admin, tmp_path
):
    define(admin, "tier", "choice", default="silver")
    define(admin, "seats", "integer")
    content = "Nome,E-mail,Tier,Seats\nAna,ana@example.com,,5\nAna,ana@example.com,Ouro,\n"

    job = run(admin, upload(admin, content, tmp_path), policy="update")

    assert counts(job) == (1, 1, 0, 0)
    contact = Contact.objects.get()
    assert contact.custom == {"tier": "gold", "seats": 5}


def test_accounts_and_leads_take_custom_values_too(admin, tmp_path):
    define(admin, "segment", "choice", object_type="customers.account")
    define(admin, "budget", "currency", object_type="customers.lead", currency="BRL")

    accounts = run(
        admin, upload(admin, "Razão social,Segment\nAcme,Ouro\n", tmp_path, kind="accounts")
    )
    leads = run(admin, upload(admin, 'Empresa,Budget\nAcme,"1.234,50"\n', tmp_path, kind="leads"))

    assert counts(accounts) == counts(leads) == (1, 0, 0, 0)
    assert Account.objects.get().custom == {"segment": "gold"}
    assert Lead.objects.get().custom == {"budget": 1234.5}


# --- links ------------------------------------------------------------------------------------


def test_a_link_takes_an_id_and_refuses_records_the_importer_cannot_see(
    admin, make_user, make_team, tmp_path
):
    north, south = make_team("North"), make_team("South")
    rep = make_user("sales-rep", teams=[north])
    other = make_user("sales-rep", teams=[south])
    theirs = account_create(actor=other, values={"name": "Their shop"})
    mine = account_create(actor=rep, values={"name": "My shop"})
    define(admin, "shop", "lookup", target="customers.account")
    content = f"Nome,Shop,ID\nAna,{mine.pk},c1\nBia,#{theirs.pk},c2\nCaio,999999,c3\n"

    job = run(rep, upload(rep, content, tmp_path))

    assert counts(job) == (1, 0, 0, 2)
    assert custom_of("c1") == {"shop": mine.pk}
    assert rejected(job) == {
        3: {"custom.shop": ["Unknown record."]},
        4: {"custom.shop": ["Unknown record."]},
    }


# --- the insert parameters --------------------------------------------------------------------


def test_insert_parameters_carry_custom_values_as_the_database_stores_them(admin):
    define(admin, "tier", "choice")
    rows = [(2, ["Ana", "Ouro"]), (3, ["Bia", ""])]

    cleaned, problems = clean_cells(
        CONTACTS, None, [(0, "first_name"), (1, "custom.tier")], 2, rows
    )

    assert problems == []
    at = [f.attname for f in Contact._meta.concrete_fields if not f.primary_key].index("custom")
    ana, bia = (row_params(CONTACTS, row)[at] for _n, row in cleaned)
    assert bia is None  # no value: NULL, as a record without custom values has
    if connection.vendor == "postgresql":
        assert ana.obj == {"tier": "gold"}  # psycopg's Jsonb, sent in a jsonb[] array
    else:
        assert json.loads(ana) == {"tier": "gold"}  # JSON text


# --- long imports: the helper process, through the command ------------------------------------


def _big_file(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["ID", "Nome", "Nível", "Assentos", "Renovação", "Placa"])
        for n in range(1, rows + 1):
            seats = "muitos" if n % 50 == 0 else str(n % 400 + 1)
            tier = "Ouro" if n % 2 else "Prata"
            writer.writerow([f"c{n}", f"Pessoa {n}", tier, seats, "26/11/2026", f"PLT{n:04d}"])


def test_a_long_import_from_the_command_cleans_custom_values_in_the_helper(
    admin, tmp_path, settings, capsys
):
    assert processes.available(), "two cores are needed for the helper process"
    settings.CLIENTELA_IMPORT_PARALLEL_MIN_ROWS = 1  # 600 rows are enough for the helper
    define(admin, "tier", "choice", label="Nível")
    define(admin, "seats", "integer", label="Assentos", min_value=1, max_value=500)
    define(admin, "renewal", "date", label="Renovação")
    define(admin, "plate", "text", label="Placa", searchable=True)
    path = tmp_path / "pessoas.csv"
    _big_file(path, 600)
    errors = tmp_path / "rejeitadas.csv"

    command = ["import", "contacts", str(path), "--user", "admin", "--batch-size", "100"]
    with translation.override("pt-br"):
        code = main([*command, "--errors", str(errors)])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "588 created, 0 updated, 0 skipped, 0 flagged, 12 rejected" in out
    # rows of the last batches were cleaned in the helper, with the definitions it was sent
    assert custom_of("c599") == {
        "tier": "gold",
        "seats": 200,
        "renewal": "2026-11-26",
        "plate": "PLT0599",
    }
    last = Contact.objects.select_related("account").get(external_id="c599")
    assert last.search_text == search_index.document(last)
    assert list(search(Contact.objects.all(), "PLT0599")) == [last]
    with errors.open(encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[1][:2] == ["51", "Assentos: Informe um número."]
    assert [line[0] for line in lines[1:]] == [str(n + 1) for n in range(50, 601, 50)]


def test_the_helper_gets_the_definitions_current_when_the_import_runs(admin, tmp_path, settings):
    """A field added after the upload is in the mapping's targets once the mapping is saved,
    and the helper, which reads no database, cleans with it."""
    settings.CLIENTELA_IMPORT_PARALLEL_MIN_ROWS = 1
    path = tmp_path / "pessoas.csv"
    _big_file(path, 250)
    job = import_create(actor=admin, object_type="contacts", file_name=path.name, upload=path)
    define(admin, "plate", "text", label="Placa")
    mapping = {"0": "external_id", "1": "first_name", "5": "custom.plate"}
    import_configure(actor=admin, job_id=job.pk, mapping=mapping, duplicate_policy="skip")
    customfields.forget()  # as a new process would start

    job = import_run(actor=admin, job_id=job.pk, batch_size=100)

    job.refresh_from_db()
    assert counts(job) == (250, 0, 0, 0)
    assert custom_of("c250") == {"plate": "PLT0250"}
