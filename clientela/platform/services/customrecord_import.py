"""Importing a custom object's records from CSV: all or nothing, with a report per row.

Simpler than the contacts' import wizard on purpose: the first line names the columns (``name``,
``owner`` as a user name, ``team`` as a team name, then each custom field by key or label); every
row is cleaned by the same service as a form, and one bad row stops the whole file, so a fixed
file can be sent again without creating duplicates.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.platform import customfields, permissions
from clientela.platform.customobjects import Kind
from clientela.platform.errors import DomainError, ValidationFailed
from clientela.platform.models import Team, User
from clientela.platform.services import customrecords

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_REPORTED = 50
BUILT_IN = ("name", "owner", "team")


def _columns(kind: Kind, header: list[str]) -> list[tuple[str, str]]:
    """Each column as ("", built-in name) or ("custom", field key); unknown ones refused."""
    by_name = {}
    for item in customfields.definitions(kind.type_key):
        by_name[item.key.casefold()] = item.key
        by_name[item.label.strip().casefold()] = item.key
    columns: list[tuple[str, str]] = []
    unknown = []
    for raw in header:
        name = raw.strip().casefold()
        if name in BUILT_IN:
            columns.append(("", name))
        elif name in by_name:
            columns.append(("custom", by_name[name]))
        else:
            unknown.append(raw.strip()[:50])
    if unknown:
        raise ValidationFailed(
            _("The file has columns this record type does not know: %(names)s.")
            % {"names": ", ".join(unknown[:10])}
        )
    if ("", "name") not in columns:
        raise ValidationFailed(_("The file needs a “name” column."))
    return columns


def _read(content: bytes) -> list[list[str]]:
    if len(content) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 5 MB."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("Save the file as UTF-8 text.")) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [
            row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)
        ]
    except csv.Error as exc:
        raise ValidationFailed(_("The file is not valid CSV: %(e)s") % {"e": exc}) from None
    if len(rows) < 2:
        raise ValidationFailed(_("The file has no records under its header line."))
    if len(rows) > MAX_ROWS + 1:
        raise ValidationFailed(_("Import at most %(n)d records at a time.") % {"n": MAX_ROWS})
    return rows


def _values(columns: list[tuple[str, str]], row: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {"custom": {}}
    for (kind, name), cell in zip(columns, row, strict=False):
        cell = cell.strip()
        if kind == "custom":
            if cell:
                values["custom"][name] = cell
        elif name == "owner" and cell:
            found = User.objects.filter(username=cell, is_active=True).first()
            values["owner"] = found.pk if found else -1
        elif name == "team" and cell:
            team = Team.objects.filter(name=cell).first()
            values["team"] = team.pk if team else -1
        elif name == "name":
            values["name"] = cell
    return values


def records_import(*, actor: User, kind: Kind, content: bytes) -> int:
    """Create a record per row, or none; a refusal lists each bad row (``row 3``) and why."""
    permissions.require(actor, kind.type_key, "create")
    rows = _read(content)
    columns = _columns(kind, rows[0])
    problems: dict[str, list[str]] = {}
    with transaction.atomic():
        for number, row in enumerate(rows[1:], start=2):
            try:
                with transaction.atomic():
                    customrecords.record_create(
                        actor=actor, kind=kind, values=_values(columns, row)
                    )
            except DomainError as exc:
                details = [f"{k}: {m}" for k, msgs in exc.errors.items() for m in msgs]
                if len(problems) < MAX_REPORTED:
                    problems[_("row %(n)d") % {"n": number}] = details or [str(exc.message)]
                else:
                    break
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ValidationFailed(
            _("Nothing was imported: %(n)d rows have problems.") % {"n": len(problems)},
            errors=problems,
        )
    return len(rows) - 1
