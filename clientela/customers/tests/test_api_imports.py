"""The import and export API: upload, run in the worker, progress, rejected rows, exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import vobject
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from clientela.customers.imports import import_configure, import_run
from clientela.customers.imports.tasks import run_import
from clientela.customers.models import Account, Contact, ImportJob, Lead
from clientela.customers.services import account_create, contact_create
from clientela.platform.models import Notification

CSV = (
    "Nome;Sobrenome;E-mail;Telefone\n"
    "Ana;Souza;ana@example.com;(11) 98765-4321\n"
    "Rui;Lima;not-an-email;\n"
    "Eva;Melo;eva@example.com;\n"
)


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def post_file(api: Any, content: bytes, name: str = "c.csv", object_type: str = "contacts"):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return api.client.post(
        "/api/v1/imports", {"file": upload, "object_type": object_type}, headers=api.headers
    )


def test_upload_run_progress_and_rejected_rows(
    admin_user, api_as, django_capture_on_commit_callbacks
):
    api = api_as(admin_user)

    # when a file is uploaded
    created = post_file(api, CSV.encode("cp1252"))
    assert created.status_code == 201, created.content
    job = created.json()
    assert (job["status"], job["total_rows"], job["delimiter"]) == ("uploaded", 3, ";")
    assert job["mapping"] == {"0": "first_name", "1": "last_name", "2": "email", "3": "phone"}

    # and run: the run is queued for the worker
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"/api/v1/imports/{job['id']}/run", {"duplicate_policy": "update"})
    assert started.status_code == 202, started.content
    queued = DBTaskResult.objects.get()
    assert (queued.task_path, queued.args_kwargs["args"]) == (
        "clientela.customers.imports.tasks.run_import",
        [job["id"]],
    )

    # when the worker runs it
    assert run_import.call(job["id"]) == {"created": 2, "updated": 0, "errors": 1}

    # then the progress says done, with exact counts, and the user was told
    progress = api.get(f"/api/v1/imports/{job['id']}").json()
    assert (progress["status"], progress["position"], progress["duplicate_policy"]) == (
        "done",
        3,
        "update",
    )
    assert (progress["created_count"], progress["error_count"]) == (2, 1)
    detail = reverse("customers:import_detail", args=[job["id"]])
    notice = Notification.objects.get(user=admin_user, url=detail)
    assert notice.title == "The import of c.csv is done."

    # and the rejected row can be downloaded with its reason
    report = api.get(f"/api/v1/imports/{job['id']}/errors.csv")
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Row", "Reasons", "Nome", "Sobrenome", "E-mail", "Telefone"]
    assert rows[1] == [
        "3",
        "E-mail: Enter a valid e-mail address.",
        "Rui",
        "Lima",
        "not-an-email",
        "",
    ]


def test_junk_upload_is_a_problem_and_stores_nothing(admin_user, api_as, data_dir):
    response = post_file(api_as(admin_user), bytes(range(256)) * 10, name="x.csv")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "not a text table" in response.json()["errors"]["file"][0]
    assert not ImportJob.objects.exists()
    assert not any((data_dir / "imports").iterdir())


def test_an_upload_over_the_limit_is_refused_and_stores_nothing(
    admin_user, api_as, data_dir, settings
):
    settings.CLIENTELA_IMPORT_MAX_BYTES = 1024
    response = post_file(api_as(admin_user), CSV.encode() * 100)
    assert response.status_code == 422
    assert "larger than" in response.json()["errors"]["file"][0]
    assert not ImportJob.objects.exists()
    assert not any((data_dir / "imports").iterdir())


def test_unknown_record_type_is_refused(admin_user, api_as):
    response = post_file(api_as(admin_user), CSV.encode(), object_type="tickets")
    assert response.status_code == 422
    assert not ImportJob.objects.exists()


def test_a_read_only_token_cannot_upload(admin_user, api_as):
    response = post_file(api_as(admin_user, read_only=True), CSV.encode())
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_bad_mapping_is_refused_and_nothing_is_queued(admin_user, api_as):
    api = api_as(admin_user)
    job = post_file(api, CSV.encode()).json()
    response = api.post(f"/api/v1/imports/{job['id']}/run", {"mapping": {"0": "email"}})
    assert response.status_code == 422
    assert "mapping" in response.json()["errors"]
    assert not DBTaskResult.objects.exists()
    assert ImportJob.objects.get().status == "uploaded"


def test_another_users_import_is_not_found(admin_user, make_user, api_as):
    job = post_file(api_as(admin_user), CSV.encode()).json()
    other = api_as(make_user("administrator"))
    assert other.get(f"/api/v1/imports/{job['id']}").status_code == 404
    assert other.post(f"/api/v1/imports/{job['id']}/run", {}).status_code == 404
    assert other.get(f"/api/v1/imports/{job['id']}/errors.csv").status_code == 404
    assert not DBTaskResult.objects.exists()


def test_a_failed_import_is_resumed_by_run(admin_user, api_as, django_capture_on_commit_callbacks):
    api = api_as(admin_user)
    job = post_file(api, CSV.encode()).json()
    configure = {"duplicate_policy": "skip"}
    import_configure(actor=admin_user, job_id=job["id"], mapping=job["mapping"], **configure)

    def crash(_job: ImportJob, batch: int) -> None:
        if batch == 1:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        import_run(actor=admin_user, job_id=job["id"], batch_size=1, before_commit=crash)
    failed = api.get(f"/api/v1/imports/{job['id']}").json()
    assert (failed["status"], failed["position"], failed["created_count"]) == ("failed", 1, 1)

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/imports/{job['id']}/run", {}).status_code == 202
    run_import.call(job["id"])

    done = api.get(f"/api/v1/imports/{job['id']}").json()
    assert (done["status"], done["position"], done["created_count"], done["error_count"]) == (
        "done",
        3,
        2,
        1,
    )
    assert Contact.objects.count() == 2


def test_a_finished_import_cannot_be_run_again(admin_user, api_as):
    api = api_as(admin_user)
    job = post_file(api, CSV.encode()).json()
    ImportJob.objects.filter(pk=job["id"]).update(status="done")
    response = api.post(f"/api/v1/imports/{job['id']}/run", {})
    assert response.status_code == 409


# --- exports ------------------------------------------------------------------------------


@pytest.fixture
def records(admin_user):
    contact_create(actor=admin_user, values={"first_name": "Ana", "email": "ana@example.com"})
    contact_create(actor=admin_user, values={"first_name": "=cmd|' /C calc'!A0"})
    account_create(actor=admin_user, values={"name": "Acme"})
    Lead.objects.create(owner=admin_user, first_name="Lia", company="Beta", search_text="lia beta")


def read_csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_contacts_export_csv_is_neutralised_and_searchable(admin_user, api_as, records):
    api = api_as(admin_user)
    response = api.get("/api/v1/contacts/export?format=csv")
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0][:3] == ["First name", "Last name", "E-mail"]
    assert sorted(r[0] for r in rows[1:]) == ["'=cmd|' /C calc'!A0", "Ana"]
    only_ana = read_csv(api.get("/api/v1/contacts/export", {"format": "csv", "q": "ana"}))
    assert [r[0] for r in only_ana[1:]] == ["Ana"]


def test_contacts_export_xlsx_and_vcard(admin_user, api_as, records):
    api = api_as(admin_user)
    xlsx = api.get("/api/v1/contacts/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).worksheets[0]
    assert sheet.max_row == 3
    vcf = api.get("/api/v1/contacts/export?format=vcf")
    assert vcf["Content-Type"].startswith("text/vcard")
    cards = list(vobject.readComponents(b"".join(vcf.streaming_content).decode("utf-8")))
    assert sorted(c.fn.value for c in cards) == ["=cmd|' /C calc'!A0", "Ana"]


def test_accounts_and_leads_export(admin_user, api_as, records):
    api = api_as(admin_user)
    accounts = read_csv(api.get("/api/v1/accounts/export?format=csv"))
    assert [r[0] for r in accounts[1:]] == ["Acme"]
    leads = read_csv(api.get("/api/v1/leads/export?format=csv"))
    assert [(r[0], r[2]) for r in leads[1:]] == [("Lia", "Beta")]
    assert api.get("/api/v1/accounts/export?format=vcf").status_code == 422


def test_export_without_the_right_is_forbidden(make_user, api_as, records):
    rep = api_as(make_user("sales-rep"))
    assert rep.get("/api/v1/contacts/export?format=csv").status_code == 403
    assert rep.get("/api/v1/accounts/export?format=csv").status_code == 403
    assert rep.get("/api/v1/leads/export?format=csv").status_code == 403


def test_export_shows_only_visible_records(make_user, make_team, api_as, admin_user, records):
    team = make_team("South")
    manager = make_user("sales-manager", teams=[team])
    Account.objects.create(name="Mine", owner=manager, team=team, search_text="mine")
    rows = read_csv(api_as(manager).get("/api/v1/accounts/export?format=csv"))
    assert [r[0] for r in rows[1:]] == ["Mine"]
    assert Contact.objects.count() == 2
