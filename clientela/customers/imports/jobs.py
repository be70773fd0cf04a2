"""Import jobs: upload → mapping → preview → run (resumable) → report of rejected rows.

These are the services the wizard, the API, the command line and the worker task share.
"""

from __future__ import annotations

import contextlib
import gc
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers.imports import bulkload
from clientela.customers.imports import mapping as mappings
from clientela.customers.imports.batch import (
    Cleaned,
    Hook,
    RunContext,
    Source,
    Tally,
    clean_rows,
    read_and_clean,
    refuse_hidden_links,
    unpack,
)
from clientela.customers.imports.batch import run_batch as _run_batch
from clientela.customers.imports.reading import FileRejected, inspect, numbered_rows
from clientela.customers.imports.specs import ADDRESS_KEYS, ImportSpec, spec_for
from clientela.customers.models import Address, DuplicatePolicy, ImportJob, ImportRowError
from clientela.platform import customfields, permissions, processes
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import User

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
DEFAULT_BATCH = 10_000  # rows a transaction (5,000 cost 15% more CPU: twice the commits)
PARALLEL_MIN_ROWS = 20_000  # from this many rows left, a helper process cleans them
AHEAD = 2  # batches the helper cleans ahead of the one being written
RUNNABLE = ("mapped", "failed")
Progress = Callable[[ImportJob], None]


