"""Importing contacts (and accounts and leads) from CSV and XLSX files, on the real database."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from clientela.customers import search_index
from clientela.customers.imports import (
    import_configure,
    import_create,
    import_get,
    import_preview,
    import_run,
)
from clientela.customers.imports.mapping import guess_mapping
from clientela.customers.imports.report import report_lines
from clientela.customers.imports.specs import CONTACTS
from clientela.customers.models import (
    Account,
    AccountContact,
    Address,
    Contact,
    DuplicateCandidate,
    ImportJob,
    ImportRowError,
    Lead,
)
from clientela.customers.search_index import search
from clientela.customers.services import account_create, contact_create
from clientela.platform.errors import NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import AuditEntry, RolePermission, User

HEADER = "first_name,last_name,email,phone,external_id\n"


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("administrator")


def upload(
    actor: User, content: str | bytes, name: str = "contacts.csv", kind: str = "contacts"
) -> ImportJob:
    path = Path(actor.pk and f"/tmp/clientela-test-{actor.pk}-{name}")
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    try:
        return import_create(actor=actor, object_type=kind, file_name=name, upload=path)
    finally:
        path.unlink()


def run(actor: User, job: ImportJob, policy: str = "skip", **kwargs: Any) -> ImportJob:
    import_configure(actor=actor, job_id=job.pk, mapping=job.mapping, duplicate_policy=policy)
    return import_run(actor=actor, job_id=job.pk, **kwargs)


def counts(job: ImportJob) -> tuple[int, int, int, int, int]:
    job.refresh_from_db()
    return (
        job.created_count,
        job.updated_count,
        job.skipped_count,
        job.flagged_count,
        job.error_count,
    )


def stored_files(data_dir: Path) -> list[Path]:
    folder = data_dir / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- reading: encodings, delimiters, formats ------------------------------------------------


def test_latin1_file_with_accents_and_semicolons_imports_with_portuguese_headers(admin):
    # given a Windows-1252 file as Excel in Brazil saves it
    text = (
        "Nome;Sobrenome;E-mail;Celular;CPF;Empresa;Cargo;Cidade;UF;CEP\n"
        "João;Conceição;joao@example.com;(11) 98765-4321;529.982.247-25;Açaí Ltda;Gerente;"
        "São Paulo;sp;01310100\n"
    )
    job = upload(admin, text.encode("cp1252"))

    # then the encoding, the delimiter and every column were recognised
    assert (job.encoding, job.delimiter, job.total_rows) == ("cp1252", ";", 1)
    assert [job.mapping[str(i)] for i in range(10)] == [
        *("first_name", "last_name", "email", "phone", "tax_id", "company", "job_title"),
        *("city", "state", "postal_code"),
    ]

    # when it runs
    run(admin, job)

    # then the contact is stored with its accents, normalised like the form would
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name) == ("João", "Conceição")
    assert (contact.phone, contact.tax_id) == ("+5511987654321", "529.982.247-25")
    assert contact.account is not None and contact.account.name == "Açaí Ltda"
    assert AccountContact.objects.filter(contact=contact, account=contact.account).count() == 1
    address = Address.objects.get(contact=contact)
    assert (address.city, address.state, address.postal_code) == ("São Paulo", "SP", "01310-100")
    assert counts(job) == (1, 0, 0, 0, 0)


def test_utf8_bom_file_has_a_clean_first_header(admin):
    job = upload(admin, "\ufeffFirst Name,Last Name,Email\nAna,Souza,ana@example.com\n")
    assert job.encoding == "utf-8-sig"
    assert job.headers[0] == "First Name"
    assert job.mapping == {"0": "first_name", "1": "last_name", "2": "email"}
    run(admin, job)
    assert Contact.objects.get().first_name == "Ana"


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiters_are_detected(admin, delimiter):
    lines = ["Nome,Sobrenome,Empresa, Cargo", 'Ana,Souza,"Acme, Inc",CEO', "Rui,Lima,Beta,CTO"]
    if delimiter != ",":
        lines = [
            line.replace(",", delimiter).replace(f'"Acme{delimiter} Inc"', "Acme, Inc")
            for line in lines
        ]
    job = upload(admin, "\n".join(lines) + "\n")
    assert job.delimiter == delimiter
    run(admin, job)
    assert sorted(Contact.objects.values_list("first_name", "job_title")) == [
        ("Ana", "CEO"),
        ("Rui", "CTO"),
    ]
    assert Account.objects.filter(name="Acme, Inc").exists()


def test_xlsx_workbook_imports_with_numbers_as_text(admin):
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Nome", "E-mail", "Telefone", "ID externo"])
    sheet.append(["Bia", "bia@example.com", 11987654321, 1001])
    sheet.append(["=1+2", "carla@example.com", None, 1002])
    sheet["A3"].data_type = "s"  # text that looks like a formula, not a formula
    sheet.append(["=A2", "dora@example.com", None, 1003])  # a real formula, never calculated
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = upload(admin, buffer.getvalue(), name="contatos.xlsx")
    assert (job.file_format, job.total_rows) == ("xlsx", 3)
    run(admin, job)
    assert counts(job) == (2, 0, 0, 0, 1)  # formulas are read as their stored result: none

    bia = Contact.objects.get(external_id="1001")
    assert (bia.first_name, bia.phone) == ("Bia", "+5511987654321")
    # a formula-looking cell is kept as the text it is (exports neutralise it)
    assert Contact.objects.get(external_id="1002").first_name == "=1+2"


# --- validation and the report --------------------------------------------------------------


def test_bad_rows_are_rejected_with_reasons_and_the_rest_imports(admin):
    text = (
        HEADER
        + "Ana,Souza,ana@example.com,(11) 98765-4321,a1\n"
        + ",NoFirst,bad-email,123,a2\n"
        + "Rui,Lima,rui@example.com,,a3,extra-cell\n"
        + "Eva,Melo,eva@example.com,,a4\n"
    )
    job = upload(admin, text)
    preview = import_preview(actor=admin, job_id=job.pk)
    assert [r["number"] for r in preview["rejected"]] == [3, 4]
    run(admin, job)

    assert counts(job) == (2, 0, 0, 0, 2)
    assert sorted(Contact.objects.values_list("external_id", flat=True)) == ["a1", "a4"]
    errors = {e.row_number: e.errors for e in ImportRowError.objects.filter(job=job)}
    assert set(errors[3]) == {"first_name", "email", "phone"}
    assert errors[4] == {"row": ["The row has more cells than the header."]}

    report = "".join(report_lines(job)).lstrip("\ufeff").splitlines()
    assert report[0] == "Row,Reasons,first_name,last_name,email,phone,external_id"
    assert report[1].startswith("3,")
    assert "E-mail: Enter a valid e-mail address." in report[1]
    assert report[2].startswith("4,Row: The row has more cells than the header.")


def test_the_report_neutralises_formulas_from_the_file(admin):
    job = upload(admin, HEADER + ',=HYPERLINK("http://evil"),bad,,z1\n')
    run(admin, job)
    line = "".join(report_lines(job)).splitlines()[1]
    assert "'=HYPERLINK" in line


# --- duplicates ---------------------------------------------------------------------------


@pytest.fixture
def existing(admin: User) -> Contact:
    return contact_create(
        actor=admin,
        values={"first_name": "Ana", "last_name": "Old", "email": "ana@example.com"},
    )


ROWS = HEADER + "Ana,New,ANA@example.com,,n1\nRui,Lima,rui@example.com,,n2\n"


def test_duplicates_update_the_existing_record(admin, existing):
    job = run(admin, upload(admin, ROWS), policy="update")
    assert counts(job) == (1, 1, 0, 0, 0)
    existing.refresh_from_db()
    assert (existing.last_name, existing.external_id) == ("New", "n1")
    assert "new" in existing.search_text
    assert Contact.objects.count() == 2


def test_duplicates_skipped(admin, existing):
    job = run(admin, upload(admin, ROWS), policy="skip")
    assert counts(job) == (1, 0, 1, 0, 0)
    existing.refresh_from_db()
    assert existing.last_name == "Old"
    assert Contact.objects.count() == 2


def test_duplicates_flagged_are_created_and_listed_as_candidates(admin, existing):
    job = run(admin, upload(admin, ROWS), policy="flag")
    assert counts(job) == (2, 0, 0, 1, 0)
    twin = Contact.objects.get(external_id="n1")
    pair = DuplicateCandidate.objects.get()
    assert (pair.object_type, pair.left_id, pair.right_id) == (
        "customers.contact",
        existing.pk,
        twin.pk,
    )
    assert pair.reasons == ["email"]


def test_duplicates_inside_the_file_match_each_other(admin):
    text = HEADER + "Ana,One,ana@example.com,,\nAna,Two,ana@example.com,,\n"
    job = run(admin, upload(admin, text), policy="skip")
    assert counts(job) == (1, 0, 1, 0, 0)
    assert Contact.objects.get().last_name == "One"


def test_rows_of_the_file_merge_into_the_record_an_earlier_row_creates(admin):
    text = (
        "Nome,Sobrenome,E-mail,Empresa,Cidade,UF,Cargo\n"
        "Ana,One,ana@example.com,,Recife,PE,\n"
        "Bia,Solo,bia@example.com,Beta SA,,,\n"
        "Ana,Two,ANA@example.com,Acme Ltda,Natal,RN,Diretora\n"
    )
    job = run(admin, upload(admin, text), policy="update")
    assert counts(job) == (2, 1, 0, 0, 0)
    ana = Contact.objects.select_related("account").get(email__iexact="ana@example.com")
    assert (ana.first_name, ana.last_name, ana.job_title) == ("Ana", "Two", "Diretora")
    assert ana.account is not None and ana.account.name == "Acme Ltda"  # the later row's company
    assert ana.search_text == search_index.document(ana)
    assert "two" in ana.search_text.split() and "acme" in ana.search_text.split()
    assert list(ana.memberships.values_list("account__name", flat=True)) == ["Acme Ltda"]
    assert list(ana.addresses.values_list("city", flat=True)) == ["Recife"]  # the first row's
    bia = Contact.objects.select_related("account").get(email="bia@example.com")
    assert bia.account is not None and bia.account.name == "Beta SA"
    assert bia.search_text == search_index.document(bia)
    assert bia.owner_id == admin.pk and bia.created_at == bia.updated_at


COMPANY_HEADER = "Nome,Sobrenome,E-mail,Empresa,Cidade,UF,CEP\n"


def test_an_update_links_the_rows_company_and_changes_the_address_in_place(admin):
    # given Ana without an account but with an address, and Rui already at Beta
    beta = account_create(actor=admin, values={"name": "Beta SA"})
    ana = contact_create(
        actor=admin,
        values={
            "first_name": "Ana",
            "email": "ana@example.com",
            "addresses": [{"city": "Recife", "state": "PE", "postal_code": "50010-000"}],
        },
    )
    rui = contact_create(
        actor=admin, values={"first_name": "Rui", "email": "rui@example.com", "account": beta.pk}
    )
    # when a file updates Ana with a company (new) and a city, and Rui with Beta again
    text = (
        COMPANY_HEADER + "Ana,Souza,ana@example.com,Acme Ltda,Natal,RN,\n"
        "Rui,,rui@example.com,Beta SA,,,\n"
    )
    job = run(admin, upload(admin, text), policy="update")

    # then Ana works at the new Acme (a member too), her one address moved to Natal/RN and
    # kept its CEP, and Rui, unchanged, is skipped
    assert counts(job) == (0, 1, 1, 0, 0)
    ana = Contact.objects.select_related("account").get(pk=ana.pk)
    assert ana.account is not None and ana.account.name == "Acme Ltda"
    assert list(ana.memberships.values_list("account__name", flat=True)) == ["Acme Ltda"]
    assert list(ana.addresses.values_list("city", "state", "postal_code")) == [
        ("Natal", "RN", "50010-000")
    ]
    assert ana.search_text == search_index.document(ana) and "acme" in ana.search_text
    assert ana.last_name == "Souza"
    assert rui.memberships.count() == 1
    # and the batch's audit entry names every change, the account and the address included
    entry = AuditEntry.objects.filter(action="import").get()
    diff = entry.changes["updated"][str(ana.pk)]
    assert diff["account"] == [None, ana.account_id]
    assert diff["address.city"] == ["Recife", "Natal"]
    assert diff["address.state"] == ["PE", "RN"]
    assert entry.changes["accounts_created"] == [ana.account_id]


def test_an_update_gets_an_address_when_the_record_has_none(admin, existing):
    job = run(admin, upload(admin, COMPANY_HEADER + "Ana,,ana@example.com,,Natal,RN,\n"), "update")
    assert counts(job) == (0, 1, 0, 0, 0)
    assert list(existing.addresses.values_list("city", "state")) == [("Natal", "RN")]


def test_an_update_naming_an_account_the_actor_may_not_create_is_rejected(make_user):
    rep = make_user("sales-rep")
    RolePermission.objects.filter(role=rep.role, object_type="customers.account").update(
        can_create=False
    )
    rep = User.objects.get(pk=rep.pk)  # fresh grants
    ana = contact_create(actor=rep, values={"first_name": "Ana", "email": "ana@example.com"})
    text = COMPANY_HEADER + "Ana,Souza,ana@example.com,Nowhere Ltda,Natal,RN,\n"
    job = run(rep, upload(rep, text), policy="update")
    assert counts(job) == (0, 0, 0, 0, 1)
    ana.refresh_from_db()
    assert (ana.last_name, ana.account_id, ana.addresses.count()) == ("", None, 0)
    assert list(ImportRowError.objects.values_list("row_number", "errors")) == [
        (2, {"company": ["No account has this name and you may not create accounts."]})
    ]
    assert not Account.objects.exists()


def test_an_external_id_given_to_an_updated_record_is_not_given_to_a_new_one(admin, existing):
    text = HEADER + "Ana,New,ana@example.com,,n1\nAnother,Row,other@example.com,,n1\n"
    job = run(admin, upload(admin, text), policy="update")
    assert counts(job) == (0, 2, 0, 0, 0)
    existing.refresh_from_db()
    assert (existing.external_id, existing.first_name, existing.email) == (
        "n1",
        "Another",
        "other@example.com",
    )
    assert Contact.objects.count() == 1


def test_reimport_by_external_id_is_idempotent(admin):
    text = HEADER + "Ana,Souza,ana@example.com,,x1\nRui,Lima,,,x2\n"
    first = run(admin, upload(admin, text), policy="flag")
    assert counts(first) == (2, 0, 0, 0, 0)

    second = run(admin, upload(admin, text.replace("Lima", "Lima Neto")), policy="flag")

    assert counts(second) == (0, 1, 1, 0, 0)
    assert Contact.objects.count() == 2
    assert Contact.objects.get(external_id="x2").last_name == "Lima Neto"
    assert not DuplicateCandidate.objects.exists()


def test_rows_only_match_records_the_actor_can_see(make_user):
    # given a rep's contact that another rep cannot see, with an external id
    owner, other = make_user("sales-rep"), make_user("sales-rep")
    contact_create(actor=owner, values={"first_name": "Ana", "email": "ana@example.com"})
    hidden = Contact.objects.get()
    hidden.external_id = "secret-1"
    hidden.save()

    # when the other rep imports the same e-mail and that external id
    text = HEADER + "Ana,Mine,ana@example.com,,\nZoe,Z,,,secret-1\n"
    job = run(other, upload(other, text), policy="update")

    # then the hidden record is untouched, the e-mail row creates the rep's own contact and the
    # external-id row is refused rather than revealing or touching the hidden one
    assert counts(job) == (1, 0, 0, 0, 1)
    hidden.refresh_from_db()
    assert (hidden.last_name, hidden.owner_id) == ("", owner.pk)
    assert Contact.objects.filter(owner=other).count() == 1
    assert list(ImportRowError.objects.values_list("errors", flat=True)) == [
        {"external_id": ["This external id belongs to a record you cannot see."]}
    ]


# --- batches, crash and resume --------------------------------------------------------------


def ten_rows() -> str:
    return (
        HEADER
        + "".join(f"P{i},Row,p{i}@example.com,,e{i}\n" for i in range(10))
        + ("Bad,Row,not-an-email,,e10\n")
    )


def test_a_crash_inside_a_batch_leaves_no_half_batch_and_resume_finishes_exactly(admin):
    job = upload(admin, ten_rows())
    import_configure(actor=admin, job_id=job.pk, mapping=job.mapping, duplicate_policy="skip")

    def crash(job: ImportJob, batch: int) -> None:
        if batch == 2:
            raise RuntimeError("power cut")

    # when the runner dies while writing its third batch of 3 rows
    with pytest.raises(RuntimeError):
        import_run(actor=admin, job_id=job.pk, batch_size=3, before_commit=crash)

    # then exactly the first two batches are there, and the job says where it stopped
    job.refresh_from_db()
    assert (job.status, job.position) == ("failed", 6)
    assert "row 7" in job.message
    assert Contact.objects.count() == 6
    assert AuditEntry.objects.filter(object_type="customers.import").count() == 2

    # when it is resumed
    job = import_run(actor=admin, job_id=job.pk, batch_size=3)

    # then every row is there once, with exact counts
    assert (job.status, job.position) == ("done", 11)
    assert counts(job) == (10, 0, 0, 0, 1)
    assert Contact.objects.count() == 10
    assert Contact.objects.values("external_id").distinct().count() == 10
    assert ImportRowError.objects.filter(job=job).count() == 1


def test_a_runner_killed_between_batches_is_resumed_from_its_position(admin):
    job = upload(admin, ten_rows())
    import_configure(actor=admin, job_id=job.pk, mapping=job.mapping, duplicate_policy="skip")

    def killed(job: ImportJob) -> None:
        if job.position >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_run(actor=admin, job_id=job.pk, batch_size=4, progress=killed)
    assert import_get(admin, job.pk).position == 4
    assert Contact.objects.count() == 4

    job = import_run(actor=admin, job_id=job.pk, batch_size=4)
    assert counts(job) == (10, 0, 0, 0, 1)
    assert Contact.objects.count() == 10


def test_a_running_job_is_not_run_twice_unless_resumed(admin):
    job = upload(admin, ten_rows())
    import_configure(actor=admin, job_id=job.pk, mapping=job.mapping, duplicate_policy="skip")
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    with pytest.raises(ValidationFailed.__mro__[1]) as refused:
        import_run(actor=admin, job_id=job.pk)
    assert refused.value.status == 409
    assert import_run(actor=admin, job_id=job.pk, resume=True).created_count == 10


# --- audit, search, permissions -------------------------------------------------------------


def test_each_batch_writes_one_import_audit_entry_listing_what_it_did(admin):
    job = run(admin, upload(admin, ten_rows()), batch_size=5)
    entries = list(AuditEntry.objects.filter(object_type="customers.import").order_by("seq"))
    # (the third batch holds only the rejected row: it changed nothing, so it has no entry)
    assert [e.channel for e in entries] == ["import"] * 2
    assert [e.object_id for e in entries] == [str(job.pk)] * 2
    created = [pk for e in entries for pk in e.changes["created"]]
    assert sorted(created) == sorted(Contact.objects.values_list("pk", flat=True))
    assert entries[0].changes["rows"] == [2, 6]


def test_accounts_created_for_companies_are_in_the_audit_entry(admin):
    run(admin, upload(admin, "Nome,Empresa\nAna,Acme\nRui,Acme\nEva,Beta\n"))
    entry = AuditEntry.objects.get(object_type="customers.import")
    assert sorted(entry.changes["accounts_created"]) == sorted(
        Account.objects.values_list("pk", flat=True)
    )
    assert Account.objects.count() == 2
    assert AccountContact.objects.count() == 3


def test_bulk_created_rows_are_found_by_search(admin):
    run(admin, upload(admin, "Nome,Sobrenome,Telefone\nJoão,Gonçalves,(21) 99876-5432\n"))
    found = search(Contact.objects.all(), "joao goncalves")
    assert [c.first_name for c in found] == ["João"]


def test_a_read_only_user_cannot_import_and_nothing_is_stored(make_user, data_dir):
    reader = make_user("read-only")
    with pytest.raises(PermissionDenied):
        upload(reader, HEADER + "Ana,Souza,,,\n")
    assert not ImportJob.objects.exists()
    assert stored_files(data_dir) == []


def test_another_users_import_is_not_found(admin, make_user):
    job = upload(admin, HEADER + "Ana,Souza,,,\n")
    with pytest.raises(NotFound):
        import_get(make_user("administrator"), job.pk)


# --- mapping --------------------------------------------------------------------------------


def test_common_headers_map_without_help_whatever_their_case_and_accents(db):
    headers = [
        *("NOME", "sobrenome", "E-mail", "Telefone Celular", "Função", "Razão"),
        *("CPF/CNPJ", "Município", "uf", "C.E.P.", "Código"),
    ]
    assert guess_mapping(CONTACTS, headers) == {
        "0": "first_name",
        "1": "last_name",
        "2": "email",
        "3": "phone",
        "4": "job_title",
        "6": "tax_id",
        "7": "city",
        "8": "state",
        "9": "postal_code",
        "10": "external_id",
    }


def test_a_chosen_mapping_is_remembered_for_the_same_headers_in_any_order(admin):
    first = upload(admin, "Apelido,Correio\nAna,ana@example.com\n")
    assert first.mapping == {"0": "last_name"}
    import_configure(
        actor=admin,
        job_id=first.pk,
        mapping={"0": "first_name", "1": "email"},
        duplicate_policy="skip",
    )
    second = upload(admin, "correio,APELIDO\nrui@example.com,Rui\n")
    assert second.mapping == {"0": "email", "1": "first_name"}


def test_a_mapping_without_the_required_fields_is_refused(admin):
    job = upload(admin, "Email\nana@example.com\n")
    with pytest.raises(ValidationFailed) as refused:
        import_configure(actor=admin, job_id=job.pk, mapping=job.mapping, duplicate_policy="skip")
    assert "First name" in refused.value.errors["mapping"][0]
    assert import_get(admin, job.pk).status == "uploaded"


# --- accounts and leads ---------------------------------------------------------------------


def test_accounts_import_with_cnpj_and_match_by_tax_id(admin):
    text = "Razão Social,CNPJ,Site\nAcme Ltda,11.222.333/0001-81,https://acme.example\n"
    job = run(admin, upload(admin, text, kind="accounts"))
    assert counts(job) == (1, 0, 0, 0, 0)
    account = Account.objects.get()
    assert (account.name, account.tax_id) == ("Acme Ltda", "11.222.333/0001-81")
    again = run(
        admin, upload(admin, text.replace("Acme Ltda", "Acme SA"), kind="accounts"), "update"
    )
    assert counts(again) == (0, 1, 0, 0, 0)
    assert Account.objects.get().name == "Acme SA"


def test_leads_import_with_source_import(admin):
    text = "Nome completo,Empresa,E-mail\nMaria da Silva,Beta,maria@example.com\n,,\n"
    job = run(admin, upload(admin, text, kind="leads"))
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.company, lead.source) == (
        "Maria",
        "da Silva",
        "Beta",
        "import",
    )
    assert counts(job) == (1, 0, 0, 0, 0)
