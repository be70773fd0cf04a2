"""The import wizard: upload → map columns → preview → run with a progress bar → report.

Thin views over ``clientela.customers.imports``; the run happens in the worker and the page
polls the job's progress with htmx.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from clientela.customers import imports
from clientela.customers.imports.report import report_lines
from clientela.customers.imports.specs import SPECS, spec_for
from clientela.customers.models import DuplicatePolicy
from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import apply_errors
from clientela.platform.http import AuthedRequest


class UploadForm(forms.Form):
    object_type = forms.ChoiceField(label=_lazy("Import"), choices=())
    file = forms.FileField(
        label=_lazy("File"),
        help_text=_lazy("CSV (comma, semicolon or tab; UTF-8 or Windows-1252) or XLSX."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["object_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (slug, spec.label)
            for slug, spec in SPECS.items()
            if permissions.can(actor, spec.object_type, "create")
        ]


def import_list(request: AuthedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.import_create(
                actor=request.user,
                object_type=form.cleaned_data["object_type"],
                file_name=upload.name,
                upload=upload,
            )
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            return redirect("customers:import_mapping", job_id=job.pk)
    jobs = list(imports.import_list(request.user)[:50])
    for job in jobs:
        job.record_label = spec_for(job.object_type).label  # type: ignore[attr-defined]
    return render(request, "customers/import_list.html", {"form": form, "jobs": jobs})


def _mapping_rows(job: Any, mapping: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"index": str(i), "header": header, "field": mapping.get(str(i), "")}
        for i, header in enumerate(job.headers)
    ]


def import_mapping(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = imports.import_get(request.user, job_id)
    spec = spec_for(job.object_type)
    mapping, policy, errors = dict(job.mapping), job.duplicate_policy, []
    if request.method == "POST":
        mapping = {
            str(i): request.POST.get(f"column_{i}", "")
            for i in range(len(job.headers))
            if request.POST.get(f"column_{i}")
        }
        policy = request.POST.get("duplicate_policy", "skip")
        try:
            imports.import_configure(
                actor=request.user, job_id=job.pk, mapping=mapping, duplicate_policy=policy
            )
        except FORM_ERRORS as exc:
            errors = [str(m) for msgs in exc.errors.values() for m in msgs] or [str(exc.message)]
        else:
            return redirect("customers:import_preview", job_id=job.pk)
    context = {
        "job": job,
        "spec": spec,
        "custom_fields": spec.custom_fields(),  # offered as targets too, by their labels
        "rows": _mapping_rows(job, mapping),
        "policy": policy,
        "policies": DuplicatePolicy.choices,
        "errors": errors,
        "editable": job.status in ("uploaded", "mapped"),
    }
    return render(request, "customers/import_mapping.html", context)


def import_preview(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = imports.import_get(request.user, job_id)
    if job.status == "uploaded":
        return redirect("customers:import_mapping", job_id=job.pk)
    if job.status != "mapped":  # started: its file may be gone, its progress is what matters
        return redirect("customers:import_detail", job_id=job.pk)
    preview = imports.import_preview(actor=request.user, job_id=job.pk)
    return render(request, "customers/import_preview.html", {"job": job, "preview": preview})


@require_POST
def import_run(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = imports.import_get(request.user, job_id)
    try:
        imports.import_start(actor=request.user, job_id=job.pk)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The import was queued; this page follows its progress."))
    return redirect("customers:import_detail", job_id=job.pk)


def import_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = imports.import_get(request.user, job_id)
    return render(request, "customers/import_detail.html", {"job": job})


def import_progress(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = imports.import_get(request.user, job_id)
    return render(request, "customers/import_progress.html", {"job": job})


def import_errors(request: AuthedRequest, job_id: int) -> StreamingHttpResponse:
    job = imports.import_get(request.user, job_id)
    response = StreamingHttpResponse(report_lines(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
    return response
