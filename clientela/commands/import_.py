"""``clientela import contacts FILE``: the same import as the web wizard, from a terminal.

Exits 0 when the file was imported (rejected rows are counted and can be written out with
``--errors``), 1 when the file or the run was refused, 2 on a usage mistake.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

HELP = (
    "Import accounts, contacts or leads from a CSV or XLSX file (resumable), or a custom "
    "object's records from a CSV file (objects.<key>, all or nothing)."
)
BUILT_IN = ("contacts", "accounts", "leads")


def _object_type(text: str) -> str:
    if text in BUILT_IN or (text.startswith("objects.") and len(text) > len("objects.")):
        return text
    raise argparse.ArgumentTypeError(f"choose from {', '.join(BUILT_IN)} or objects.<key>")


HELPER_MIN_BYTES = 1024 * 1024  # about 6,000 contact rows: long enough to be worth a helper


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "object_type", type=_object_type, help="contacts, accounts, leads or objects.<key>"
    )
    parser.add_argument("file", nargs="?", type=Path, help="the CSV or XLSX file")
    parser.add_argument(
        "--mapping",
        default="auto",
        help='"auto" (known headers, or the mapping remembered for them) or a JSON object '
        'of header → field, e.g. \'{"Nome": "first_name"}\'',
    )
    parser.add_argument("--duplicates", choices=["update", "skip", "flag"], default="skip")
    parser.add_argument("--user", help="who imports (default: the first administrator)")
    parser.add_argument("--resume", type=int, metavar="JOB_ID", help="resume a stopped import")
    parser.add_argument(
        "--batch-size", type=int, help="rows per transaction (default: the importer's own)"
    )
    parser.add_argument("--errors", type=Path, help="write the rejected rows (CSV) here")


def prepare(args: argparse.Namespace) -> None:
    """Before Django is set up here: a long import's helper process starts booting now.

    It needs about a second (a new interpreter and Django), which this process spends setting
    itself up and reading the file; the import then starts with its helper ready.
    """
    from clientela.platform import processes

    if args.object_type.startswith("objects."):
        return  # a custom object's import is small and needs no helper
    long_file = args.file is not None and args.file.is_file()
    if args.resume is not None or (long_file and args.file.stat().st_size >= HELPER_MIN_BYTES):
        processes.start_helper()


def _user(username: str | None, job_id: int | None) -> Any:
    from clientela.customers.models import ImportJob
    from clientela.platform.models import User

    if username:
        return User.objects.filter(username=username, is_active=True).first()
    if job_id is not None:
        job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
        return job.user if job else None
    admins = User.objects.filter(is_active=True, role__slug="administrator").order_by("id")
    return admins.first()


def _explicit_mapping(text: str, headers: list[str]) -> dict[str, str]:
    from clientela.customers.imports.mapping import fold_header

    chosen = json.loads(text)
    if not isinstance(chosen, dict):
        raise ValueError("--mapping must be a JSON object")
    by_header = {fold_header(str(k)): str(v) for k, v in chosen.items()}
    return {
        str(i): by_header[fold_header(h)]
        for i, h in enumerate(headers)
        if fold_header(h) in by_header
    }


def _start(args: argparse.Namespace, user: Any) -> Any:
    from clientela.customers.imports import import_configure, import_create

    if args.resume is not None:
        return args.resume
    if args.file is None or not args.file.is_file():
        raise SystemExit(f"error: no such file: {args.file}")
    job = import_create(
        actor=user, object_type=args.object_type, file_name=args.file.name, upload=args.file
    )
    mapping = (
        job.mapping if args.mapping == "auto" else _explicit_mapping(args.mapping, job.headers)
    )
    import_configure(actor=user, job_id=job.pk, mapping=mapping, duplicate_policy=args.duplicates)
    return job.pk


def _progress(started: float) -> Any:
    def show(job: Any) -> None:
        total = job.total_rows or 0
        rate = job.position / max(time.monotonic() - started, 1e-6)
        share = f" ({100 * job.position // total}%)" if total else ""
        print(
            f"\rimport {job.pk}: {job.position:,}/{total:,} rows{share}, {rate:,.0f} rows/s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return show


def _write_errors(job: Any, path: Path) -> None:
    from clientela.customers.imports.report import report_lines

    with open(path, "w", encoding="utf-8", newline="") as handle:
        for line in report_lines(job):
            handle.write(line)


def run(args: argparse.Namespace) -> int:
    from clientela.platform import processes

    try:
        return _run(args)
    finally:
        processes.stop_helper()  # started ahead by ``prepare`` and not needed after all


def _run(args: argparse.Namespace) -> int:
    from clientela.customers.imports import import_run
    from clientela.platform.context import use_channel
    from clientela.platform.errors import DomainError

    user = _user(args.user, args.resume)
    if user is None:
        print("error: no such active user (use --user USERNAME)", file=sys.stderr)
        return 2
    if args.object_type.startswith("objects."):
        return _run_custom_records(args, user)
    started = time.monotonic()
    try:
        with use_channel("import"):
            job_id = _start(args, user)
            job = import_run(
                actor=user,
                job_id=job_id,
                resume=args.resume is not None,
                **({"batch_size": max(100, args.batch_size)} if args.batch_size else {}),
                progress=_progress(started),
            )
    except (DomainError, ValueError) as exc:
        details = "; ".join(
            f"{k}: {' '.join(map(str, v))}" for k, v in getattr(exc, "errors", {}).items()
        )
        print(f"\nerror: {getattr(exc, 'message', exc)} {details}".rstrip(), file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    print(file=sys.stderr)
    print(
        f"import {job.pk} done in {seconds:.1f} s: {job.created_count} created, "
        f"{job.updated_count} updated, {job.skipped_count} skipped, "
        f"{job.flagged_count} flagged, {job.error_count} rejected"
    )
    if args.errors is not None:
        _write_errors(job, args.errors)
        print(f"rejected rows written to {args.errors}")
    return 0


def _run_custom_records(args: argparse.Namespace, user: Any) -> int:
    """A custom object's records: the same all-or-nothing import as its upload page."""
    from clientela.platform import customobjects
    from clientela.platform.context import use_channel
    from clientela.platform.errors import DomainError
    from clientela.platform.services.customrecord_import import MAX_BYTES, records_import

    kind = customobjects.kind(args.object_type)
    if kind is None:
        print(f"error: no custom object {args.object_type!r}", file=sys.stderr)
        return 2
    if args.file is None or not args.file.is_file():
        print("error: give the CSV file to import", file=sys.stderr)
        return 2
    if args.file.stat().st_size > MAX_BYTES:
        print(f"error: the file is larger than {MAX_BYTES // (1024 * 1024)} MB", file=sys.stderr)
        return 1
    try:
        with use_channel("import"):
            created = records_import(actor=user, kind=kind, content=args.file.read_bytes())
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for where, messages in exc.errors.items():
            print(f"  {where}: {'; '.join(messages)}", file=sys.stderr)
        return 1
    print(f"Imported {created} {kind.label_plural if created != 1 else kind.label}.")
    return 0
