"""Hostile files are refused at upload with a clear error, and nothing is kept or written."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from clientela.customers.models import ImportJob
from clientela.customers.tests.test_imports import HEADER, stored_files, upload
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("administrator")


def assert_refused(actor: User, content: bytes, name: str, data_dir: Path, text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        upload(actor, content, name=name)
    assert text in str(refused.value.errors["file"][0])
    assert not ImportJob.objects.exists()
    assert stored_files(data_dir) == []


def test_a_utf16_file_is_refused_with_a_clear_message(admin, data_dir):
    content = "Nome,E-mail\nJoão,joao@example.com\n".encode("utf-16")
    assert_refused(admin, content, "utf16.csv", data_dir, "not a text table")


def test_binary_junk_is_refused_and_nothing_is_kept(admin, data_dir):
    junk = bytes(range(256)) * 40
    assert_refused(admin, junk, "junk.csv", data_dir, "not a text table")


def test_a_text_file_named_xlsx_and_an_old_xls_are_refused(admin, data_dir):
    assert_refused(admin, b"Nome\nAna\n", "fake.xlsx", data_dir, "not a valid XLSX")
    assert_refused(
        admin, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls", data_dir, ".xls"
    )


def test_zip_bomb_pretending_to_be_xlsx_is_refused_before_inflating(admin, data_dir):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    assert len(buffer.getvalue()) < 200_000
    assert_refused(admin, buffer.getvalue(), "bomb.xlsx", data_dir, "suspiciously")


def test_an_enormous_cell_is_refused(admin, data_dir):
    content = ("Nome,Cargo\nAna," + "x" * 20_000 + "\n").encode()
    assert_refused(admin, content, "big.csv", data_dir, "longer than 10000")


def test_an_endless_line_and_an_endless_row_are_refused(admin, data_dir):
    assert_refused(admin, b"Nome\n" + b"a" * 1_100_000, "line.csv", data_dir, "line is longer")
    assert_refused(admin, b"Nome\nAna" + b"," * 5000 + b"\n", "row.csv", data_dir, "more than")


def test_an_xlsx_with_a_broken_sheet_is_refused(admin, data_dir):
    workbook = Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    broken = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(broken, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b"<worksheet><sheetData><row><c r='A1' t='inlineStr'><is><t>Nome"
            target.writestr(item, data)
    assert_refused(admin, broken.getvalue(), "broken.xlsx", data_dir, "workbook")


def test_malformed_csv_is_refused(admin, data_dir):
    content = b'Nome,Cargo\nAna,"unterminated\nRui,CTO\n'
    assert_refused(admin, content, "bad.csv", data_dir, "malformed")


def test_upload_over_the_size_limit_is_refused_and_removed(admin, data_dir, settings):
    settings.CLIENTELA_IMPORT_MAX_BYTES = 1024
    content = (HEADER + "Ana,Souza,ana@example.com,,x1\n" * 100).encode()
    assert_refused(admin, content, "big.csv", data_dir, "larger than")


def test_empty_and_headerless_files_are_refused(admin, data_dir):
    assert_refused(admin, b"", "empty.csv", data_dir, "empty")
    assert_refused(admin, b"\n\n\n", "blank.csv", data_dir, "no header")
