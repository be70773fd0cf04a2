"""Exports of what a list shows: CSV, XLSX and (contacts) vCard 4.0, streamed.

Spreadsheet cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) get a leading apostrophe, so an exported file can never carry
a formula injection into whoever opens it.

Custom fields (decision 0005) export as the lists show them: a list's custom column renders its
value (``listing.cell``); in a ``(path, label)`` column, ``cf_<key>`` names a custom field. The
default columns (the API's export) end with every custom field, and a vCard carries each as an
``X-CLIENTELA-<KEY>`` property.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Manager, Model, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from clientela.platform import customfields, listing, permissions
from clientela.platform.errors import ValidationFailed
from clientela.platform.listing import Column
from clientela.platform.models import User

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx", "vcf")
CHUNK = 2000
Columns = Sequence[tuple[str, str] | Column]
Reader = Callable[[Model], Any]

DEFAULT_COLUMNS: dict[str, list[tuple[str, Any]]] = {
    "customers.contact": [
        ("first_name", _lazy("First name")),
        ("last_name", _lazy("Last name")),
        ("email", _lazy("E-mail")),
        ("phone", _lazy("Phone")),
        ("tax_id", _lazy("Tax id")),
        ("job_title", _lazy("Job title")),
        ("account.name", _lazy("Company")),
        ("external_id", _lazy("External id")),
        ("owner.username", _lazy("Owner")),
    ],
    "customers.account": [
        ("name", _lazy("Name")),
        ("tax_id", _lazy("Tax id")),
        ("email", _lazy("E-mail")),
        ("phone", _lazy("Phone")),
        ("website", _lazy("Website")),
        ("country", _lazy("Country")),
        ("external_id", _lazy("External id")),
        ("owner.username", _lazy("Owner")),
    ],
    "customers.lead": [
        ("first_name", _lazy("First name")),
        ("last_name", _lazy("Last name")),
        ("company", _lazy("Company")),
        ("email", _lazy("E-mail")),
        ("phone", _lazy("Phone")),
        ("status", _lazy("Status")),
        ("source", _lazy("Source")),
        ("external_id", _lazy("External id")),
        ("owner.username", _lazy("Owner")),
    ],
}


def default_columns(object_type: str) -> list[tuple[str, str]]:
    """The columns of a full export: the built-in ones, then every custom field."""
    custom = [(item.name, item.label) for item in customfields.definitions(object_type)]
    return [(path, str(label)) for path, label in DEFAULT_COLUMNS[object_type]] + custom


def neutralise(value: Any) -> str:
    """A cell's text with a leading apostrophe when a spreadsheet would take it as a formula."""
    text = plain(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else str(value)
    if isinstance(value, dt.date | Decimal):
        return str(value.isoformat() if isinstance(value, dt.date) else value)
    return str(value)


def resolve(record: Model, path: str) -> Any:
    """``account.name`` → the value; a choice field gives its label, a method its result."""
    value: Any = record
    for part in path.split("."):
        if value is None:
            return None
        display = getattr(value, f"get_{part}_display", None)
        value = display() if callable(display) else getattr(value, part, None)
        if isinstance(value, Manager):  # a many-to-many such as tags: prefetched by the list
            value = ", ".join(sorted(str(item) for item in value.all()))
        elif callable(value) and not isinstance(value, Model):
            value = value()
    return value


def _custom_reader(item: customfields.Definition) -> Reader:
    def read(record: Model) -> str:
        stored = getattr(record, customfields.COLUMN, None) or {}
        return customfields.display(item, stored.get(item.key))

    return read


def _reader(object_type: str, path: str) -> Reader:
    """How a ``(path, label)`` column reads a record; ``cf_<key>`` is a custom field."""
    if path.startswith(customfields.PREFIX):
        item = customfields.definition(object_type, path.removeprefix(customfields.PREFIX))
        if item is not None:
            return _custom_reader(item)
    return lambda record: resolve(record, path)


def _cell_reader(column: Column) -> Reader:
    return lambda record: listing.cell(record, column)


def _labelled(object_type: str, columns: Columns) -> list[tuple[str, Reader]]:
    """Each column's heading and reader: a list's ``Column`` is read as the list shows it."""
    result: list[tuple[str, Reader]] = []
    for column in columns:
        if isinstance(column, Column):
            result.append((str(column.label), _cell_reader(column)))
        else:
            path, label = column
            result.append((str(label), _reader(object_type, path)))
    return result


def _rows(queryset: QuerySet[Any], columns: list[tuple[str, Reader]]) -> Iterator[list[str]]:
    readers = [read for _label, read in columns]
    for record in queryset.iterator(chunk_size=CHUNK):
        yield [neutralise(read(record)) for read in readers]


def _xlsx_file(queryset: QuerySet[Any], columns: list[tuple[str, Reader]]) -> Any:
    """Written by openpyxl's write-only mode into a temporary file, never whole in memory."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([neutralise(label) for label, _read in columns])
    for row in _rows(queryset, columns):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle


def export_response(
    *, actor: User, object_type: str, queryset: QuerySet[Any], columns: Columns, fmt: str
) -> HttpResponseBase:
    """The file for ``queryset`` (narrowed again to what ``actor`` may see) in ``fmt``."""
    permissions.require(actor, object_type, "export")
    if fmt not in FORMATS or (fmt == "vcf" and object_type != "customers.contact"):
        raise ValidationFailed(errors={"format": [_("Choose CSV, XLSX or vCard (contacts).")]})
    queryset = permissions.visible_to(actor, queryset)
    stem = f"{object_type.split('.')[-1]}s-{timezone.localdate().isoformat()}"
    readers = _labelled(object_type, columns)
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            csv_lines([label for label, _read in readers], _rows(queryset, readers)),
            content_type="text/csv; charset=utf-8",
        )
    elif fmt == "xlsx":
        response = FileResponse(
            _xlsx_file(queryset, readers),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = StreamingHttpResponse(
            vcards(queryset.prefetch_related("addresses")), content_type="text/vcard; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """Any table as streamed CSV text with neutralised cells (the import error report uses it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 6350 3.2: lines longer than 75 octets continue on the next line after a space."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out) + "\r\n"


def vcard(contact: Any) -> str:
    """One contact as a vCard 4.0 (RFC 6350)."""
    first, last = contact.first_name or "", contact.last_name or ""
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"UID:urn:clientela:contact:{contact.pk}",
        "FN:" + _escape(f"{first} {last}".strip() or str(contact.email or contact.pk)),
        f"N:{_escape(last)};{_escape(first)};;;",
    ]
    if contact.email:
        lines.append(f"EMAIL;TYPE=work:{_escape(contact.email)}")
    if contact.phone:
        lines.append(f"TEL;VALUE=uri;TYPE=voice:tel:{contact.phone}")
    if contact.job_title:
        lines.append(f"TITLE:{_escape(contact.job_title)}")
    if contact.account_id and contact.account is not None:
        lines.append(f"ORG:{_escape(contact.account.name)}")
    for address in contact.addresses.all():
        parts = [address.street, address.city, address.state, address.postal_code, address.country]
        street, city, state, code, country = (_escape(p or "") for p in parts)
        lines.append(f"ADR;TYPE={address.kind}:;;{street};{city};{state};{code};{country}")
    if contact.updated_at:
        lines.append("REV:" + contact.updated_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    lines += _custom_properties(contact)
    lines.append("END:VCARD")
    return "".join(_fold(line) for line in lines)


def _custom_properties(contact: Any) -> list[str]:
    """Each custom field with a value as a private property (RFC 6350 6.10, ``X-`` names:
    letters, digits and "-"), its value as the lists show it."""
    stored = getattr(contact, customfields.COLUMN, None) or {}
    lines = []
    for item in customfields.definitions("customers.contact"):
        text = customfields.display(item, stored.get(item.key))
        if text:
            name = item.key.upper().replace("_", "-")
            lines.append(f"X-CLIENTELA-{name}:{_escape(text)}")
    return lines


def vcards(queryset: QuerySet[Any]) -> Iterator[str]:
    for contact in queryset.iterator(chunk_size=CHUNK):
        yield vcard(contact)
