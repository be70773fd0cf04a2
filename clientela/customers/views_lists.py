"""List pages for accounts, contacts and leads: search, filters, sort, columns, saved views,
keyset pages, bulk actions and exports — the same specs, selectors and services as the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.customers import selectors_lists
from clientela.customers.lists import SPECS
from clientela.customers.services.bulk import bulk_action
from clientela.platform import permissions
from clientela.platform.errors import DomainError, PermissionDenied, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.listing import Column, FilterKind, ListSpec, ListState, cell
from clientela.platform.models import User
from clientela.platform.services import saved_views
from clientela.platform.templatetags.clientela import phone

PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx", "vcf")


@dataclass(frozen=True)
class Kind:
    key: str  # "account"
    base: ListSpec
    list_url: str
    detail_url: str
    create_url: str

    @property
    def spec(self) -> ListSpec:
        """The list with its custom fields as they are now (no restart after a change)."""
        return self.base.current()


KINDS = {
    key: Kind(
        key,
        spec,
        f"customers:{key}_list",
        f"customers:{key}_detail",
        f"customers:{key}_create",
    )
    for key, spec in SPECS.items()
}


def account_list(request: AuthedRequest) -> HttpResponseBase:
    return _list(request, KINDS["account"])


def contact_list(request: AuthedRequest) -> HttpResponseBase:
    return _list(request, KINDS["contact"])


def lead_list(request: AuthedRequest) -> HttpResponseBase:
    return _list(request, KINDS["lead"])


def _session_key(kind: Kind) -> str:
    return f"list_columns:{kind.spec.object_type}"


def _effective_params(request: AuthedRequest, kind: Kind) -> tuple[QueryDict, Any]:
    """The request's parameters, on top of a saved view's when one is opened (``?view=``)."""
    params = QueryDict(mutable=True)
    view = None
    if request.GET.get("view"):
        view = saved_views.saved_view_get(request.user, request.GET["view"])
        if view.object_type != kind.spec.object_type:
            view = None
        else:
            for key, values in view.filters.items():
                params.setlist(key, values if isinstance(values, list) else [values])
            if view.sort:
                params["sort"] = view.sort
            if view.columns:
                params["columns"] = ",".join(view.columns)
    for key in request.GET:
        if key != "view":
            params.setlist(key, request.GET.getlist(key))
    if "columns" in request.GET:
        request.session[_session_key(kind)] = ",".join(request.GET.getlist("columns"))[:500]
    elif "columns" not in params and request.session.get(_session_key(kind)):
        params["columns"] = request.session[_session_key(kind)]
    return params, view


def _parse(spec: ListSpec, params: QueryDict) -> tuple[ListState, dict[str, list[str]]]:
    try:
        return spec.parse(params), {}
    except ValidationFailed as exc:
        fallback = spec.parse(QueryDict())
        return fallback, exc.errors


def _list(request: AuthedRequest, kind: Kind) -> HttpResponseBase:
    spec = kind.spec
    permissions.require(request.user, spec.object_type, "view")
    params, view = _effective_params(request, kind)
    state, errors = _parse(spec, params)
    export = params.get("export", "")
    if export and export not in EXPORT_FORMATS:
        errors = {**errors, "export": [_("Unknown export format.")]}
    if export and not errors:
        return _export(request, kind, state, export)
    rows: list[Any] = []
    next_cursor = None
    if not errors:
        try:
            page = selectors_lists.record_page(request.user, spec, state, limit=PAGE_SIZE)
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            rows, next_cursor = _rows(kind, page.items, state.columns), page.next_cursor
    context = _context(request, kind, state, errors, view)
    context.update(rows=rows, next_cursor=next_cursor)
    if next_cursor:
        context["next_url"] = "?" + state.urlencode(cursor=next_cursor)
    return render(request, f"customers/{kind.key}_list.html", context)


def _detail_url(kind: Kind, pk: int) -> str:
    try:
        return reverse(kind.detail_url, args=[pk])
    except NoReverseMatch:
        return ""


def _display(column: Column, value: Any) -> str:
    """A cell as text in the page's language and time zone."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if column.key == "phone":
        return phone(str(value))
    return str(value)


