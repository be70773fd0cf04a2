"""One batch of rows: cleaned, matched and written together, or not at all.

Everything a batch does (new records, updates, addresses, accounts for unknown companies,
duplicate flags, rejected rows, the audit entry and the job's position) commits in one
transaction, so a crash leaves the job exactly at the end of its last whole batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.customers.imports.matching import Matcher
from clientela.customers.imports.specs import CleanRow, ImportSpec
from clientela.customers.imports.writing import Writer
from clientela.customers.models import ImportJob, ImportRowError
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User

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


def raw_values(ctx: RunContext, cells: list[str]) -> dict[str, str]:
    if len(cells) > ctx.width and any(c.strip() for c in cells[ctx.width :]):
        raise ValidationFailed(errors={"row": [_("The row has more cells than the header.")]})
    return {key: cells[i].strip() for i, key in ctx.columns if i < len(cells) and cells[i]}


def clean_rows(
    ctx: RunContext, rows: list[tuple[int, list[str]]], tally: Tally
) -> list[tuple[int, CleanRow]]:
    cleaned = []
    for number, cells in rows:
        try:
            row = ctx.spec.clean(ctx.actor, raw_values(ctx, cells))
        except ValidationFailed as exc:
            tally.rejected.append(rejection(ctx.job, number, cells, exc.errors))
        else:
            row.cells = cells
            cleaned.append((number, row))
    return cleaned


def rejection(
    job: ImportJob, number: int, cells: list[str], errors: dict[str, list[Any]]
) -> ImportRowError:
    return ImportRowError(
        job=job,
        row_number=number,
        errors={k: [str(m) for m in v] for k, v in errors.items()},
        raw=[c[:RAW_CELL_LIMIT] for c in cells[:200]],
    )


def decide(ctx: RunContext, rows: list[tuple[int, CleanRow]], tally: Tally) -> Writer:
    """Create, update, skip or flag each row against the database and the batch itself."""
    matcher = Matcher(ctx.spec, ctx.actor, (row for _n, row in rows))
    writer = Writer(ctx)
    policy = ctx.job.duplicate_policy
    for number, row in rows:
        external_id = row.values.get("external_id") or ""
        if external_id in matcher.hidden_external_ids:
            message = _("This external id belongs to a record you cannot see.")
            tally.rejected.append(rejection(ctx.job, number, row.cells, {"external_id": [message]}))
            continue
        target, kind = matcher.find(row)
        if target is None:
            matcher.remember(row, writer.add(number, row))
        elif policy == "update" or (kind == "external_id" and policy == "flag"):
            writer.update(target, row)
            matcher.remember(row, target)
        elif policy == "skip":
            tally.skipped += 1
        else:
            row.values["external_id"] = external_id
            new = writer.add(number, row)
            matcher.remember(row, new)
            writer.flag(target, new, kind)
    return writer


def run_batch(ctx: RunContext, rows: list[tuple[int, list[str]]], hook_index: int) -> Tally:
    tally = Tally()
    with transaction.atomic():
        cleaned = clean_rows(ctx, rows, tally)
        writer = decide(ctx, cleaned, tally)
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
