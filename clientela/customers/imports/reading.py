"""Reading an uploaded table safely: format, encoding and delimiter detection, streamed rows.

Nothing here loads a whole file: CSV is decoded and parsed line by line, XLSX through openpyxl's
read-only mode after the archive's declared sizes were checked (a zip bomb is refused before a
single byte is inflated). Every refusal is a ``FileRejected`` with a translated message.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from clientela.platform.errors import ValidationFailed

MAX_COLUMNS = 200
MAX_FIELD_CHARS = 10_000
MAX_LINE_CHARS = 1_000_000
MAX_ROW_CELLS = 1_000
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"

csv.field_size_limit(MAX_FIELD_CHARS)


class FileRejected(ValidationFailed):
    code = "file_rejected"

    def __init__(self, message: object) -> None:
        super().__init__(message, errors={"file": [str(message)]})


@dataclass(frozen=True)
class TableInfo:
    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]
    total_rows: int


def _open_csv(path: Path, encoding: str) -> Any:
    return open(path, encoding=encoding, newline="", errors="strict")


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when every byte decodes as such, else Windows-1252/Latin-1."""
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        if b"\x00" in head or _looks_binary(head):
            raise FileRejected(_("The file is not a text table (CSV) or an XLSX workbook."))
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        cp1252 = codecs.getincrementaldecoder("cp1252")()
        utf8_ok, cp1252_ok = True, True
        while chunk := handle.read(1024 * 1024):
            if b"\x00" in chunk:
                raise FileRejected(_("The file contains binary data and cannot be read."))
            utf8_ok = utf8_ok and _decodes(decoder, chunk)
            cp1252_ok = cp1252_ok and _decodes(cp1252, chunk)
            if not utf8_ok and not cp1252_ok:
                break
        utf8_ok = utf8_ok and _decodes(decoder, b"", final=True)
    if utf8_ok:
        return "utf-8"
    return "cp1252" if cp1252_ok else "latin-1"


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _looks_binary(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return len(head) > 0 and controls / len(head) > 0.01


def detect_delimiter(path: Path, encoding: str) -> str:
    """The candidate that splits the first lines into the most, and equally many, columns."""
    with _open_csv(path, encoding) as handle:
        sample = handle.read(SAMPLE_BYTES)
    lines = sample.splitlines()[:20]
    if len(sample) == SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        score = (sum(1 for w in widths if w == widths[0]), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def sniff_format(path: Path, file_name: str) -> str:
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if magic.startswith(OLE_MAGIC):
        raise FileRejected(_("Old Excel files (.xls) are not supported; save it as XLSX or CSV."))
    if magic.startswith(XLSX_MAGIC):
        return "xlsx"
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raise FileRejected(_("The file is not a valid XLSX workbook."))
    return "csv"


def check_xlsx_archive(path: Path) -> None:
    """Refuse archives whose inflated size or compression ratio betray a zip bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileRejected(_("The file is not a valid XLSX workbook.")) from None
    total = sum(e.file_size for e in entries)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise FileRejected(_("The workbook is too large once uncompressed."))
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > MAX_XLSX_RATIO * max(
            entry.compress_size, 1
        ):
            raise FileRejected(_("The workbook is compressed suspiciously well; refused."))
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        raise FileRejected(_("The file is not a valid XLSX workbook."))


def inspect(path: Path, file_name: str) -> TableInfo:
    """Read the whole file once (streamed) to check it and count its rows; nothing is stored."""
    file_format = sniff_format(path, file_name)
    if file_format == "xlsx":
        check_xlsx_archive(path)
        encoding, delimiter = "", ""
    else:
        encoding = detect_encoding(path)
        delimiter = detect_delimiter(path, encoding)
    rows = iter_table(path, file_format, encoding, delimiter)
    headers = next(rows, None)
    if not headers or not any(h.strip() for h in headers):
        raise FileRejected(_("The file has no header row."))
    if len(headers) > MAX_COLUMNS:
        raise FileRejected(_("The file has more than %(n)d columns.") % {"n": MAX_COLUMNS})
    total = sum(1 for _row in rows)
    headers = [h.strip() for h in headers]
    return TableInfo(file_format, encoding, delimiter, headers, total)


def iter_table(path: Path, file_format: str, encoding: str, delimiter: str) -> Iterator[list[str]]:
    """Every row as a list of strings, the header first; blank lines are dropped."""
    if file_format == "xlsx":
        yield from _xlsx_rows(path)
    else:
        yield from _csv_rows(path, encoding, delimiter)


def numbered_rows(
    path: Path, file_format: str, encoding: str, delimiter: str, start: int = 0
) -> Generator[tuple[int, list[str]]]:
    """Data rows after the first ``start`` with their row number (the header is row 1)."""
    rows = iter_table(path, file_format, encoding, delimiter)
    next(rows, None)
    for index, cells in enumerate(rows, start=1):
        if index > start:
            yield index + 1, cells


def _lines(handle: Any) -> Iterator[str]:
    """Physical lines, refusing one so long that parsing it would hold too much in memory."""
    while line := handle.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise FileRejected(_("A line is longer than %(n)d characters.") % {"n": MAX_LINE_CHARS})
        yield line


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    try:
        with _open_csv(path, encoding) as handle:
            for row in csv.reader(_lines(handle), delimiter=delimiter, strict=True):
                if len(row) > MAX_ROW_CELLS:
                    raise FileRejected(_("A row has more than %(n)d cells.") % {"n": MAX_ROW_CELLS})
                if any(map(str.strip, row)):  # a blank row is dropped
                    yield row
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileRejected(
                _("A cell is longer than %(n)d characters.") % {"n": MAX_FIELD_CHARS}
            ) from None
        raise FileRejected(_("The CSV file is malformed: %(error)s") % {"error": exc}) from None
    except UnicodeDecodeError:
        raise FileRejected(_("The file's text encoding could not be read.")) from None


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise FileRejected(_("The file is not a valid XLSX workbook.")) from None
    try:
        yield from _sheet_rows(workbook.worksheets[0])
    except FileRejected:
        raise
    except Exception:
        raise FileRejected(_("The workbook's sheet could not be read.")) from None
    finally:
        workbook.close()


def _sheet_rows(sheet: Any) -> Iterator[list[str]]:
    for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
        row = [_cell_text(v) for v in values]
        if any(len(cell) > MAX_FIELD_CHARS for cell in row):
            raise FileRejected(
                _("A cell is longer than %(n)d characters.") % {"n": MAX_FIELD_CHARS}
            )
        while row and not row[-1]:
            row.pop()
        if row:
            yield row


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)
