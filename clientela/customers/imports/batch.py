"""One batch of rows: cleaned, matched and written together, or not at all.

Everything a batch does (new records, updates, addresses, accounts for unknown companies,
duplicate flags, rejected rows, the audit entry and the job's position) commits in one
transaction, so a crash leaves the job exactly at the end of its last whole batch.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.customers import search_index
from clientela.customers.imports.inserting import column_plan
from clientela.customers.imports.matching import Matcher, Wanted, row_keys, wanted_keys
from clientela.customers.imports.reading import numbered_rows
from clientela.customers.imports.specs import (
    CUSTOM,
    CleanRow,
    ImportSpec,
    created_values,
    custom_defaults,
    missing_required,
    requires_custom,
    with_defaults,
)
from clientela.customers.imports.writing import Writer, row_params
from clientela.customers.models import Address, Contact, ImportJob, ImportRowError
from clientela.platform import customfields, registry
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import FieldType, User
from clientela.platform.permissions import visible_to

RAW_CELL_LIMIT = 500
Hook = Callable[[ImportJob, int], None]


@dataclass
class RunContext:
    job: ImportJob
    spec: ImportSpec
    actor: User
    columns: list[tuple[int, str]]
    width: int
    owner_id: int
    team_id: int | None
    may_create_accounts: bool
    before_commit: Hook | None = None


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    flagged: int = 0
    errors: int = 0
    rejected: list[ImportRowError] = field(default_factory=list)


Rejected = list[tuple[int, dict[str, list[str]]]]


def raw_values(columns: list[tuple[int, str]], width: int, cells: list[str]) -> dict[str, str]:
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        raise ValidationFailed(errors={"row": [_("The row has more cells than the header.")]})
    return {key: cells[i].strip() for i, key in columns if i < len(cells) and cells[i]}


def custom_cells(columns: list[tuple[int, str]], cells: list[str]) -> dict[str, str]:
    """The row's non-blank cells of custom fields, by the field's key."""
    found = {key: cells[i].strip() for i, key in columns if i < len(cells)}
    return {key: value for key, value in found.items() if value}


def clean_cells(
    spec: ImportSpec,
    actor: User | None,
    columns: list[tuple[int, str]],
    width: int,
    rows: list[tuple[int, list[str]]],
) -> tuple[list[tuple[int, CleanRow]], Rejected]:
    """Valid rows, with their match keys and search document, and the others' errors.

    Reads no database (an import's columns never name an account, a parent or a membership,
    the only fields whose cleaning looks records up; custom links are checked per batch by
    ``refuse_hidden_links``), so it can run in another process.
    """
    cleaned, rejected = [], []
    plain = [(i, key) for i, key in columns if not key.startswith(CUSTOM)]
    custom = [(i, key.removeprefix(CUSTOM)) for i, key in columns if key.startswith(CUSTOM)]
    defaults = custom_defaults(spec.object_type)
    for number, cells in rows:
        try:
            given = custom_cells(custom, cells) if custom else {}
            row = spec.clean(actor, raw_values(plain, width, cells), given)
        except ValidationFailed as exc:
            rejected.append((number, {k: [str(m) for m in v] for k, v in exc.errors.items()}))
        else:
            row_keys(spec, row)
            created = with_defaults(row.values, defaults)
            row.document = row_document(spec, row, created)
            row.params = row_params(spec, row, created)
            if row.address:
                row.address_params = column_plan(Address).row(row.address)
            cleaned.append((number, row))
    return cleaned, rejected


def clean_cells_of(
    slug: str,
    columns: list[tuple[int, str]],
    width: int,
    rows: list[tuple[int, list[str]]],
    fields: dict[str, Any] | None = None,
) -> tuple[list[Any], Rejected, Wanted]:
    """``clean_cells`` by the record type's name, for a helper process (which has no actor),
    with the keys the rows will be matched by.

    The rows travel back as plain tuples (``unpack`` rebuilds them): pickling 5,000 dataclass
    instances took three times as long on each side.
    """
    from clientela.customers.imports.specs import spec_for

    if fields is not None:
        customfields.use_snapshot(fields)  # custom fields' definitions: no database here
    spec = spec_for(slug)
    cleaned, rejected = clean_cells(spec, None, columns, width, rows)
    packed = [
        (n, r.values, r.company, r.address, r.keys, r.document, r.params, r.address_params)
        for n, r in cleaned
    ]
    return packed, rejected, wanted_keys(spec, (row for _n, row in cleaned))


Source = tuple[str, str, str, str, int]  # path, format, encoding, delimiter, rows to skip
_reading: dict[Source, Generator[tuple[int, list[str]]]] = {}


def read_and_clean(
    slug: str,
    columns: list[tuple[int, str]],
    width: int,
    source: Source,
    size: int,
    fields: dict[str, Any] | None = None,
) -> tuple[list[tuple[int, list[str]]], list[Any], Rejected, Wanted]:
    """In a helper process: the next ``size`` rows of ``source`` and ``clean_cells_of`` them.

    The file is opened on the first call for a source and read on by the next ones (a helper
    runs its calls one at a time, in order), so this process does the parsing too. An empty
    batch means the file has ended.
    """
    rows = _reading.get(source)
    if rows is None:
        for other in _reading.values():
            other.close()
        _reading.clear()
        path, file_format, encoding, delimiter, start = source
        rows = numbered_rows(Path(path), file_format, encoding, delimiter, start)
        _reading[source] = rows
    batch = list(islice(rows, size))
    if not batch:
        _reading.pop(source).close()
        return batch, [], [], {}
    return (batch, *clean_cells_of(slug, columns, width, batch, fields))


Cleaned = tuple[list[tuple[int, CleanRow]], Rejected, Wanted | None]


def unpack(packed: list[Any], rejected: Rejected, wanted: Wanted | None = None) -> Cleaned:
    rows = [
        (n, CleanRow(v, company=c, address=a, keys=k, document=d, params=p, address_params=ap))
        for n, v, c, a, k, d, p, ap in packed
    ]
    return rows, rejected, wanted


def row_document(spec: ImportSpec, row: CleanRow, created: dict[str, Any] | None = None) -> str:
    """The search text of the record the row would create (its company named as its account).

    The document reads attributes only, so a namespace of the row's values stands in for the
    record: building two model instances a row cost more than the rest of the cleaning.
    """
    if created is None:
        created = created_values(spec.object_type, row.values)
    fields = {k: v for k, v in created.items() if k not in ("owner", "team")}
    if spec.model is Contact:
        fields["company"] = row.company
    return search_index.document(SimpleNamespace(**fields), spec.object_type)


def clean_rows(
    ctx: RunContext, rows: list[tuple[int, list[str]]], tally: Tally
) -> list[tuple[int, CleanRow]]:
    cleaned, rejected = clean_cells(ctx.spec, ctx.actor, ctx.columns, ctx.width, rows)
    tally.rejected += rejections(ctx.job, rows, rejected)
    for number, row in cleaned:
        row.cells = cells_of(rows, number)
    return cleaned


def refuse_hidden_links(
    ctx: RunContext, rows: list[tuple[int, CleanRow]], tally: Tally
) -> list[tuple[int, CleanRow]]:
    """Rows whose custom links (lookup fields) point at records the actor may see; the others
    are rejected as the services refuse them, "Unknown record.". One query a lookup field a
    batch, here in the importing process (a helper has no database)."""
    links = [
        item
        for item in customfields.definitions(ctx.spec.object_type)
        if item.field_type == FieldType.LOOKUP
    ]
    refused: dict[int, dict[str, list[str]]] = {}
    for item in links:
        wanted = {
            value
            for _n, row in rows
            if (value := (row.values.get(customfields.COLUMN) or {}).get(item.key)) is not None
        }
        if not wanted:
            continue
        records = registry.get(item.target).model._default_manager.filter(pk__in=wanted)
        seen = set(visible_to(ctx.actor, records).values_list("pk", flat=True))
        for number, row in rows:
            if (row.values.get(customfields.COLUMN) or {}).get(item.key) not in (None, *seen):
                refused.setdefault(number, {})[f"{CUSTOM}{item.key}"] = [_("Unknown record.")]
    if not refused:
        return rows
    for number, row in rows:
        if number in refused:
            tally.rejected.append(rejection(ctx.job, number, row.cells, refused[number]))
    return [(number, row) for number, row in rows if number not in refused]


def cells_of(rows: list[tuple[int, list[str]]], number: int) -> list[str]:
    """The row's cells; a batch's rows are numbered consecutively from its first."""
    index = number - rows[0][0]
    if 0 <= index < len(rows) and rows[index][0] == number:
        return rows[index][1]
    return next(cells for n, cells in rows if n == number)


def rejections(
    job: ImportJob, rows: list[tuple[int, list[str]]], rejected: Rejected
) -> list[ImportRowError]:
    return [rejection(job, number, cells_of(rows, number), errors) for number, errors in rejected]


def rejection(
    job: ImportJob, number: int, cells: list[str], errors: dict[str, list[Any]]
) -> ImportRowError:
    return ImportRowError(
        job=job,
        row_number=number,
        errors={k: [str(m) for m in v] for k, v in errors.items()},
        raw=[c[:RAW_CELL_LIMIT] for c in cells[:200]],
    )


def decide(
    ctx: RunContext, rows: list[tuple[int, CleanRow]], tally: Tally, wanted: Wanted | None = None
) -> Writer:
    """Create, update, skip or flag each row against the database and the batch itself."""
    matcher = Matcher(ctx.spec, ctx.actor, (row for _n, row in rows), wanted)
    writer = Writer(ctx)
    policy = ctx.job.duplicate_policy
    object_type = ctx.spec.object_type
    required = requires_custom(object_type)  # asked once: most types require no custom field
    for number, row in rows:
        external_id = row.values.get("external_id") or ""
        if external_id in matcher.hidden_external_ids:
            message = _("This external id belongs to a record you cannot see.")
            tally.rejected.append(rejection(ctx.job, number, row.cells, {"external_id": [message]}))
            continue
        target, kind = matcher.find(row)
        if target is not None and (
            policy == "update" or (kind == "external_id" and policy == "flag")
        ):
            writer.update(number, target, row)
            matcher.remember(row, target)
            continue
        if target is not None and policy == "skip":
            tally.skipped += 1
            continue
        # only a new record needs its required custom fields
        missing = missing_required(object_type, row.values) if required else None
        if missing:
            tally.rejected.append(rejection(ctx.job, number, row.cells, missing))
        elif target is None:
            matcher.remember(row, writer.add(number, row))
        else:
            row.values["external_id"] = external_id
            new = writer.add(number, row)
            matcher.remember(row, new)
            writer.flag(target, new, kind)
    return writer


def run_batch(
    ctx: RunContext,
    rows: list[tuple[int, list[str]]],
    hook_index: int,
    cleaned: Cleaned | None = None,
) -> Tally:
    """Write one batch; ``cleaned`` is ``clean_cells`` of its rows when done elsewhere."""
    tally = Tally()
    wanted: Wanted | None = None
    with transaction.atomic():
        if cleaned is None:
            good = clean_rows(ctx, rows, tally)
        else:
            good, rejected, wanted = cleaned
            tally.rejected += rejections(ctx.job, rows, rejected)
            for number, row in good:
                row.cells = cells_of(rows, number)
        good = refuse_hidden_links(ctx, good, tally)
        writer = decide(ctx, good, tally, wanted)
        writer.write(tally)
        ImportRowError.objects.bulk_create(tally.rejected)
        tally.errors = len(tally.rejected)
        writer.audit(first=rows[0][0], last=rows[-1][0])
        advance(ctx.job, tally, len(rows))
        if ctx.before_commit is not None:
            ctx.before_commit(ctx.job, hook_index)
    return tally


def advance(job: ImportJob, tally: Tally, rows: int) -> None:
    job.position += rows
    job.created_count += tally.created
    job.updated_count += tally.updated
    job.skipped_count += tally.skipped
    job.flagged_count += tally.flagged
    job.error_count += tally.errors
    job.save(
        update_fields=[
            "position",
            *("created_count", "updated_count", "skipped_count", "flagged_count"),
            "error_count",
        ]
    )
