"""The downloadable report of rejected rows: row number, reasons, then the row as it was read."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from clientela.customers.exports import csv_lines
from clientela.customers.imports.jobs import rejected_rows
from clientela.customers.imports.specs import ImportSpec, spec_for
from clientela.customers.models import ImportJob


def _reasons(spec: ImportSpec, errors: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{spec.label_of(key)}: {' '.join(messages)}" for key, messages in errors.items()
    )


def report_lines(job: ImportJob) -> Iterator[str]:
    """CSV text, streamed; every cell neutralised against formula injection."""
    spec = spec_for(job.object_type)
    header = [_("Row"), _("Reasons"), *job.headers]
    rows = (
        [str(error.row_number), _reasons(spec, error.errors), *error.raw]
        for error in rejected_rows(job)
    )
    return csv_lines(header, rows)
