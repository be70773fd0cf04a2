"""``clientela import contacts FILE``: the wizard's import from a terminal, resumable."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from clientela.cli import main
from clientela.customers.imports import import_configure, import_create, import_run
from clientela.customers.models import Contact, ImportJob

ROWS = "Nome,Sobrenome,E-mail,ID\nAna,Souza,ana@example.com,c1\nRui,Lima,bad,c2\nEva,Melo,,c3\n"


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def rows_file(tmp_path: Path) -> Path:
    path = tmp_path / "contatos.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def test_import_prints_progress_and_a_summary_and_writes_the_rejected_rows(
    admin_user, rows_file, tmp_path, capsys
):
    errors = tmp_path / "rejected.csv"
    code = main(["import", "contacts", str(rows_file), "--user", "admin", "--errors", str(errors)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "3/3 rows (100%)" in err
    assert "done in" in out and "2 created, 0 updated, 0 skipped, 0 flagged, 1 rejected" in out
    assert sorted(Contact.objects.values_list("external_id", flat=True)) == ["c1", "c3"]
    with errors.open(encoding="utf-8") as handle:
        rejected = list(csv.reader(handle))
    assert rejected[1][:2] == ["3", "E-mail: Enter a valid e-mail address."]


def test_reimport_with_update_changes_the_same_records(admin_user, rows_file, capsys):
    assert main(["import", "contacts", str(rows_file), "--user", "admin"]) == 0
    rows_file.write_text(ROWS.replace("Souza", "Souza Neto"), encoding="utf-8")
    assert main(["import", "contacts", str(rows_file), "--duplicates", "update"]) == 0
    out = capsys.readouterr().out.splitlines()[-1]
    assert "0 created, 1 updated, 1 skipped, 0 flagged, 1 rejected" in out
    assert Contact.objects.get(external_id="c1").last_name == "Souza Neto"
    assert Contact.objects.count() == 2


def test_an_explicit_mapping_overrides_the_guess(admin_user, tmp_path, capsys):
    path = tmp_path / "odd.csv"
    path.write_text("Apelido,Correio\nAna,ana@example.com\n", encoding="utf-8")
    mapping = json.dumps({"Apelido": "first_name", "Correio": "email"})
    assert main(["import", "contacts", str(path), "--user", "admin", "--mapping", mapping]) == 0
    assert Contact.objects.get().email == "ana@example.com"


def test_a_refused_file_exits_1_and_leaves_nothing(admin_user, tmp_path, data_dir, capsys):
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(range(256)) * 20)
    assert main(["import", "contacts", str(path), "--user", "admin"]) == 1
    assert "not a text table" in capsys.readouterr().err
    assert not ImportJob.objects.exists()
    assert list((data_dir / "imports").iterdir()) == []


def test_a_missing_mapping_for_required_fields_exits_1(admin_user, tmp_path, capsys):
    path = tmp_path / "emails.csv"
    path.write_text("E-mail\nana@example.com\n", encoding="utf-8")
    assert main(["import", "contacts", str(path), "--user", "admin"]) == 1
    assert "First name" in capsys.readouterr().err
    assert not Contact.objects.exists()


def test_unknown_user_exits_2(db, rows_file, capsys):
    assert main(["import", "contacts", str(rows_file), "--user", "nobody"]) == 2
    assert "no such active user" in capsys.readouterr().err


def test_resume_finishes_a_crashed_import_exactly(admin_user, rows_file, capsys):
    # given an import that died after its first batch of one row
    job = import_create(
        actor=admin_user, object_type="contacts", file_name="c.csv", upload=rows_file
    )
    import_configure(actor=admin_user, job_id=job.pk, mapping=job.mapping, duplicate_policy="skip")

    def die(job: ImportJob, batch: int) -> None:
        if batch == 1:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        import_run(actor=admin_user, job_id=job.pk, batch_size=1, before_commit=die)
    assert Contact.objects.count() == 1

    # when it is resumed from the command line
    assert main(["import", "contacts", "--resume", str(job.pk)]) == 0

    # then the rest is imported once, with exact counts
    assert "2 created, 0 updated, 0 skipped, 0 flagged, 1 rejected" in capsys.readouterr().out
    assert sorted(Contact.objects.values_list("external_id", flat=True)) == ["c1", "c3"]
    job.refresh_from_db()
    assert (job.status, job.position, job.created_count) == ("done", 3, 2)


def test_resuming_a_finished_import_exits_1(admin_user, rows_file, capsys):
    assert main(["import", "contacts", str(rows_file), "--user", "admin"]) == 0
    job = ImportJob.objects.get()
    assert main(["import", "contacts", "--resume", str(job.pk)]) == 1
    assert "cannot be run now" in capsys.readouterr().err


def test_a_long_file_gets_its_helper_started_before_django_is_set_up(
    admin_user, rows_file, tmp_path, settings, monkeypatch, capsys
):
    from clientela.commands import import_ as command
    from clientela.platform import processes

    monkeypatch.setattr(command, "HELPER_MIN_BYTES", 2000)
    settings.CLIENTELA_IMPORT_PARALLEL_MIN_ROWS = 1
    started: list[bool] = []
    start = processes.start_helper
    monkeypatch.setattr(processes, "start_helper", lambda: [started.append(True), start()][-1])
    assert main(["import", "contacts", str(rows_file), "--user", "admin"]) == 0
    assert started == []  # a short file: no helper
    path = tmp_path / "longo.csv"
    lines = [f"Pessoa {n},Souza,p{n}@example.com,L{n}\n" for n in range(250)]
    path.write_text("Nome,Sobrenome,E-mail,ID\n" + "".join(lines), encoding="utf-8")
    assert path.stat().st_size > 2000
    code = main(["import", "contacts", str(path), "--user", "admin", "--batch-size", "100"])
    assert code == 0, capsys.readouterr().err
    assert started == [True]
    assert processes._ahead is None  # taken by the import, which stopped it
    assert "250 created" in capsys.readouterr().out
    assert Contact.objects.filter(external_id__startswith="L").count() == 250


def _vehicles(admin: Any) -> None:
    from clientela.platform.services import customfields, customobjects

    customobjects.object_create(
        actor=admin, values={"key": "vehicle", "label": "Vehicle", "label_plural": "Vehicles"}
    )
    customfields.field_create(
        actor=admin,
        values={
            "object_type": "objects.vehicle",
            "key": "year",
            "label": "Year",
            "field_type": "integer",
            "min_value": 1900,
        },
    )


def test_a_custom_objects_records_import_from_a_terminal_all_or_nothing(
    admin_user: Any, tmp_path: Path, capsys: Any
) -> None:
    from clientela.platform.models import CustomRecord

    _vehicles(admin_user)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,year\nFusca,1970\nDelorean,1800\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("name,Year\nFusca,1970\nKombi,1975\n", encoding="utf-8")

    assert main(["import", "objects.vehicle", str(bad), "--user", "admin"]) == 1
    refused = capsys.readouterr().err
    assert "row 3" in refused and CustomRecord.objects.count() == 0

    assert main(["import", "objects.vehicle", str(good), "--user", "admin"]) == 0
    assert "Imported 2 Vehicles." in capsys.readouterr().out
    saved = {r.name: r.custom for r in CustomRecord.objects.all()}
    assert saved == {"Fusca": {"year": 1970}, "Kombi": {"year": 1975}}
    assert main(["import", "objects.nothing", str(good)]) == 2