def _rows(kind: Kind, items: list[Any], columns: tuple[Column, ...]) -> list[dict[str, Any]]:
    return [
        {
            "pk": record.pk,
            "label": str(record),
            "url": _detail_url(kind, record.pk),
            "cells": [_display(c, cell(record, c)) for c in columns],
        }
        for record in items
    ]


def _headers(spec: ListSpec, state: ListState) -> list[dict[str, Any]]:
    """Column headings; a sortable one links to its sort, flipping it when already chosen."""
    offered = {s.key for s in spec.sorts}
    headers = []
    for column in state.columns:
        header: dict[str, Any] = {"label": column.label, "url": "", "direction": ""}
        if column.sortable:
            current = state.sort.key.lstrip("-") == column.key
            if current:
                header["direction"] = (
                    "descending" if state.sort.key.startswith("-") else "ascending"
                )
            flipped = state.sort.key[1:] if state.sort.key.startswith("-") else f"-{column.key}"
            target = flipped if current and flipped in offered else column.key
            if target not in offered:
                target = f"-{column.key}"
            header["url"] = "?" + state.urlencode(sort=target)
        headers.append(header)
    return headers


def _rights(request: AuthedRequest, spec: ListSpec) -> dict[str, bool]:
    return {
        f"can_{action}": permissions.can(request.user, spec.object_type, action)
        for action in ("create", "edit", "delete", "export")
    }


def _context(
    request: AuthedRequest,
    kind: Kind,
    state: ListState,
    errors: dict[str, list[str]],
    view: Any,
) -> dict[str, Any]:
    spec = kind.spec
    options = selectors_lists.filter_options(request.user)
    shown = {c.key for c in state.columns}
    return {
        "kind": kind,
        "spec": spec,
        "state": state,
        "errors": errors,
        "error_list": [f"{k}: {m}" for k, msgs in errors.items() for m in msgs],
        "query": state.query,
        "filters": [_filter_field(request.user, kind, f, state, options) for f in spec.filters],
        "headers": _headers(spec, state),
        "columns_all": [{"column": c, "shown": c.key in shown} for c in spec.columns],
        "sorts": spec.sorts,
        "options": options,
        "saved_views": list(saved_views.saved_view_list(request.user, spec.object_type)),
        "current_view": view,
        "list_url": reverse(kind.list_url),
        "create_url": reverse(kind.create_url) if _has_url(kind.create_url) else "",
        "bulk_url": reverse("customers:bulk_action", args=[kind.key]),
        "state_query": state.urlencode(),
        "export_formats": EXPORT_FORMATS if kind.key == "contact" else EXPORT_FORMATS[:2],
        "tool_links": _tool_links(request, kind),
        **_rights(request, spec),
    }


def _tool_links(request: AuthedRequest, kind: Kind) -> list[tuple[str, str]]:
    """Import and duplicates pages for this record type, when the user may use them."""
    links = []
    if permissions.can(request.user, kind.spec.object_type, "create"):
        links.append((_("Import"), reverse("customers:import_list")))
    if kind.key != "lead" and permissions.can(request.user, kind.spec.object_type, "edit"):
        links.append((_("Duplicates"), reverse("customers:dedup_list")))
    return links


