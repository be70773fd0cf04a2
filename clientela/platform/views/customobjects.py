"""Pages of custom objects: Settings → Custom objects, and each object's records.

Thin pages over ``services.customobjects`` and ``services.customrecords``; an unknown object
key answers 404 like a record out of sight.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.platform import (
    customfields,
    customforms,
    customobject_lists,
    customobjects,
    listing,
    permissions,
    registry,
)
from clientela.platform import selectors as platform_selectors
from clientela.platform.errors import FORM_ERRORS, DomainError, ValidationFailed
from clientela.platform.forms import apply_errors
from clientela.platform.forms_customobjects import (
    CustomObjectForm,
    CustomRecordForm,
    CustomRecordImportForm,
)
from clientela.platform.http import AuthedRequest
from clientela.platform.listing import FilterKind, ListState
from clientela.platform.models import FieldType, Team, User
from clientela.platform.services import customobjects as services
from clientela.platform.services import customrecord_import, customrecords

PAGE_SIZE = 50
HISTORY = 20


# --- Settings → Custom objects ----------------------------------------------------------------


def object_list(request: AuthedRequest) -> HttpResponse:
    rows = [
        {"row": row, "records": services.record_count(row)}
        for row in services.object_list(request.user)
    ]
    return render(
        request,
        "platform/objects/settings_list.html",
        {"rows": rows, "can_create": permissions.can(request.user, services.KEY, "create")},
    )


def object_form(request: AuthedRequest, object_id: int | None = None) -> HttpResponse:
    row = services.object_get(request.user, object_id) if object_id else None
    services.require_admin(request.user, "edit" if row else "create")
    initial = (
        {k: getattr(row, k) for k in ("label", "label_plural", "description", "is_active")}
        if row
        else None
    )
    form = CustomObjectForm(request.POST or None, initial=initial, editing=row is not None)
    if request.method == "POST" and form.is_valid():
        try:
            if row is None:
                row = services.object_create(actor=request.user, values=form.values())
                messages.success(request, _("The object was created; now add its fields."))
            else:
                services.object_update(actor=request.user, pk=row.pk, values=form.values())
                messages.success(request, _("The object was saved."))
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            return redirect("settings:customobject_list")
    context = {"form": form, "row": row, "type_key": f"objects.{row.key}" if row else ""}
    return render(request, "platform/objects/settings_form.html", context)


def object_delete(request: AuthedRequest, object_id: int) -> HttpResponse:
    row = services.object_get(request.user, object_id)
    services.require_admin(request.user, "delete")
    error = ""
    if request.method == "POST":
        try:
            services.object_delete(actor=request.user, pk=row.pk)
        except FORM_ERRORS as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("The object was deleted."))
            return redirect("settings:customobject_list")
    context = {"row": row, "records": services.record_count(row), "error": error}
    return render(request, "platform/objects/settings_delete.html", context)


# --- an object's records ----------------------------------------------------------------------


def _kind(key: str) -> customobjects.Kind:
    kind = customobjects.kind_by_key(key)
    if kind is None:
        raise Http404
    return kind


def _rights(actor: User, kind: customobjects.Kind) -> dict[str, bool]:
    return {
        f"can_{action}": permissions.can(actor, kind.type_key, action)
        for action in ("create", "edit", "delete", "export")
    }


def _parse(spec: Any, params: QueryDict) -> tuple[ListState, dict[str, list[str]]]:
    try:
        return spec.parse(params), {}
    except ValidationFailed as exc:
        return spec.parse(QueryDict()), exc.errors


def record_list(request: AuthedRequest, key: str) -> HttpResponseBase:
    kind = _kind(key)
    permissions.require(request.user, kind.type_key, "view")
    spec = customobject_lists.spec_for(kind)
    state, errors = _parse(spec, request.GET)
    if request.GET.get("export") == "csv" and not errors:
        return _export(request, kind, spec, state)
    rows: list[dict[str, Any]] = []
    next_url = ""
    if not errors:
        try:
            page = customobject_lists.record_page(request.user, kind, spec, state, limit=PAGE_SIZE)
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            rows = [_row(kind, r, state) for r in page.items]
            next_url = "?" + state.urlencode(cursor=page.next_cursor) if page.next_cursor else ""
    context = {
        "kind": kind,
        "state": state,
        "rows": rows,
        "next_url": next_url,
        "headers": [c.label for c in state.columns],
        "filters": [_filter(request.user, f, state) for f in spec.filters],
        "columns_all": [{"column": c, "shown": c in state.columns} for c in spec.columns],
        "sorts": spec.sorts,
        "query": state.query,
        "state_query": state.urlencode(),
        "error_list": [f"{k}: {m}" for k, msgs in errors.items() for m in msgs],
        **_rights(request.user, kind),
    }
    return render(request, "platform/objects/list.html", context)


def _row(kind: customobjects.Kind, record: Any, state: ListState) -> dict[str, Any]:
    cells = []
    for column in state.columns:
        value = listing.cell(record, column)
        cells.append("—" if value in (None, "") else value)
    url = reverse("objects:record_detail", args=[kind.key, record.pk])
    return {"pk": record.pk, "label": record.name, "url": url, "cells": cells}


def _filter(actor: User, item: Any, state: ListState) -> dict[str, Any]:
    choices: list[tuple[str, str]] = [(str(v), str(label)) for v, label in item.choices]
    if item.kind == FilterKind.USER:
        choices = [("me", _("Me"))] + [(str(u.pk), u.display_name) for u in _users(actor)]
    elif item.kind == FilterKind.TEAM:
        choices = [(str(t.pk), t.name) for t in _teams(actor)]
    elif item.kind == FilterKind.BOOLEAN:
        choices = [("true", _("Yes")), ("false", _("No"))]
    return {
        "filter": item,
        "kind": item.kind.value,
        "names": item.param_names(),
        "values": [state.raw.get(n, [""])[0] for n in item.param_names()],
        "selected": state.raw.get(item.key, []),
        "choices": choices,
    }


def _users(actor: User) -> Any:
    seen = permissions.visible_to(actor, User.objects.all()).values("pk")
    users = User.objects.filter(is_active=True).filter(Q(pk__in=seen) | Q(pk=actor.pk))
    return users.order_by("first_name", "last_name", "username")[:200]


def _teams(actor: User) -> Any:
    seen = permissions.visible_to(actor, Team.objects.all()).values("pk")
    mine = permissions.team_ids(actor)
    return Team.objects.filter(Q(pk__in=seen) | Q(pk__in=mine)).order_by("name")[:200]


def _export(
    request: AuthedRequest, kind: customobjects.Kind, spec: Any, state: ListState
) -> HttpResponseBase:
    lines = customobject_lists.export_csv(request.user, kind, spec, state)
    first = next(iter(lines))  # the export right is checked before the answer starts
    response = StreamingHttpResponse(_chain(first, lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind.key}.csv"'
    return response


def _chain(first: str, rest: Any) -> Any:
    yield first
    yield from rest


def _record_form(
    request: AuthedRequest, kind: customobjects.Kind, record: Any
) -> tuple[CustomRecordForm, customforms.CustomFieldsForm]:
    data = request.POST if request.method == "POST" else None
    initial = (
        {"name": record.name, "owner": record.owner_id, "team": record.team_id} if record else None
    )
    main = CustomRecordForm(
        data, initial=initial, users=_users(request.user), teams=_teams(request.user)
    )
    custom = customforms.CustomFieldsForm(
        data, actor=request.user, object_type=kind.type_key, record=record
    )
    return main, custom


def record_form(request: AuthedRequest, key: str, record_id: int | None = None) -> HttpResponse:
    kind = _kind(key)
    record = customrecords.record_get(request.user, kind, record_id) if record_id else None
    permissions.require(request.user, kind.type_key, "edit" if record else "create")
    main, custom = _record_form(request, kind, record)
    if request.method == "POST" and main.is_valid() and custom.is_valid():
        values = custom.put(main.values())
        try:
            if record is None:
                record = customrecords.record_create(actor=request.user, kind=kind, values=values)
            else:
                customrecords.record_update(
                    actor=request.user, kind=kind, pk=record.pk, values=values
                )
        except FORM_ERRORS as exc:
            apply_errors(main, custom.apply(exc.errors), exc.message)
        else:
            messages.success(request, _("The record was saved."))
            return redirect("objects:record_detail", key=kind.key, record_id=record.pk)
    context = {"kind": kind, "record": record, "form": main, "custom_form": custom}
    return render(request, "platform/objects/form.html", context)


def record_detail(request: AuthedRequest, key: str, record_id: int) -> HttpResponse:
    kind = _kind(key)
    record = customrecords.record_get(request.user, kind, record_id)
    history = platform_selectors.record_history(request.user, record)[:HISTORY]
    context = {
        "kind": kind,
        "record": record,
        "custom": customforms.shown(request.user, kind.type_key, record),
        "links": _links(request.user, kind, record),
        "history": history,
        **_rights(request.user, kind),
    }
    return render(request, "platform/objects/detail.html", context)


def _links(actor: User, kind: customobjects.Kind, record: Any) -> list[dict[str, str]]:
    """The records its lookup fields point at, as links where the page is known."""
    stored = record.custom or {}
    links = []
    for item in customfields.definitions(kind.type_key):
        value = stored.get(item.key)
        if item.field_type != FieldType.LOOKUP or value is None:
            continue
        try:
            model = registry.get(item.target).model
        except KeyError:
            continue
        target = permissions.visible_to(actor, model._default_manager.filter(pk=value)).first()
        if target is None:
            continue
        links.append(
            {"label": item.label, "text": str(target), "url": _detail_url(item.target, value)}
        )
    return links


def _detail_url(type_key: str, pk: Any) -> str:
    """A record's page by the apps' naming habit (``customers.contact`` →
    ``customers:contact_detail``); "" when the type has none."""
    app, _sep, name = type_key.partition(".")
    url_name = "objects:record_detail" if app == "objects" else f"{app}:{name}_detail"
    args = [name, pk] if app == "objects" else [pk]
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""


def record_delete(request: AuthedRequest, key: str, record_id: int) -> HttpResponse:
    kind = _kind(key)
    record = customrecords.record_get(request.user, kind, record_id)
    permissions.require(request.user, kind.type_key, "delete")
    if request.method == "POST":
        try:
            customrecords.record_delete(actor=request.user, kind=kind, pk=record.pk)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("objects:record_detail", key=kind.key, record_id=record.pk)
        messages.success(request, _("The record was deleted."))
        return redirect("objects:record_list", key=kind.key)
    return render(request, "platform/objects/delete.html", {"kind": kind, "record": record})


@require_POST
def bulk_delete(request: AuthedRequest, key: str) -> HttpResponse:
    """First a confirmation naming how many records go; then all of them or none."""
    kind = _kind(key)
    permissions.require(request.user, kind.type_key, "delete")
    ids = [pk for pk in request.POST.getlist("ids") if pk.isdigit()][: customrecords.MAX_BULK]
    back = reverse("objects:record_list", args=[kind.key])
    if not ids:
        messages.error(request, _("Select at least one record."))
        return redirect(back)
    if request.POST.get("confirmed") != "1":
        context = {"kind": kind, "ids": ids, "count": len(ids)}
        return render(request, "platform/objects/bulk_delete.html", context)
    try:
        count = customrecords.records_delete(actor=request.user, kind=kind, ids=ids)
    except DomainError as exc:
        details = " ".join(str(m) for msgs in exc.errors.values() for m in msgs)
        messages.error(request, f"{exc.message} {details}".strip())
        return redirect(back)
    messages.success(
        request,
        ngettext("%(n)d record was deleted.", "%(n)d records were deleted.", count) % {"n": count},
    )
    return redirect(back)


def record_import(request: AuthedRequest, key: str) -> HttpResponse:
    kind = _kind(key)
    permissions.require(request.user, kind.type_key, "create")
    form = CustomRecordImportForm(request.POST or None, request.FILES or None)
    problems: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = upload.read(customrecord_import.MAX_BYTES + 1)
            count = customrecord_import.records_import(
                actor=request.user, kind=kind, content=content
            )
        except FORM_ERRORS as exc:
            form.add_error(None, str(exc.message))
            problems = exc.errors
        else:
            messages.success(
                request,
                ngettext("%(n)d record was imported.", "%(n)d records were imported.", count)
                % {"n": count},
            )
            return redirect("objects:record_list", key=kind.key)
    context = {"kind": kind, "form": form, "problems": problems}
    return render(request, "platform/objects/import.html", context)
