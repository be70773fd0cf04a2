"""Duplicate pages: the list of likely pairs, scans with progress, the merge screen, history.

Thin: the same selectors (``selectors_dedup``) and services (``services.dedup``,
``services.merge``) as the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clientela.customers import merge, selectors_dedup
from clientela.customers.services import dedup as dedup_services
from clientela.customers.services import merge as merge_services
from clientela.platform import permissions, registry
from clientela.platform.errors import FORM_ERRORS, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate

PAGE_SIZE = 25
TYPE_LABELS = {
    "customers.contact": gettext_lazy("Contacts"),
    "customers.account": gettext_lazy("Accounts"),
}
REASON_LABELS = {
    "first": gettext_lazy("first name"),
    "last": gettext_lazy("last name"),
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("phone"),
    "tax": gettext_lazy("tax id"),
    "birth": gettext_lazy("birthday"),
    "street": gettext_lazy("street"),
    "number": gettext_lazy("street number"),
    "complement": gettext_lazy("address complement"),
    "city": gettext_lazy("city"),
    "postal": gettext_lazy("postal code"),
    "state": gettext_lazy("state"),
}
ACCOUNT_REASON_LABELS = {"first": gettext_lazy("website"), "last": gettext_lazy("name")}
DETAIL_URLS = {
    "customers.contact": "customers:contact_detail",
    "customers.account": "customers:account_detail",
}


def _reason_text(object_type: str, reasons: list[dict[str, Any]]) -> list[str]:
    labels = {**REASON_LABELS}
    if object_type == "customers.account":
        labels.update(ACCOUNT_REASON_LABELS)
    return [
        _("same %(field)s") % {"field": labels.get(str(r.get("field")), r.get("field"))}
        if float(r.get("similarity", 0)) >= 0.999
        else _("similar %(field)s") % {"field": labels.get(str(r.get("field")), r.get("field"))}
        for r in reasons
    ]


def _filters(request: AuthedRequest) -> tuple[str | None, float, list[str]]:
    errors = []
    object_type = request.GET.get("type") or None
    if object_type not in (None, *TYPE_LABELS):
        errors.append(_("Choose contacts or accounts."))
        object_type = None
    try:
        min_score = float(request.GET.get("min_score") or 0) / 100
    except ValueError:
        min_score = -1.0
    if not 0 <= min_score <= 1:
        errors.append(_("The minimum score is a number from 0 to 100."))
        min_score = 0.0
    return object_type, min_score, errors


def dedup_list(request: AuthedRequest) -> HttpResponse:
    object_type, min_score, errors = _filters(request)
    queryset = selectors_dedup.candidate_list(
        request.user, object_type=object_type, min_score=min_score
    )
    try:
        page = paginate(
            queryset, ordering=("-score", "id"), cursor=request.GET.get("cursor"), limit=PAGE_SIZE
        )
    except ValidationFailed:
        page = paginate(queryset, ordering=("-score", "id"), cursor=None, limit=PAGE_SIZE)
        errors.append(_("This page link is no longer valid; showing the first page."))
    rows = [
        {"pair": row, "reasons": _reason_text(row.candidate.object_type, row.candidate.reasons)}
        for row in selectors_dedup.with_records(page.items)
    ]
    filters = {"type": object_type or "", "min_score": round(min_score * 100)}
    return render(
        request,
        "customers/dedup_list.html",
        {
            "rows": rows,
            "page": page,
            "filters": filters,
            "type_labels": TYPE_LABELS,
            "errors": errors,
            "can_scan": dedup_services.can_scan(request.user),
            "detail_urls": DETAIL_URLS,
        },
    )


@require_POST
def dedup_scan_start(request: AuthedRequest) -> HttpResponse:
    object_type = request.POST.get("type", "")
    try:
        scan_id = dedup_services.dedup_scan_start(actor=request.user, object_type=object_type)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
        return redirect("customers:dedup_list")
    return redirect("customers:dedup_scan", scan_id=scan_id)


def dedup_scan(request: AuthedRequest, scan_id: str) -> HttpResponse:
    status = dedup_services.dedup_scan_status(actor=request.user, scan_id=scan_id)
    progress = status["progress"] or {}
    total = int(progress.get("total") or 0)
    percent = round(100 * int(progress.get("done") or 0) / total) if total else 0
    for result in status["results"] or []:
        result["label"] = TYPE_LABELS.get(result.get("object_type", ""), "")
    context = {
        "scan": status,
        "percent": 100 if status["status"] == "SUCCESSFUL" else percent,
        "finished": status["status"] in ("SUCCESSFUL", "FAILED"),
        "type_labels": TYPE_LABELS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "customers/dedup_scan_status.html", context)
    return render(request, "customers/dedup_scan.html", context)


@require_POST
def dedup_dismiss(request: AuthedRequest, candidate_id: int) -> HttpResponse:
    try:
        dedup_services.candidate_dismiss(actor=request.user, candidate_id=candidate_id)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The pair was marked as not a duplicate."))
    back = request.POST.get("next_url", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("customers:dedup_list")
    return redirect(back or reverse("customers:dedup_list"))


# --- the merge screen -----------------------------------------------------------------------

SIDES = ("left", "right")


def _display(record: models.Model, name: str) -> str:
    field = record._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(getattr(record, f"get_{name}_display")())
    value = getattr(record, name)
    if value is None or value == "":
        return ""
    if hasattr(value, "isoformat") and not hasattr(value, "hour"):
        return date_format(value)
    return str(value)


def _pair(request: AuthedRequest, candidate_id: int) -> tuple[Any, Any, Any, Any]:
    candidate = selectors_dedup.candidate_get(request.user, candidate_id)
    kind = merge_services.KINDS[candidate.object_type]
    queryset = kind.model._default_manager.all()
    left = permissions.get_visible(request.user, queryset, candidate.left_id)
    right = permissions.get_visible(request.user, queryset, candidate.right_id)
    return candidate, kind, left, right


def _picks(data: Any, kind: Any, left: Any, right: Any) -> tuple[str, dict[str, str]]:
    """Which side survives, and for each field whose side's value is kept (left/right); the
    record type's custom fields are chosen the same way, by ``custom.<key>``."""
    survivor = data.get("survivor") if data.get("survivor") in SIDES else "left"
    compared = [
        (name, getattr(left, column), getattr(right, column))
        for name in kind.fields
        for column in [kind.model._meta.get_field(name).attname]
    ]
    compared += [(f.name, f.left, f.right) for f in _custom_fields(kind, left, right)]
    picks = {}
    for name, mine, theirs in compared:
        if mine == theirs:
            continue
        chosen = data.get(f"pick_{name}")
        if chosen not in SIDES:
            chosen = "right" if mine in (None, "", []) else "left"
        picks[name] = chosen
    return survivor, picks