def _has_url(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def _filter_field(
    actor: User, kind: Kind, item: Any, state: ListState, options: dict[str, Any]
) -> dict[str, Any]:
    """What the filter form needs for one filter: its inputs, current values and choices."""
    picker: dict[str, str] = {}
    # The picker searches the target's records: only the lists' own record types have a search
    # index (a custom field may link to any owned type; the others filter by id).
    searchable = {spec.object_type for spec in SPECS.values()}
    if item.kind == FilterKind.REFERENCE and item.target in searchable:
        picked = state.filters.get(item.key)
        label = selectors_lists.reference_label(actor, item.target, picked) if picked else ""
        picker = {
            "url": reverse("customers:reference_choices", args=[kind.key, item.key]),
            # the picker's own wording of a choice, so the box shows a name, not a number
            "value": f"#{picked} {label}" if label else (state.raw.get(item.key) or [""])[0],
        }
    choices: list[tuple[str, str]] = [(str(v), str(label)) for v, label in item.choices]
    if item.kind == FilterKind.USER:
        choices = [("me", _("Me"))] + [(str(u.pk), u.display_name) for u in options["users"]]
    elif item.kind == FilterKind.TEAM:
        choices = [(str(t.pk), t.name) for t in options["teams"]]
    elif item.kind == FilterKind.TAG:
        choices = [(name, name) for name in options["tags"]]
    elif item.kind == FilterKind.BOOLEAN:
        choices = [("true", _("Yes")), ("false", _("No"))]
    return {
        "filter": item,
        "kind": item.kind.value,
        "names": item.param_names(),
        "values": [state.raw.get(n, [""])[0] for n in item.param_names()],
        "selected": state.raw.get(item.key, []),
        "choices": choices,
        "picker": picker,
    }


def reference_choices(request: AuthedRequest, kind_key: str, filter_key: str) -> HttpResponse:
    """The picker's suggestions for a reference filter: ``<option>``s of visible records."""
    kind = KINDS.get(kind_key)
    item = next((f for f in kind.spec.filters if f.key == filter_key), None) if kind else None
    if item is None or item.kind != FilterKind.REFERENCE or not item.target:
        raise Http404
    permissions.require(request.user, kind.spec.object_type, "view")  # type: ignore[union-attr]
    query = request.GET.get(filter_key, "")
    if query.startswith("#"):
        query = ""  # a choice already picked: nothing new to suggest
    choices = selectors_lists.reference_choices(request.user, item.target, query)
    return render(request, "customers/_reference_choices.html", {"choices": choices})


def _export(request: AuthedRequest, kind: Kind, state: ListState, fmt: str) -> HttpResponseBase:
    """Exactly what the list shows: its filters, search, sort and visible columns."""
    from clientela.customers import exports  # the import/export part; loaded on use

    return exports.export_response(
        actor=request.user,
        object_type=kind.spec.object_type,
        queryset=selectors_lists.record_list(request.user, kind.spec, state),
        # a custom column is named by its key (cf_<key>): it has no attribute path
        columns=[(c.path or c.key, str(c.label)) for c in state.columns],
        fmt=fmt,
    )


# --- bulk actions ------------------------------------------------------------------------


def _back(kind: Kind, query: str) -> str:
    """The list again with the filters the user came from (re-encoded, never a foreign URL)."""
    params = QueryDict(query[:4000], mutable=True)
    params.pop("cursor", None)
    encoded = params.urlencode()
    return reverse(kind.list_url) + (f"?{encoded}" if encoded else "")


def _selected_ids(request: AuthedRequest, kind: Kind) -> list[Any]:
    if request.POST.get("all_matching") == "1":
        params = QueryDict(request.POST.get("query", "")[:4000], mutable=True)
        for key in ("cursor", "export", "view"):
            params.pop(key, None)
        return selectors_lists.matching_ids(request.user, kind.spec, params)
    return request.POST.getlist("ids")


def bulk_action_view(request: AuthedRequest, kind_key: str) -> HttpResponse:
    kind = KINDS.get(kind_key)
    if kind is None or request.method != "POST":
        return redirect("dashboard")
    back = _back(kind, request.POST.get("query", ""))
    action = request.POST.get("action", "")
    try:
        ids = _selected_ids(request, kind)
        if action == "delete" and request.POST.get("confirmed") != "1":
            return _confirm_delete(request, kind, ids, back)
        result = bulk_action(
            actor=request.user,
            model=kind.spec.model,
            action=action,
            ids=ids,
            owner=request.POST.get("owner") or None,
            team=request.POST.get("team") or None,
            tags=request.POST.get("tags", ""),
        )
    except (DomainError, PermissionDenied) as exc:
        _report_refusal(request, exc)
        return redirect(back)
    messages.success(request, _done_message(result.action, result.count))
    return redirect(back)


def _report_refusal(request: AuthedRequest, exc: DomainError) -> None:
    details = [str(m) for msgs in exc.errors.values() for m in msgs]
    text = str(exc.message)
    if details:
        text = f"{text} {' '.join(details)}"
    messages.error(request, text)


def _done_message(action: str, count: int) -> str:
    if action == "delete":
        return ngettext("%(n)d record was deleted.", "%(n)d records were deleted.", count) % {
            "n": count
        }
    if action == "add_tag":
        return ngettext("%(n)d record was tagged.", "%(n)d records were tagged.", count) % {
            "n": count
        }
    return ngettext("%(n)d record has a new owner.", "%(n)d records have a new owner.", count) % {
        "n": count
    }


def _confirm_delete(request: AuthedRequest, kind: Kind, ids: list[Any], back: str) -> HttpResponse:
    """How many will go, and which of them cannot (then nothing would): before anything goes."""
    if not ids:
        raise ValidationFailed(errors={"ids": [_("Select at least one record.")]})
    permissions.require(request.user, kind.spec.object_type, "delete")
    wanted = [int(pk) for pk in ids if str(pk).isdigit()]
    seen = selectors_lists.visible_ids(request.user, kind.spec.model, wanted)
    all_matching = request.POST.get("all_matching") == "1"
    return render(
        request,
        "platform/_list_bulk_confirm.html",
        {
            "kind": kind,
            # "Everything matching" is sent again as the filter: thousands of ids would not
            # fit in one form (DATA_UPLOAD_MAX_NUMBER_FIELDS).
            "ids": [] if all_matching else wanted,
            "all_matching": all_matching,
            "count": len(wanted),
            "refused": [pk for pk in wanted if pk not in seen][:50],
            "label": kind.spec.model._meta.verbose_name_plural,
            "query": request.POST.get("query", ""),
            "bulk_url": reverse("customers:bulk_action", args=[kind.key]),
            "back": back,
        },
    )


# --- saved views -------------------------------------------------------------------------


def saved_view_save(request: AuthedRequest, kind_key: str) -> HttpResponse:
    kind = KINDS.get(kind_key)
    if kind is None or request.method != "POST":
        return redirect("dashboard")
    params = QueryDict(request.POST.get("query", "")[:4000])
    filters = {k: params.getlist(k) for k in params if k not in ("sort", "columns", "cursor")}
    try:
        view = saved_views.saved_view_create(
            actor=request.user,
            object_type=kind.spec.object_type,
            values={
                "name": request.POST.get("name", ""),
                "shared": request.POST.get("shared") == "on",
                "filters": filters,
                "sort": params.get("sort", ""),
                "columns": params.get("columns", ""),
            },
        )
    except DomainError as exc:
        _report_refusal(request, exc)
        return redirect(_back(kind, request.POST.get("query", "")))
    messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
    return redirect(f"{reverse(kind.list_url)}?view={view.pk}")


def saved_view_delete(request: AuthedRequest, kind_key: str, view_id: int) -> HttpResponse:
    kind = KINDS.get(kind_key)
    if kind is None:
        return redirect("dashboard")
    view = saved_views.saved_view_get(request.user, view_id)
    if view.user_id != request.user.pk:
        raise PermissionDenied(_("Only the person who saved this view may delete it."))
    if request.method == "POST":
        saved_views.saved_view_delete(actor=request.user, view_id=view.pk)
        messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
        return redirect(kind.list_url)
    return render(
        request,
        "platform/_list_view_delete.html",
        {"view": view, "cancel": f"{reverse(kind.list_url)}?view={view.pk}"},
    )
