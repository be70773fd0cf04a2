"""The import wizard in a real browser: upload, guessed mapping, preview, run, progress, report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from clientela.customers.models import Contact, ImportJob
from clientela.platform.models import User
from clientela.platform.taskqueue.worker import Runner, start_in_thread

pytestmark = pytest.mark.browser

CSV = (
    "Nome;Sobrenome;E-mail;Celular\n"
    "Ana;Souza;ana@example.com;(11) 98765-4321\n"
    "Rui;Lima;rui-at-example.com;\n"
    "Eva;Melo;eva@example.com;\n"
)


@pytest.fixture
def worker() -> Iterator[Runner]:
    runner = start_in_thread(interval=0.2, tick_every=3600)
    yield runner
    runner.stop()


@pytest.mark.django_db(transaction=True)
def test_import_a_small_csv_with_one_bad_row(
    page: Page,
    admin_user: User,
    sign_in: Callable[..., None],
    settings: Any,
    tmp_path: Path,
    worker: Runner,
) -> None:
    settings.DATA_DIR = tmp_path
    sign_in(page, admin_user.username)

    # upload
    page.goto("/imports/")
    expect(page.get_by_text("No imports yet.")).to_be_visible()
    page.select_option("select[name=object_type]", "contacts")
    page.set_input_files(
        "input[name=file]",
        {"name": "contatos.csv", "mimeType": "text/csv", "buffer": CSV.encode("cp1252")},
    )
    page.click("main form button[type=submit]")

    # the mapping was guessed from the Portuguese headers
    expect(page.locator("h1")).to_contain_text("Map the columns of contatos.csv")
    expect(page.locator("#column_0")).to_have_value("first_name")
    expect(page.locator("#column_1")).to_have_value("last_name")
    expect(page.locator("#column_2")).to_have_value("email")
    expect(page.locator("#column_3")).to_have_value("phone")
    page.check("#policy_skip")
    page.click("main form button[type=submit]")

    # the preview shows the bad row's error
    expect(page.locator("h1")).to_contain_text("Preview contatos.csv")
    bad_row = page.locator("table.preview tbody tr.has-error")
    expect(bad_row).to_have_count(1)
    expect(bad_row).to_contain_text("Enter a valid e-mail address.")

    # run: the progress follows the worker to the end
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.locator(".import-progress .import-status")).to_have_text("Done", timeout=20_000)
    expect(page.locator("dd[data-count=created]")).to_have_text("2")
    expect(page.locator("dd[data-count=rejected]")).to_have_text("1")
    expect(page.locator("progress")).to_have_attribute("value", "3")

    # the rejected rows report downloads with the reason
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the rejected rows (CSV)").click()
    report = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "Row,Reasons,Nome,Sobrenome,E-mail,Celular"
    assert report[1] == "3,E-mail: Enter a valid e-mail address.,Rui,Lima,rui-at-example.com,"

    assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["Ana", "Eva"]
    assert ImportJob.objects.get().status == "done"

    # and the list of imports shows it
    page.goto("/imports/")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr")).to_contain_text("contatos.csv")
