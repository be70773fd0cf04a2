"""Settings → Rules (administrators): the list, the editor, a rule's page with its execution
log and the dry run, and the log of one record's runs.

Thin over ``services.rules``; the editor's metadata (fields, operators, action settings) comes
from the rules registry and is handed to ``rules.js`` as JSON.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.platform.errors import FORM_ERRORS, DomainError
from clientela.platform.forms_rules import RuleForm
from clientela.platform.http import AuthedRequest
from clientela.platform.models import Rule, RunStatus
from clientela.platform.pagination import paginate
from clientela.platform.rules import editor
from clientela.platform.rules import registry as rules_registry
from clientela.platform.services import rules as services


def rule_list(request: AuthedRequest) -> HttpResponse:
    rows = list(services.rule_list(request.user))
    labels = {t.key: t.label for t in rules_registry.targets()}
    context = {
        "rules": [
            {"rule": r, "type": labels.get(r.object_type, r.object_type), **editor.summary(r)}
            for r in rows
        ]
    }
    return render(request, "platform/settings/rules.html", context)


def _object_type(request: AuthedRequest, rule: Rule | None) -> str:
    if rule is not None:
        return rule.object_type
    keys = [t.key for t in rules_registry.targets()]
    if not keys:
        raise Http404
    wanted = request.POST.get("object_type") or request.GET.get("object_type") or keys[0]
    return wanted if wanted in keys else keys[0]


def _editor(request: AuthedRequest, rule: Rule | None) -> HttpResponse:
    object_type = _object_type(request, rule)
    fields = editor.fields(object_type)
    if rule is not None:
        initial = RuleForm.initial_for(rule)
    else:
        initial = {"object_type": object_type, "run_as": request.user.pk, "is_active": True}
    data = request.POST if request.method == "POST" else None
    form = RuleForm(data, initial=initial, object_type=object_type, fields=fields)
    if rule is not None:
        form.fields["object_type"].disabled = True
    document_errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            if not form.errors:
                saved = _save(request, rule, values)
                messages.success(request, _("The rule was saved."))
                return redirect("settings:rule_detail", rule_id=saved.pk)
        except FORM_ERRORS as exc:
            document_errors = _show_errors(form, exc.errors, exc.message)
    context = {
        "form": form,
        "rule": rule,
        "meta": editor.meta(object_type, document_errors),
        "document_errors": sorted(document_errors.items()),
    }
    return render(request, "platform/settings/rule_form.html", context)


def _save(request: AuthedRequest, rule: Rule | None, values: dict[str, Any]) -> Rule:
    if rule is None:
        return services.rule_create(actor=request.user, values=values)
    values.pop("object_type", None)
    return services.rule_update(actor=request.user, rule_id=rule.pk, values=values)


def _show_errors(form: RuleForm, errors: dict[str, list[str]], message: object) -> dict[str, Any]:
    """Errors on the trigger's inputs go to the form; those inside the conditions and actions
    documents go to their editors, by path."""
    documents: dict[str, list[str]] = {}
    if not errors:
        form.add_error(None, str(message))
    for path, texts in errors.items():
        name = form.field_for(path)
        if path.startswith(("conditions.", "actions.")) or (name is None and "." in path):
            documents[path] = list(texts)
            continue
        for text in texts:
            form.add_error(name if name in form.fields else None, text)
    return documents


def rule_create(request: AuthedRequest) -> HttpResponse:
    services.require_rules_admin(request.user)
    return _editor(request, None)


def rule_edit(request: AuthedRequest, rule_id: int) -> HttpResponse:
    return _editor(request, services.rule_get(request.user, rule_id))


def _detail_context(request: AuthedRequest, rule: Rule) -> dict[str, Any]:
    status = request.GET.get("status", "")
    status = status if status in RunStatus.values else ""
    page = paginate(
        services.run_list(request.user, rule_id=rule.pk, status=status or None),
        ordering=("-created_at", "-id"),
        cursor=request.GET.get("cursor"),
        limit=25,
    )
    return {
        "rule": rule,
        **editor.summary(rule),
        "page": page,
        "status": status,
        "statuses": RunStatus.choices,
        "samples": editor.sample_records(rule.object_type),
        "dry_run": None,
    }


def rule_detail(request: AuthedRequest, rule_id: int) -> HttpResponse:
    rule = services.rule_get(request.user, rule_id)
    return render(request, "platform/settings/rule_detail.html", _detail_context(request, rule))


@require_POST
def rule_test(request: AuthedRequest, rule_id: int) -> HttpResponse:
    """The dry run: a fragment for htmx, the whole rule page without JavaScript."""
    rule = services.rule_get(request.user, rule_id)
    record_id = (request.POST.get("record_id") or request.POST.get("sample") or "").strip()
    result: dict[str, Any] = {"record_id": record_id, "dry_run": None, "error": ""}
    try:
        outcome = services.rule_test(actor=request.user, rule_id=rule.pk, record_id=record_id)
        result["dry_run"] = editor.dry_run_view(rule, outcome)
    except DomainError as exc:
        result["error"] = exc.message
    if request.headers.get("HX-Request"):
        return render(request, "platform/settings/_rule_test.html", {"rule": rule, **result})
    context = {**_detail_context(request, rule), **result}
    return render(request, "platform/settings/rule_detail.html", context)


@require_POST
def rule_toggle(request: AuthedRequest, rule_id: int) -> HttpResponse:
    rule = services.rule_get(request.user, rule_id)
    services.rule_set_active(actor=request.user, rule_id=rule.pk, active=not rule.is_active)
    if rule.is_active:
        messages.success(request, _("The rule was switched off."))
    else:
        messages.success(request, _("The rule was switched on."))
    return redirect("settings:rule_detail", rule_id=rule.pk)


def rule_delete(request: AuthedRequest, rule_id: int) -> HttpResponse:
    rule = services.rule_get(request.user, rule_id)
    if request.method == "POST":
        services.rule_delete(actor=request.user, rule_id=rule.pk)
        messages.success(request, _("The rule “%(name)s” was deleted.") % {"name": rule.name})
        return redirect("settings:rule_list")
    return render(request, "platform/settings/rule_delete.html", {"rule": rule})


@require_POST
def run_retry(request: AuthedRequest, run_id: str) -> HttpResponse:
    run = services.run_get(request.user, run_id)
    try:
        services.run_retry(actor=request.user, run_id=run.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The run will be tried again in a moment."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect(reverse("settings:rule_detail", args=[run.rule_id]))


def record_runs(request: AuthedRequest, object_type: str, record_id: str) -> HttpResponse:
    """Every rule run on one record, newest first: what fired on it, why, and what it did."""
    try:
        target = rules_registry.target(object_type)
    except KeyError:
        raise Http404 from None
    page = paginate(
        services.run_list(request.user, object_type=object_type, record_id=record_id),
        ordering=("-created_at", "-id"),
        cursor=request.GET.get("cursor"),
        limit=25,
    )
    record = target.load(record_id)
    context = {
        "target": target,
        "record": record,
        "record_url": target.url(record) if record is not None else "",
        "record_id": record_id,
        "page": page,
    }
    return render(request, "platform/settings/rule_record_runs.html", context)
