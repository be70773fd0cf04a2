"""The import wizard's pages with the Django test client (the browser test walks the happy path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from clientela.customers.imports.tasks import run_import
from clientela.customers.models import ImportJob

CSV = b"Nome,E-mail\nAna,ana@example.com\nRui,not-an-email\n"


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def post_upload(client: Any, content: bytes, name: str = "c.csv") -> Any:
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post("/imports/", {"object_type": "contacts", "file": upload})


def test_upload_map_preview_and_run(admin_user, logged_in, django_capture_on_commit_callbacks):
    client = logged_in(admin_user)
    assert b"No imports yet." in client.get("/imports/").content

    response = post_upload(client, CSV)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/mapping/"

    page = client.get(f"/imports/{job.pk}/mapping/").content.decode()
    assert '<option value="first_name" selected>' in page
    response = client.post(
        f"/imports/{job.pk}/mapping/",
        {"column_0": "first_name", "column_1": "email", "duplicate_policy": "flag"},
    )
    assert response["Location"] == f"/imports/{job.pk}/preview/"
    job.refresh_from_db()
    assert (job.status, job.duplicate_policy) == ("mapped", "flag")

    preview = client.get(f"/imports/{job.pk}/preview/").content.decode()
    assert "Enter a valid e-mail address." in preview
    assert "1 of the first 2 rows will be rejected." in preview

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/run/")
    assert response["Location"] == f"/imports/{job.pk}/"
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job.pk]
    progress = client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert f'hx-get="/imports/{job.pk}/progress/"' in progress

    # once it ran, the preview leads to the progress page (the file is gone)
    run_import.call(job.pk)
    assert client.get(f"/imports/{job.pk}/preview/")["Location"] == f"/imports/{job.pk}/"
    done = client.get(f"/imports/{job.pk}/progress/").content.decode()
    assert "hx-get" not in done
    assert f'href="/imports/{job.pk}/rejected.csv"' in done


def test_a_junk_upload_shows_the_error_on_the_form(admin_user, logged_in, data_dir):
    response = post_upload(logged_in(admin_user), bytes(range(256)) * 10)
    assert response.status_code == 200
    assert "not a text table" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not any((data_dir / "imports").iterdir())


def test_a_mapping_without_first_name_is_refused_on_the_page(admin_user, logged_in):
    client = logged_in(admin_user)
    post_upload(client, CSV)
    job = ImportJob.objects.get()
    response = client.post(
        f"/imports/{job.pk}/mapping/", {"column_1": "email", "duplicate_policy": "skip"}
    )
    assert response.status_code == 200
    assert "Map a column to each required field: First name." in response.content.decode()
    assert ImportJob.objects.get().status == "uploaded"


def test_someone_elses_import_pages_are_not_found(admin_user, make_user, logged_in):
    post_upload(logged_in(admin_user), CSV)
    job = ImportJob.objects.get()
    other = logged_in(make_user("administrator"))
    for path in ("", "mapping/", "preview/", "progress/", "rejected.csv"):
        assert other.get(f"/imports/{job.pk}/{path}").status_code == 404
    assert other.post(f"/imports/{job.pk}/run/").status_code == 404
    assert not DBTaskResult.objects.exists()


def test_a_read_only_user_has_nothing_to_import(make_user, logged_in):
    client = logged_in(make_user("read-only"))
    response = post_upload(client, CSV)
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
