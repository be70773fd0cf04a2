"""API for imports (upload → run in the worker → progress → rejected rows) and list exports.

Their own router is mounted before the customers one, so ``/contacts/export`` is not read as
``/contacts/{contact_id}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from clientela.customers import imports
from clientela.customers.exports import default_columns, export_response
from clientela.customers.imports.report import report_lines
from clientela.customers.models import Account, Contact, ImportJob, Lead
from clientela.customers.search_index import search
from clientela.platform.http import AuthedRequest

router = Router(tags=["customers"])
ObjectSlug = Literal["contacts", "accounts", "leads"]


class ImportJobOut(Schema):
    id: int
    object_type: str = Field(description="customers.contact, customers.account or customers.lead")
    file_name: str
    file_format: str = Field(description="csv or xlsx")
    encoding: str = Field(description="detected text encoding (CSV)")
    delimiter: str = Field(description="detected delimiter (CSV)")
    headers: list[str]
    mapping: dict[str, str] = Field(description="column index → field key")
    duplicate_policy: str = Field(description="update, skip or flag")
    status: str = Field(description="uploaded, mapped, running, done, failed or cancelled")
    total_rows: int | None
    position: int = Field(description="rows committed so far; a resumed run starts after it")
    created_count: int
    updated_count: int
    skipped_count: int
    flagged_count: int
    error_count: int
    message: str
    created_at: datetime
    finished_at: datetime | None
    errors_url: str

    @staticmethod
    def resolve_errors_url(job: ImportJob) -> str:
        return f"/api/v1/imports/{job.pk}/errors.csv"


class ImportRunIn(Schema):
    mapping: dict[str, str] | None = Field(
        None, description="column index → field key; omitted: the guessed or remembered one"
    )
    duplicate_policy: Literal["update", "skip", "flag"] = "skip"


class ExportParams(Schema):
    format: Literal["csv", "xlsx", "vcf"] = "csv"
    q: str = ""


@router.post("/imports", response={201: ImportJobOut}, summary="Upload a file to import")
def create_import(
    request: AuthedRequest, file: File[UploadedFile], object_type: Form[ObjectSlug] = "contacts"
):
    job = imports.import_create(
        actor=request.user, object_type=object_type, file_name=file.name or "", upload=file
    )
    return Status(201, job)


@router.get("/imports/{import_id}", response=ImportJobOut, summary="One import and its progress")
def get_import(request: AuthedRequest, import_id: int):
    return imports.import_get(request.user, import_id)


@router.post(
    "/imports/{import_id}/run", response={202: ImportJobOut}, summary="Run or resume an import"
)
def run_import(request: AuthedRequest, import_id: int, payload: ImportRunIn):
    job = imports.import_get(request.user, import_id)
    if job.status in ("uploaded", "mapped"):
        job = imports.import_configure(
            actor=request.user,
            job_id=import_id,
            mapping=payload.mapping if payload.mapping is not None else job.mapping,
            duplicate_policy=payload.duplicate_policy,
        )
    return Status(202, imports.import_start(actor=request.user, job_id=job.pk))


@router.get(
    "/imports/{import_id}/errors.csv",
    response={200: Any},
    summary="The rejected rows with their reasons (CSV)",
)
def import_errors(request: AuthedRequest, import_id: int) -> HttpResponseBase:
    job = imports.import_get(request.user, import_id)
    response = StreamingHttpResponse(report_lines(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
    return response


def _export(request: AuthedRequest, object_type: str, model: Any, params: ExportParams):
    queryset = search(model._default_manager.all(), params.q[:100])
    return export_response(
        actor=request.user,
        object_type=object_type,
        queryset=queryset,
        columns=default_columns(object_type),
        fmt=params.format,
    )


@router.get("/contacts/export", response={200: Any}, summary="Export contacts (CSV, XLSX, vCard)")
def export_contacts(request: AuthedRequest, params: Query[ExportParams]) -> HttpResponseBase:
    return _export(request, "customers.contact", Contact, params)


@router.get("/accounts/export", response={200: Any}, summary="Export accounts (CSV, XLSX)")
def export_accounts(request: AuthedRequest, params: Query[ExportParams]) -> HttpResponseBase:
    return _export(request, "customers.account", Account, params)


@router.get("/leads/export", response={200: Any}, summary="Export leads (CSV, XLSX)")
def export_leads(request: AuthedRequest, params: Query[ExportParams]) -> HttpResponseBase:
    return _export(request, "customers.lead", Lead, params)