class Chunked(Protocol):
    name: str | None

    def chunks(self, chunk_size: int | None = ...) -> Iterator[bytes]: ...


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return int(getattr(settings, "CLIENTELA_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _store(chunks: Iterable[bytes], suffix: str) -> Path:
    """Copy the upload under the data dir, refusing it (and leaving nothing) past the limit."""
    target = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    written, limit = 0, max_bytes()
    try:
        with open(target, "wb") as handle:
            for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise FileRejected(
                        _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
                    )
                handle.write(chunk)
        if written == 0:
            raise FileRejected(_("The file is empty."))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def import_create(
    *, actor: User, object_type: str, file_name: str, upload: Chunked | Path
) -> ImportJob:
    """Store and inspect a file; nothing is imported yet. The mapping is guessed or remembered."""
    spec = spec_for(object_type)
    permissions.require(actor, spec.object_type, "create")
    file_name = Path(file_name or "upload").name[:255]
    suffix = ".xlsx" if file_name.lower().endswith(".xlsx") else ".csv"
    chunks = _file_chunks(upload) if isinstance(upload, Path) else upload.chunks()
    stored = _store(chunks, suffix)
    try:
        info = inspect(stored, file_name)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        user=actor,
        object_type=spec.object_type,
        file_name=file_name,
        stored_path=stored.name,
        file_format=info.file_format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        headers=info.headers,
        mapping=mappings.initial_mapping(spec, info.headers),
        total_rows=info.total_rows,
    )


def import_get(actor: User, job_id: Any) -> ImportJob:
    """A job is its uploader's: anybody else gets "not found"."""
    try:
        return ImportJob.objects.get(pk=int(job_id), user_id=actor.pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def import_list(actor: User) -> Any:
    return ImportJob.objects.filter(user_id=actor.pk).order_by("-created_at", "-id")


def _check_mapping(spec: ImportSpec, job: ImportJob, mapping: dict[str, str]) -> dict[str, str]:
    keys, width = set(spec.field_keys()), len(job.headers)
    clean: dict[str, str] = {}
    for index, key in mapping.items():
        if not key:
            continue
        if key not in keys or not str(index).isdigit() or int(index) >= width:
            raise ValidationFailed(errors={"mapping": [_("The mapping names an unknown column.")]})
        if key in clean.values():
            message = _("Two columns are mapped to %(field)s.") % {"field": spec.label_of(key)}
            raise ValidationFailed(errors={"mapping": [message]})
        clean[str(int(index))] = key
    required = [f for f in spec.fields if f.required and f.key not in clean.values()]
    if spec.slug == "contacts" and "full_name" in clean.values():
        required = [f for f in required if f.key != "first_name"]
    if required:
        names = ", ".join(str(f.label) for f in required)
        message = _("Map a column to each required field: %(fields)s.") % {"fields": names}
        raise ValidationFailed(errors={"mapping": [message]})
    return clean


def import_configure(
    *, actor: User, job_id: Any, mapping: dict[str, str], duplicate_policy: str
) -> ImportJob:
    """Set the mapping and the duplicate policy, and remember the mapping for these headers."""
    job = import_get(actor, job_id)
    spec = spec_for(job.object_type)
    if job.status not in ("uploaded", "mapped"):
        raise Conflict(_("This import has already started."))
    if duplicate_policy not in DuplicatePolicy.values:
        raise ValidationFailed(errors={"duplicate_policy": [_("Choose a valid option.")]})
    if duplicate_policy == "update":
        permissions.require(actor, spec.object_type, "edit")
    clean = _check_mapping(spec, job, mapping)
    with transaction.atomic():
        job.mapping, job.duplicate_policy, job.status = clean, duplicate_policy, "mapped"
        job.save(update_fields=["mapping", "duplicate_policy", "status"])
        mappings.remember_mapping(spec, job.headers, clean)
    return job


def _context(actor: User, job: ImportJob, before_commit: Hook | None = None) -> RunContext:
    team = actor.teams.order_by("id").first()
    return RunContext(
        job=job,
        spec=spec_for(job.object_type),
        actor=actor,
        columns=sorted((int(i), key) for i, key in job.mapping.items()),
        width=len(job.headers),
        owner_id=int(actor.pk),
        team_id=team.pk if team else None,
        may_create_accounts=permissions.can(actor, "customers.account", "create"),
        before_commit=before_commit,
    )


def stored_file(job: ImportJob) -> Path:
    path = upload_dir() / Path(job.stored_path).name
    if not path.exists():
        raise Conflict(_("The uploaded file is no longer available; upload it again."))
    return path


def _source(job: ImportJob, start: int) -> Source:
    return (str(stored_file(job)), job.file_format, job.encoding, job.delimiter, start)


def _rows(job: ImportJob, start: int) -> Iterator[tuple[int, list[str]]]:
    """Data rows after ``start`` with their row number (the header is row 1)."""
    path, file_format, encoding, delimiter, _start = _source(job, start)
    return numbered_rows(Path(path), file_format, encoding, delimiter, start)


def _batches[T](items: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(islice(items, size)):
        yield batch


def import_preview(*, actor: User, job_id: Any, sample: int = 200) -> dict[str, Any]:
    """The first rows as they would be read, and the errors among the first ``sample`` rows."""
    job = import_get(actor, job_id)
    ctx = _context(actor, job)
    rows = list(islice(_rows(job, 0), sample))
    tally = Tally()
    refuse_hidden_links(ctx, clean_rows(ctx, rows, tally), tally)
    spec = ctx.spec
    errors = {
        e.row_number: {spec.label_of(k): v for k, v in e.errors.items()} for e in tally.rejected
    }
    shown = [
        {
            "number": number,
            "values": [cells[i] if i < len(cells) else "" for i, _key in ctx.columns],
            "errors": errors.get(number, {}),
        }
        for number, cells in rows[:20]
    ]
    rejected = [{"number": n, "errors": e} for n, e in errors.items()]
    columns = [ctx.spec.label_of(key) for _i, key in ctx.columns]
    return {"columns": columns, "rows": shown, "rejected": rejected, "sampled": len(rows)}


def import_run(
    *,
    actor: User,
    job_id: Any,
    resume: bool = False,
    batch_size: int = DEFAULT_BATCH,
    before_commit: Hook | None = None,
    progress: Progress | None = None,
) -> ImportJob:
    """Run (or resume, from ``position``) an import in batches that each commit whole.

    ``resume`` also takes over a job left "running" by a runner that died; only ask for it
    when that runner is known to be gone.
    """
    job = import_get(actor, job_id)
    permissions.require(actor, job.object_type, "create")
    if job.duplicate_policy == "update":
        permissions.require(actor, job.object_type, "edit")
    allowed = RUNNABLE + (("running",) if resume else ())
    claimed = ImportJob.objects.filter(pk=job.pk, status__in=allowed).update(
        status="running", message=""
    )
    if not claimed:
        raise Conflict(
            _("This import cannot be run now: it is %(status)s.")
            % {"status": job.get_status_display()}
        )
    job.refresh_from_db()
    ctx = _context(actor, job, before_commit)
    try:
        source = _source(job, job.position)
        left = (job.total_rows or 0) - job.position
        with _fewer_collections(), bulkload.deferred(job, left, _bulk_targets(ctx)):
            cleaned = _cleaned_batches(ctx, source, batch_size, left)
            for index, (batch, clean) in enumerate(cleaned):
                _run_batch(ctx, batch, index, clean)
                if progress is not None:
                    progress(job)
    except BaseException as exc:
        _fail(job, exc)
        raise
    job.status, job.finished_at = "done", timezone.now()
    job.save(update_fields=["status", "finished_at"])
    import_delete_file(job)  # the rejected rows are kept in the database; the file is not needed
    return job


Batch = list[tuple[int, list[str]]]


def _bulk_targets(ctx: RunContext) -> list[tuple[type[Any], list[str]]]:
    """The tables an import writes many rows to, each with the columns it looks rows up by."""
    targets: list[tuple[type[Any], list[str]]] = [(ctx.spec.model, list(ctx.spec.match_keys))]
    if any(key in ADDRESS_KEYS for _i, key in ctx.columns):
        targets.append((Address, []))
    return targets


def _cleaned_batches(
    ctx: RunContext, source: Source, size: int, remaining: int
) -> Iterator[tuple[Batch, Cleaned | None]]:
    """Batches of ``size`` rows of ``source``, read and cleaned by a helper process when the
    file is long enough. ``None`` means "clean it in the batch".

    The helper reads and cleans the next batches while this process writes the current one
    (about 40% of an import's CPU), so a two-core machine does both at once. It keeps
    ``AHEAD`` batches in hand: while the tables are small this process writes a batch faster
    than the helper cleans one, and later slower. The first batch is read and cleaned here,
    while the helper starts (or, started ahead, cleans the next ones). (Half a batch left the
    helper behind: 100,000 contacts took 0.5 s longer.)
    """
    path, file_format, encoding, delimiter, start = source
    rows = numbered_rows(Path(path), file_format, encoding, delimiter, start)
    limit = int(getattr(settings, "CLIENTELA_IMPORT_PARALLEL_MIN_ROWS", PARALLEL_MIN_ROWS))
    if remaining < limit or not processes.available():
        for batch in _batches(rows, size):
            yield batch, None
        return
    args = (ctx.spec.slug, ctx.columns, ctx.width)
    with processes.helper_process() as helper:
        first = list(islice(rows, size))
        rows.close()
        if not first:
            return
        rest = (path, file_format, encoding, delimiter, start + len(first))
        fields = customfields.snapshot()
        pending = deque(
            helper.submit(read_and_clean, *args, rest, size, fields) for _n in range(AHEAD)
        )
        yield first, None
        while True:
            batch, cleaned, rejected, wanted = pending.popleft().result()
            if not batch:
                return
            pending.append(helper.submit(read_and_clean, *args, rest, size, fields))
            yield batch, unpack(cleaned, rejected, wanted)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while rows are imported.

    A batch allocates a few hundred thousand short-lived dicts and lists; at the default
    thresholds the collector ran about 4,000 times in a 100,000-row import and, walking the
    growing set of live objects, took 2.7 of its 30 CPU seconds (0.5 s with these). What is
    alive when the import starts (Django, the app) is set apart from the collector meanwhile.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*processes.BATCH_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _fail(job: ImportJob, exc: BaseException) -> None:
    """Keep the last committed position; the job can be resumed from there."""
    job.refresh_from_db()
    reason = str(exc) if isinstance(exc, ValidationFailed) else exc.__class__.__name__
    job.status = "failed"
    job.message = _("Stopped after row %(row)d: %(reason)s") % {
        "row": job.position + 1,
        "reason": reason,
    }
    job.save(update_fields=["status", "message"])


def import_start(*, actor: User, job_id: Any) -> ImportJob:
    """Queue the run on the worker (the page then polls the job's progress)."""
    from clientela.customers.imports.tasks import run_import

    job = import_get(actor, job_id)
    permissions.require(actor, job.object_type, "create")
    if job.status not in RUNNABLE:
        raise Conflict(
            _("This import cannot be run now: it is %(status)s.")
            % {"status": job.get_status_display()}
        )
    transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def import_delete_file(job: ImportJob) -> None:
    (upload_dir() / Path(job.stored_path).name).unlink(missing_ok=True)


def rejected_rows(job: ImportJob) -> Iterator[ImportRowError]:
    return ImportRowError.objects.filter(job=job).order_by("row_number", "id").iterator(2000)
