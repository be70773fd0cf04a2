"""Long imports clean their rows in a helper process: the same outcome as cleaning in-process."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.db import transaction
from django.utils import translation

from clientela.customers import search_index
from clientela.customers.imports import import_configure, import_create, import_run
from clientela.customers.imports.batch import clean_cells, clean_cells_of, unpack
from clientela.customers.imports.jobs import _cleaned_batches, _context, _source, stored_file
from clientela.customers.imports.matching import wanted_keys
from clientela.customers.imports.reading import FileRejected
from clientela.customers.imports.specs import CONTACTS
from clientela.customers.models import Address, Contact, ImportJob, ImportRowError
from clientela.platform import customfields, processes
from clientela.platform.models import User

HEADER = "Nome;Sobrenome;E-mail;Celular;CPF;Empresa;Cidade;UF;CEP;ID\n"


def _cpf(n: int) -> str:
    """A valid CPF for each ``n``: nine digits and their two check digits."""
    digits = [int(d) for d in f"{310_000_000 + n * 7919:09d}"]
    for size in (9, 10):
        rest = sum(d * w for d, w in zip(digits, range(size + 1, 1, -1), strict=False)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    text = "".join(map(str, digits))
    return f"{text[:3]}.{text[3:6]}.{text[6:9]}-{text[9:]}"


def _csv() -> str:
    lines = [HEADER]
    for n in range(1, 31):
        email = f"pessoa{n}@example.com"
        cpf = _cpf(n)
        if n == 7:
            email = "sem-arroba"  # rejected
        if n == 11:
            cpf = "123.456.789-00"  # rejected: check digits
        if n == 15:
            email = "pessoa3@example.com"  # the same person as row 3: skipped
        phone = f"(11) 9{8000 + n:04d}-{1000 + n:04d}"
        company = f"Empresa {n % 3}" if n % 5 else ""
        lines.append(
            f"João {n};Silva;{email};{phone};{cpf};{company};São Paulo;SP;0131{n:04d};c-{n}\n"
        )
    return "".join(lines)


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.CLIENTELA_IMPORT_PARALLEL_MIN_ROWS = 1
    return settings.DATA_DIR


def _job(actor: User, tmp_path: Path) -> ImportJob:
    path = tmp_path / "contatos.csv"
    path.write_text(_csv(), encoding="utf-8")
    job = import_create(actor=actor, object_type="contacts", file_name=path.name, upload=path)
    return import_configure(
        actor=actor, job_id=job.pk, mapping=job.mapping, duplicate_policy="skip"
    )


def _outcome(job: ImportJob) -> dict[str, Any]:
    job.refresh_from_db()
    contacts = Contact.objects.order_by("external_id").select_related("account")
    return {
        "counts": (job.created_count, job.skipped_count, job.error_count),
        "contacts": [
            (c.external_id, c.first_name, c.email, c.phone, c.tax_id, c.search_text, company)
            for c in contacts
            for company in [c.account.name if c.account else ""]
        ],
        "addresses": sorted(Address.objects.values_list("city", "state", "postal_code")),
        "rejected": list(
            ImportRowError.objects.filter(job=job)
            .order_by("row_number")
            .values_list("row_number", "errors")
        ),
    }


class Undo(Exception):
    pass


def test_a_helper_process_cleans_rows_as_this_process_does(db):
    rows = [(n + 2, line.split(";")) for n, line in enumerate(_csv().splitlines()[1:])]
    columns = [(0, "first_name"), (1, "last_name"), (2, "email"), (3, "phone"), (4, "tax_id")]
    fields = customfields.snapshot()  # the helper gets the custom fields' definitions
    with translation.override("pt-br"), processes.helper_process() as helper:
        here = clean_cells(CONTACTS, None, columns, 10, rows)
        there = unpack(
            *helper.submit(clean_cells_of, "contacts", columns, 10, rows, fields).result()
        )
    assert [(n, r.values, r.keys, r.document) for n, r in there[0]] == [
        (n, r.values, r.keys, r.document) for n, r in here[0]
    ]
    assert len(there[0]) == 28
    # with the same insert parameters and the same keys to look up
    assert [r.params for _n, r in there[0]] == [r.params for _n, r in here[0]]
    assert there[2] == wanted_keys(CONTACTS, (r for _n, r in here[0]))
    assert "pessoa3@example.com" in there[2]["email"]
    # the helper speaks the caller's language
    assert there[1] == here[1]
    assert [n for n, _errors in there[1]] == [8, 12]
    assert there[1][0][1] == {"email": ["Informe um endereço de e-mail válido."]}


def test_the_helper_refuses_queries():
    with processes.helper_process() as helper:
        future = helper.submit(Contact.objects.count)
        with pytest.raises(processes.QueryRefused):
            future.result()


def test_leaving_the_block_stops_the_helper():
    with processes.helper_process() as helper:
        pid = helper.submit(os.getpid).result()
        assert pid != os.getpid()
        process = psutil.Process(pid)
    # the block does not wait for the interpreter to end, but it does end, by itself
    gone, alive = psutil.wait_procs([process], timeout=30)
    assert [p.pid for p in gone] == [pid] and not alive


def test_batches_after_the_first_come_cleaned_from_the_helper(
    make_user: Callable[..., User], tmp_path: Path
):
    admin = make_user("administrator")
    job = _job(admin, tmp_path)
    ctx = _context(admin, job)
    batches = list(_cleaned_batches(ctx, _source(job, 0), 8, 30))
    assert [len(rows) for rows, _cleaned in batches] == [8, 8, 8, 6]
    assert batches[0][1] is None  # the first is cleaned in the batch, while the helper starts
    assert all(cleaned is not None for _rows, cleaned in batches[1:])
    # the helper read the rows itself, from where this process stopped
    assert [n for n, _cells in batches[1][0]] == list(range(10, 18))
    assert batches[1][0][0][1][:3] == ["João 9", "Silva", "pessoa9@example.com"]
    assert [n for n, _row in batches[1][1][0]] == [10, 11, 13, 14, 15, 16, 17]
    assert [n for n, _errors in batches[1][1][1]] == [12]
    assert [n for n, _cells in batches[-1][0]] == list(range(26, 32))


def test_a_helper_started_ahead_is_the_one_the_import_uses(
    make_user: Callable[..., User], tmp_path: Path
):
    admin = make_user("administrator")
    job = _job(admin, tmp_path)
    ctx = _context(admin, job)
    processes.start_helper()
    assert processes._ahead is not None
    processes._ahead[1].result(timeout=60)  # booted
    batches = list(_cleaned_batches(ctx, _source(job, 3), 8, 27))
    assert processes._ahead is None  # taken, and stopped with the batches
    assert [len(rows) for rows, _cleaned in batches] == [8, 8, 8, 3]
    assert [n for n, _cells in batches[0][0]] == list(range(5, 13))  # after 3 rows skipped
    assert [n for n, _cells in batches[1][0]] == list(range(13, 21))
    assert all(cleaned is not None for _rows, cleaned in batches[1:])
    processes.stop_helper()  # nothing left to stop
    assert processes._ahead is None


def test_a_malformed_row_read_by_the_helper_fails_the_import_as_it_would_here(
    make_user: Callable[..., User], tmp_path: Path
):
    admin = make_user("administrator")
    job = _job(admin, tmp_path)
    # The stored copy breaks after the upload was checked (a disk fault, say), on row 21.
    stored = stored_file(job)
    lines = stored.read_text(encoding="utf-8").splitlines(keepends=True)
    stored.write_text("".join([*lines[:20], 'Ana;"Souza\n']), encoding="utf-8")
    with pytest.raises(FileRejected) as raised:
        import_run(actor=admin, job_id=job.pk, batch_size=8)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.position == 16  # the two whole batches before the broken row
    assert "The CSV file is malformed" in raised.value.message
    assert "malformed" in job.message


@pytest.mark.django_db(transaction=False)
def test_an_import_gives_the_same_records_with_or_without_the_helper(
    make_user: Callable[..., User], tmp_path: Path, settings: Any
):
    admin = make_user("administrator")
    with translation.override("pt-br"):
        try:
            with transaction.atomic():
                job = import_run(actor=admin, job_id=_job(admin, tmp_path).pk, batch_size=8)
                helped = _outcome(job)
                raise Undo
        except Undo:
            pass
        assert not Contact.objects.exists()
        settings.CLIENTELA_HELPER_PROCESSES = False
        job = import_run(actor=admin, job_id=_job(admin, tmp_path).pk, batch_size=8)
        alone = _outcome(job)
    assert helped == alone
    # the search text cleaned with each row is the one the saved record gives
    for contact in Contact.objects.select_related("account"):
        assert contact.search_text == search_index.document(contact)
    assert helped["counts"] == (27, 1, 2)
    assert [n for n, _e in helped["rejected"]] == [8, 12]
    assert helped["rejected"][1][1] == {"tax_id": ["Informe um CPF válido."]}