def _custom_fields(kind: Any, left: Any, right: Any) -> list[selectors_dedup.MergeField]:
    object_type = registry.for_model(kind.model).key
    return selectors_dedup.custom_merge_fields(object_type, left, right)


def _rows(kind: Any, left: Any, right: Any, picks: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for name in kind.fields:
        field = kind.model._meta.get_field(name)
        rows.append(
            {
                "name": name,
                "label": field.verbose_name,
                "left": _display(left, name),
                "right": _display(right, name),
                "pick": picks.get(name),
                "result": _display(right if picks.get(name) == "right" else left, name),
            }
        )
    for item in _custom_fields(kind, left, right):
        rows.append(
            {
                "name": item.name,
                "label": item.label,
                "left": item.left_shown,
                "right": item.right_shown,
                "pick": picks.get(item.name),
                "result": item.right_shown if picks.get(item.name) == "right" else item.left_shown,
            }
        )
    return rows


def _merge_context(request: AuthedRequest, candidate_id: int, data: Any) -> dict[str, Any]:
    candidate, kind, left, right = _pair(request, candidate_id)
    survivor, picks = _picks(data, kind, left, right)
    leaving = right if survivor == "left" else left
    return {
        "moving": merge.reference_counts(kind.model, leaving.pk),
        "candidate": candidate,
        "left": left,
        "right": right,
        "survivor": survivor,
        "rows": _rows(kind, left, right, picks),
        "reasons": _reason_text(candidate.object_type, candidate.reasons),
        "detail_url": DETAIL_URLS[candidate.object_type],
        "type_label": TYPE_LABELS[candidate.object_type],
        "picks": picks,
        "kind": kind,
    }


def _choices(survivor: str, picks: dict[str, str]) -> dict[str, str]:
    return {
        name: merge_services.SURVIVOR if side == survivor else merge_services.MERGED
        for name, side in picks.items()
    }


def dedup_merge(request: AuthedRequest, candidate_id: int) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    context = _merge_context(request, candidate_id, data)
    if request.method == "POST" and request.POST.get("action") == "merge":
        left, right = context["left"], context["right"]
        keep, lose = (left, right) if context["survivor"] == "left" else (right, left)
        merge_fn = (
            merge_services.contact_merge
            if context["kind"] is merge_services.CONTACT_KIND
            else merge_services.account_merge
        )
        try:
            merge_fn(
                actor=request.user,
                survivor_id=keep.pk,
                merged_id=lose.pk,
                choices=_choices(context["survivor"], context["picks"]),
            )
        except FORM_ERRORS as exc:
            context["error"] = str(exc.message)
        else:
            messages.success(
                request,
                _("“%(lost)s” was merged into “%(kept)s”. You can undo it in the merge history.")
                % {"lost": str(lose), "kept": str(keep)},
            )
            return redirect(context["detail_url"], keep.pk)
    template = "customers/dedup_preview.html" if request.headers.get("HX-Request") else None
    return render(request, template or "customers/dedup_merge.html", context)


def merge_history(request: AuthedRequest) -> HttpResponse:
    try:
        page = paginate(
            selectors_dedup.merge_list(request.user),
            ordering=("-id",),
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except ValidationFailed:
        page = paginate(
            selectors_dedup.merge_list(request.user),
            ordering=("-id",),
            cursor=None,
            limit=PAGE_SIZE,
        )
    labels = selectors_dedup.record_labels(page.items)
    rows = [
        {
            "merge": m,
            "survivor": labels.get((m.object_type, m.survivor_id), f"#{m.survivor_id}"),
            "merged": labels.get((m.object_type, m.merged_id), f"#{m.merged_id}"),
            "detail_url": DETAIL_URLS.get(m.object_type),
            "can_undo": m.undone_at is None
            and dedup_services.can_scan(request.user, m.object_type),
        }
        for m in page.items
    ]
    return render(
        request,
        "customers/dedup_history.html",
        {"rows": rows, "page": page, "type_labels": TYPE_LABELS},
    )


@require_POST
def merge_undo(request: AuthedRequest, merge_id: int) -> HttpResponse:
    try:
        record = merge_services.merge_undo(actor=request.user, merge_id=merge_id)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
        return redirect("customers:merge_history")
    messages.success(request, _("The merge was undone; both records are back."))
    return redirect(DETAIL_URLS[record.object_type], record.merged_id)
