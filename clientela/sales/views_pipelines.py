"""Settings → Pipelines: the company's sales policy, for those allowed to see or change it.

A pipeline is edited as one form: its name and flags, then its stages as ordered rows (name,
probability, kind, idle days, the fields a deal needs to enter, the activities suggested on
entry). The service takes the whole list and keeps, adds and removes stages to match.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, NotFound
from clientela.platform.http import AuthedRequest
from clientela.sales import selectors, services
from clientela.sales.forms import PipelineForms
from clientela.sales.models import Pipeline

KEY = services.PIPELINE_KEY


def _rights(actor: Any) -> dict[str, bool]:
    return {f"can_{a}": permissions.can(actor, KEY, a) for a in ("create", "edit", "delete")}


def _pipeline(pipeline_id: int) -> Pipeline:
    found = selectors.pipeline_get(pipeline_id)
    if found is None:
        raise NotFound()
    return found


def pipeline_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    rows = [
        {"pipeline": p, "stages": selectors.stages_of(p)}
        for p in selectors.pipelines(active_only=False)
    ]
    return render(request, "sales/pipelines.html", {"rows": rows, **_rights(request.user)})


def _stages(pipeline: Pipeline | None) -> list[dict[str, Any]]:
    if pipeline is None:
        return []
    return [
        {
            "id": s.pk,
            "name": s.name,
            "probability": s.probability,
            "kind": s.kind,
            "rotting_days": s.rotting_days,
            "required_fields": list(s.required_fields or []),
            "guidance": list(s.guidance or []),
        }
        for s in selectors.stages_of(pipeline)
    ]


def pipeline_form(request: AuthedRequest, pipeline_id: int | None = None) -> HttpResponse:
    permissions.require(request.user, KEY, "edit" if pipeline_id else "create")
    pipeline = _pipeline(pipeline_id) if pipeline_id else None
    initial: dict[str, Any] = {"active": True}
    if pipeline is not None:
        initial = {k: getattr(pipeline, k) for k in ("name", "is_default", "active")}
    data = request.POST if request.method == "POST" else None
    forms = PipelineForms(data, initial, _stages(pipeline))
    if request.method == "POST" and forms.is_valid():
        values = forms.values()
        try:
            if pipeline is None:
                saved = services.pipeline_create(actor=request.user, values=values)
            else:
                saved = services.pipeline_update(
                    actor=request.user, pipeline_id=pipeline.pk, values=values
                )
        except FORM_ERRORS as exc:
            forms.apply(exc.errors, exc.message)
        else:
            messages.success(request, _("The pipeline %(name)s was saved.") % {"name": saved.name})
            return redirect("sales:pipeline_list")
    context = {
        "form": forms.main,
        "stages": forms.stages,
        "stage_template": forms.template,
        "stage_errors": forms.stage_errors,
        "pipeline": pipeline,
        **_rights(request.user),
    }
    return render(request, "sales/pipeline_form.html", context)


def pipeline_delete(request: AuthedRequest, pipeline_id: int) -> HttpResponse:
    permissions.require(request.user, KEY, "delete")
    pipeline = _pipeline(pipeline_id)
    if request.method == "POST":
        try:
            services.pipeline_delete(actor=request.user, pipeline_id=pipeline.pk)
        except FORM_ERRORS as exc:
            messages.error(request, str(exc.message))
            return redirect("sales:pipeline_edit", pipeline_id=pipeline.pk)
        messages.success(request, _("The pipeline %(name)s was deleted.") % {"name": pipeline.name})
        return redirect("sales:pipeline_list")
    return render(
        request,
        "platform/confirm_delete.html",
        {"object": pipeline, "cancel_url": "sales:pipeline_list"},
    )
