"""A large import into a small table drops the list and sort indexes and builds them again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models.signals import pre_migrate

from clientela.customers.imports import bulkload, import_configure, import_create, import_run
from clientela.customers.imports.tasks import restore_import_indexes
from clientela.customers.models import Address, Contact, ImportJob
from clientela.customers.services import contact_create
from clientela.platform.models import User

HEADER = "Nome;Sobrenome;E-mail;Cidade;CEP;ID\n"
# the contacts' indexes an import may leave for later; e-mail, phone and tax id stay (it
# looks rows up by them), as do the partial ones and the unique external id
SORTS = {
    "customers_c_last_na_e8cd2e_idx",
    "customers_c_team_id_7f9907_idx",
    "customers_c_owner_i_f5b749_idx",
    "customers_c_team_id_52d594_idx",
    "customers_c_created_0e025d_idx",
    "customers_c_owner_i_6efed4_idx",
    "customers_c_team_id_d41b2f_idx",
}
ADDRESS_SORTS = {index.name for index in Address._meta.indexes}


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.CLIENTELA_IMPORT_DEFER_INDEXES_MIN_ROWS = 10
    settings.CLIENTELA_HELPER_PROCESSES = False
    return settings.DATA_DIR


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("administrator")


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def _job(actor: User, tmp_path: Path, rows: int = 12) -> ImportJob:
    path = tmp_path / "contatos.csv"
    lines = [HEADER]
    lines += [f"Pessoa {n};Souza;p{n}@example.com;Recife;5001{n:04d};x-{n}\n" for n in range(rows)]
    path.write_text("".join(lines), encoding="utf-8")
    job = import_create(actor=actor, object_type="contacts", file_name=path.name, upload=path)
    return import_configure(
        actor=actor, job_id=job.pk, mapping=job.mapping, duplicate_policy="skip"
    )


def test_the_sort_indexes_wait_while_the_rows_go_in_and_are_built_again(admin, tmp_path):
    before = _indexes("customers_contact")
    assert before >= SORTS
    seen: list[tuple[set[str], set[str], str]] = []

    def look(job: ImportJob, batch: int) -> None:
        job.refresh_from_db(fields=["deferred_indexes"])
        note = job.deferred_indexes
        seen.append((_indexes("customers_contact"), _indexes("customers_address"), note))

    job = import_run(actor=admin, job_id=_job(admin, tmp_path).pk, batch_size=5, before_commit=look)

    # while the rows went in, the sort indexes were gone and the job said so
    assert len(seen) == 3
    for contact_indexes, address_indexes, note in seen:
        assert not SORTS & contact_indexes
        assert not ADDRESS_SORTS & address_indexes
        assert before - SORTS <= contact_indexes  # look-ups, unique and partial ones stayed
        assert {f"customers.Contact:{name}" for name in SORTS} <= set(note.split(","))
    # afterwards every index is back, the note is gone, and the records are all there
    job.refresh_from_db()
    assert (job.status, job.created_count, job.deferred_indexes) == ("done", 12, "")
    assert _indexes("customers_contact") == before
    assert _indexes("customers_address") >= ADDRESS_SORTS
    assert Contact.objects.count() == 12
    assert list(Contact.objects.filter(email="p3@example.com").values_list("first_name", flat=True))


def test_a_failed_import_builds_them_again_too(admin, tmp_path):
    before = _indexes("customers_contact")

    def crash(job: ImportJob, batch: int) -> None:
        if batch == 1:
            raise RuntimeError("power cut")

    job = _job(admin, tmp_path)
    with pytest.raises(RuntimeError):
        import_run(actor=admin, job_id=job.pk, batch_size=5, before_commit=crash)
    job.refresh_from_db()
    assert (job.status, job.position, job.deferred_indexes) == ("failed", 5, "")
    assert _indexes("customers_contact") == before


def test_small_imports_and_big_tables_keep_their_indexes(admin, tmp_path, settings):
    before = _indexes("customers_contact")
    settings.CLIENTELA_IMPORT_DEFER_INDEXES_MIN_ROWS = 13  # the file has 12 rows
    assert bulkload.defer(_job(admin, tmp_path), 12, [(Contact, ["email"])]) == 0
    settings.CLIENTELA_IMPORT_DEFER_INDEXES_MIN_ROWS = 10
    for n in range(12):  # the table already holds as many rows as the file brings
        contact_create(actor=admin, values={"first_name": f"Já {n}", "email": f"ja{n}@x.com"})
    assert bulkload.defer(_job(admin, tmp_path), 12, [(Contact, ["email"])]) == 0
    assert _indexes("customers_contact") == before


def test_a_runner_that_died_leaves_a_note_the_sweep_and_the_next_run_act_on(admin, tmp_path):
    before = _indexes("customers_contact")
    job = _job(admin, tmp_path)
    # a runner drops the indexes, marks the job running and dies
    assert bulkload.defer(job, 12, [(Contact, ["email", "phone", "tax_id", "external_id"])]) == 7
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    assert not SORTS & _indexes("customers_contact")

    # the hourly sweep leaves a job that may still be running alone
    assert restore_import_indexes.call() == {"built": 0}
    assert not SORTS & _indexes("customers_contact")

    # once the job is known to have stopped, the sweep builds them
    ImportJob.objects.filter(pk=job.pk).update(status="failed")
    assert restore_import_indexes.call() == {"built": 7}
    assert _indexes("customers_contact") == before
    job.refresh_from_db()
    assert job.deferred_indexes == ""

    # and a resumed run first builds what its dead runner left
    bulkload.defer(job, 12, [(Contact, ["email"])])
    job.refresh_from_db()
    job = import_run(actor=admin, job_id=job.pk, batch_size=50, resume=True)
    assert (job.status, job.created_count, job.deferred_indexes) == ("done", 12, "")
    assert _indexes("customers_contact") == before


def test_migrate_builds_every_dropped_index_first(admin, tmp_path):
    before = _indexes("customers_contact")
    job = _job(admin, tmp_path)
    bulkload.defer(job, 12, [(Contact, ["email"])])
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    receivers = pre_migrate._live_receivers(apps.get_app_config("customers"))[0]
    assert bulkload.before_migrate in receivers
    bulkload.before_migrate(sender=apps.get_app_config("customers"))
    assert _indexes("customers_contact") == before
    job.refresh_from_db()
    assert job.deferred_indexes == ""


def test_a_note_naming_an_index_the_model_no_longer_declares_is_let_go(admin, tmp_path):
    job = _job(admin, tmp_path)
    ImportJob.objects.filter(pk=job.pk).update(
        deferred_indexes="customers.Contact:gone_idx,nosuch.Model:x,garbage", status="failed"
    )
    assert bulkload.restore_abandoned() == 0
    job.refresh_from_db()
    assert job.deferred_indexes == ""
