"""Settings → Custom fields: the fields administrators add to each record type.

Thin pages over ``services.customfields``: they check the same right first (so a page a user
could not save answers 403), show the service's field errors at their inputs and its refusals
(a type change whose values do not convert, a deletion not yet confirmed) above the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clientela.platform import customfields, permissions, registry
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import (
    CustomFieldEditForm,
    CustomFieldForm,
    CustomFieldTypeForm,
    apply_errors,
    record_types,
)
from clientela.platform.http import AuthedRequest
from clientela.platform.models import CustomField, FieldType
from clientela.platform.services import customfields as services

KEY = services.KEY
INDEX_STATES = {
    "none": "",
    "building": gettext_lazy("being built"),
    "ready": gettext_lazy("ready"),
}


def _rights(request: AuthedRequest) -> dict[str, bool]:
    return {
        f"can_{action}": permissions.can(request.user, KEY, action)
        for action in ("create", "edit", "delete")
    }


def _type_label(object_type: str) -> Any:
    try:
        return registry.get(object_type).label
    except KeyError:
        return object_type


def field_list(request: AuthedRequest) -> HttpResponse:
    rows = list(services.field_list(request.user))
    groups = [
        {
            "key": key,
            "label": label,
            "fields": [
                {"row": r, "index": INDEX_STATES.get(r.index_state, r.index_state)}
                for r in rows
                if r.object_type == key
            ],
        }
        for key, label in record_types()
    ]
    context = {"groups": groups, "any_fields": bool(rows), **_rights(request)}
    return render(request, "platform/settings/custom_fields.html", context)


def field_create(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "create")
    initial = {"object_type": request.GET.get("object_type", "")[:80]}
    form = CustomFieldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.field_create(actor=request.user, values=form.values())
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The field “%(label)s” was added.") % {"label": row.label})
            return redirect("settings:customfield_list")
    return render(request, "platform/settings/custom_field_form.html", {"form": form, "row": None})


def _choices_text(row: CustomField) -> str:
    lines = []
    for choice in row.choices or []:
        value, label = str(choice.get("value", "")), str(choice.get("label") or "")
        lines.append(value if label in ("", value) else f"{value}|{label}")
    return "\n".join(lines)


def _default_text(row: CustomField) -> str:
    """The stored default as someone would type it again in the form."""
    value = row.default
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if row.field_type in (FieldType.DECIMAL, FieldType.CURRENCY):
        return format(customfields.as_decimal(value), "f")
    return str(value)


def _plain(number: Any) -> str:
    return "" if number is None else format(number.normalize(), "f")


def _edit_initial(row: CustomField) -> dict[str, Any]:
    return {
        "label": row.label,
        "required": row.required,
        "default": _default_text(row),
        "help_text": row.help_text,
        "group": row.group,
        "position": row.position,
        "choices": _choices_text(row),
        "min_value": _plain(row.min_value),
        "max_value": _plain(row.max_value),
        "max_length": row.max_length,
        "pattern": row.pattern,
        "currency": row.currency,
        "filterable": row.filterable,
        "searchable": row.searchable,
    }


def _page(row: CustomField) -> dict[str, Any]:
    return {
        "row": row,
        "type_label": _type_label(row.object_type),
        "index_state": INDEX_STATES.get(row.index_state, row.index_state),
    }


def field_edit(request: AuthedRequest, field_id: int) -> HttpResponse:
    row = services.field_get(request.user, field_id)
    permissions.require(request.user, KEY, "edit")
    form = CustomFieldEditForm(
        request.POST or None, initial=_edit_initial(row), field_type=row.field_type
    )
    if request.method == "POST" and form.is_valid():
        try:
            row = services.field_update(actor=request.user, pk=row.pk, values=form.values())
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The field “%(label)s” was saved.") % {"label": row.label})
            return redirect("settings:customfield_list")
    context = {"form": form, **_page(row), **_rights(request)}
    return render(request, "platform/settings/custom_field_form.html", context)


def field_change_type(request: AuthedRequest, field_id: int) -> HttpResponse:
    row = services.field_get(request.user, field_id)
    permissions.require(request.user, KEY, "edit")
    initial = {
        "field_type": row.field_type,
        "choices": _choices_text(row),
        "target": row.target,
        "currency": row.currency or "BRL",
    }
    form = CustomFieldTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.field_change_type(
                actor=request.user,
                pk=row.pk,
                field_type=form.cleaned_data["field_type"],
                values=form.values(),
            )
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(
                request,
                _("The field “%(label)s” is now of the type %(type)s.")
                % {"label": row.label, "type": row.get_field_type_display()},
            )
            return redirect("settings:customfield_edit", field_id=row.pk)
    context = {"form": form, "usage": services.field_usage(row), **_page(row)}
    return render(request, "platform/settings/custom_field_type.html", context)


def field_delete(request: AuthedRequest, field_id: int) -> HttpResponse:
    row = services.field_get(request.user, field_id)
    permissions.require(request.user, KEY, "delete")
    error = ""
    if request.method == "POST":
        confirm_key = request.POST.get("confirm_key", "").strip()[:40]
        try:
            removed = services.field_delete(actor=request.user, pk=row.pk, confirm_key=confirm_key)
        except FORM_ERRORS as exc:
            error = str(exc.message)
        else:
            text = _("The field “%(label)s” was deleted.") % {"label": row.label}
            if removed:
                text += " " + ngettext(
                    "%(n)d record lost its value.", "%(n)d records lost their value.", removed
                ) % {"n": removed}
            messages.success(request, text)
            return redirect("settings:customfield_list")
    context = {"usage": services.field_usage(row), "error": error, **_page(row)}
    return render(request, "platform/settings/custom_field_delete.html", context)
