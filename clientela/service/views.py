"""Service desk pages: the queue, a new ticket, attachment downloads and the customer's survey.

A ticket's own page and its actions are in ``views_tickets``. The queue reads one page of
tickets from ``selectors.ticket_page`` (keyset pagination, everything the row shows joined in),
so it answers as fast with 100,000 open tickets as with ten. The SLA column shows the nearer
running due instant relative to now; a paused clock (waiting for the customer) says so.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods

from clientela.customers import selectors as customer_selectors
from clientela.customers.models import Account, Contact
from clientela.customers.selectors_lists import visible_ids
from clientela.platform import customforms, permissions
from clientela.platform.errors import FORM_ERRORS, NotFound, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.models import User
from clientela.service import outbound, selectors, services
from clientela.service.forms import RatingForm, TicketForm
from clientela.service.models import (
    ACTIVE,
    Priority,
    SlaState,
    Ticket,
    TicketCategory,
)
from clientela.service.selectors import TicketFilters

KEY = services.KEY
PAGE_SIZE = 50
CHOICES = 300  # records a form's select lists
VIEW_LABELS = {
    "active": gettext_lazy("Active"),
    "mine": gettext_lazy("Mine"),
    "unassigned": gettext_lazy("Unassigned"),
    "late": gettext_lazy("Late"),
    "pending": gettext_lazy("Pending customer"),
    "resolved": gettext_lazy("Resolved"),
    "closed": gettext_lazy("Closed"),
    "all": gettext_lazy("All"),
}
ORDER_LABELS = {
    "due": gettext_lazy("Due soonest"),
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
}
# shown as themselves when downloaded (still as an attachment); anything else is bytes
PLAIN_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def rights(actor: User) -> dict[str, bool]:
    return {f"can_{a}": permissions.can(actor, KEY, a) for a in ("create", "edit")}


# --- the SLA clock as people read it ---------------------------------------------------------


def duration_text(seconds: float) -> str:
    """``2 h 10 min``, ``35 min``, ``3 d 4 h``: rounded to the minute, at least one."""
    minutes = max(round(seconds / 60), 1)
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24 and minutes:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if hours < 24:
        return _("%(hours)s h") % {"hours": hours}
    days, hours = divmod(hours, 24)
    if hours:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    return _("%(days)s d") % {"days": days}


@dataclass(frozen=True)
class Clock:
    text: str
    state: str  # "breached", "warning", "ok", "paused" or "" (no clock)


def due_text(due: dt.datetime, now: dt.datetime) -> str:
    if due <= now:
        return _("late by %(time)s") % {"time": duration_text((now - due).total_seconds())}
    return _("due in %(time)s") % {"time": duration_text((due - now).total_seconds())}


def sla_clock(ticket: Ticket, now: dt.datetime) -> Clock:
    """The nearer running due instant, as "due in …" or "late by …"."""
    running = [d for d in (ticket.first_response_due, ticket.resolution_due) if d is not None]
    if ticket.status not in ACTIVE:
        return Clock("", "")  # met or abandoned: a solved ticket's kept time is no clock
    if not running:
        paused = ticket.first_response_left is not None or ticket.resolution_left is not None
        return Clock(_("paused"), "paused") if paused else Clock("", "")
    due = min(running)
    if ticket.sla_state == SlaState.BREACHED or due <= now:
        state = "breached"
    else:
        state = "warning" if ticket.sla_state == SlaState.WARNING else "ok"
    return Clock(due_text(due, now), state)


def shown_ids(actor: User, model: type[Model], ids: list[int]) -> set[int]:
    """Which of ``ids`` the actor may open (no query when they see every record)."""
    if not ids:
        return set()
    if permissions.sees_all(actor, model):
        return set(ids)
    return visible_ids(actor, model, ids)


# --- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueQuery:
    """The queue page's query, checked: the selector's filters, and clean link parameters."""

    selection: TicketFilters
    order: str
    params: dict[str, str]

    def query(self, **overrides: Any) -> str:
        merged = {**self.params, **{k: str(v) for k, v in overrides.items()}}
        return urlencode({k: v for k, v in merged.items() if v not in ("", "None")})


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 16 else None


def _search(text: str) -> str:
    """What was typed, for the selector; "#²" is read as "#2" (the selector's number test
    takes "²" for a digit that ``int`` then refuses)."""
    query = text.strip()[:100]
    bare = query.lstrip("#")
    if bare.isdigit() and not bare.isdecimal():
        return unicodedata.normalize("NFKC", query)
    return query


def read_query(request: AuthedRequest) -> QueueQuery:
    get = request.GET
    view = get.get("view", "")
    view = view if view in selectors.VIEWS else "active"
    order = get.get("order", "")
    order = order if order in selectors.ORDERINGS else "due"
    priority = get.get("priority", "")
    priority = priority if priority in Priority.values else ""
    sla = get.get("sla", "")
    sla = sla if sla in SlaState.values else ""
    ids = {k: _int(get.get(k, "").strip()) for k in ("queue", "account", "contact")}
    query = _search(get.get("q", ""))
    selection = TicketFilters(
        view=view,
        queue_id=ids["queue"],
        priority=priority,
        sla_state=sla,
        account_id=ids["account"],
        contact_id=ids["contact"],
        query=query,
    )
    params = {k: str(v) for k, v in ids.items() if v is not None}
    params |= {"view": view if view != "active" else "", "priority": priority, "sla": sla}
    params |= {"q": query, "order": order if order != "due" else ""}
    return QueueQuery(selection, order, {k: v for k, v in params.items() if v})


@dataclass(frozen=True)
class Row:
    ticket: Ticket
    clock: Clock
    account: Account | None
    contact: Contact | None


def _rows(actor: User, tickets: list[Ticket]) -> list[Row]:
    now = timezone.now()
    accounts = shown_ids(actor, Account, [t.account_id for t in tickets if t.account_id])
    contacts = shown_ids(actor, Contact, [t.contact_id for t in tickets if t.contact_id])
    return [
        Row(
            t,
            sla_clock(t, now),
            t.account if t.account_id in accounts else None,
            t.contact if t.contact_id in contacts else None,
        )
        for t in tickets
    ]


def _page(request: AuthedRequest, query: QueueQuery) -> tuple[Any, str]:
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.ticket_page(
            request.user, query.selection, order=query.order, cursor=cursor, limit=PAGE_SIZE
        )
    except ValidationFailed:
        page = selectors.ticket_page(
            request.user, query.selection, order=query.order, limit=PAGE_SIZE
        )
        return page, _("This page link is no longer valid; here is the first page.")
    return page, ""


def _switcher(actor: User, query: QueueQuery) -> list[dict[str, Any]]:
    """The active queues with their active, unassigned and late tickets."""
    counts = selectors.queue_counts(actor)
    chosen = query.selection.queue_id
    return [
        {
            "queue": q,
            "counts": counts.get(q.pk, {}),
            "query": query.query(queue=q.pk, cursor=""),
            "current": q.pk == chosen,
        }
        for q in selectors.queues()
    ]


def queue(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    query = read_query(request)
    page, cursor_error = _page(request, query)
    filtered = {k: v for k, v in query.params.items() if k not in ("view", "order")}
    context = {
        "rows": _rows(request.user, page.items),
        "page": page,
        "filters": query,  # not "query": the shell's search box shows that one
        "filtered": bool(filtered),
        "views": [(v, VIEW_LABELS[v], query.query(view=v, cursor="")) for v in selectors.VIEWS],
        "queues": _switcher(request.user, query),
        "all_queues_query": query.query(queue=""),
        "orders": ORDER_LABELS.items(),
        "priorities": Priority.choices,
        "sla_states": SlaState.choices,
        "cursor_error": cursor_error,
        "new_query": urlencode(
            {k: v for k, v in query.params.items() if k in ("account", "contact", "queue")}
        ),
        "first_query": query.query(),
        "next_query": query.query(cursor=page.next_cursor),
        **rights(request.user),
    }
    return render(request, "service/queue.html", context)


# --- a new ticket --------------------------------------------------------------------------


def queue_choices(current: Any = None) -> list[tuple[int, str]]:
    listed = [(q.pk, q.name) for q in selectors.queues()]
    if current is not None and current.pk not in {pk for pk, _name in listed}:
        listed.append((current.pk, current.name))
    return listed


def category_choices() -> list[tuple[int, str]]:
    rows = TicketCategory.objects.filter(active=True).order_by("name")
    return list(rows.values_list("pk", "name"))


def _contact_choices(actor: User, chosen: int | None) -> list[tuple[int, str]]:
    rows = (
        customer_selectors.contact_list(actor)
        .select_related(None)
        .order_by("last_name", "first_name", "id")
        .only("first_name", "last_name")
    )
    listed = [(c.pk, str(c)) for c in rows[:CHOICES]]
    if chosen and chosen not in {pk for pk, _name in listed}:
        listed[:0] = [(c.pk, str(c)) for c in rows.filter(pk=chosen)]
    return listed


def _account_choices(actor: User, chosen: int | None) -> list[tuple[int, str]]:
    listed = customer_selectors.account_choices(actor, limit=CHOICES)
    if chosen and chosen not in {pk for pk, _name in listed}:
        found = customer_selectors.account_list(actor).filter(pk=chosen).first()
        if found is not None:
            listed.insert(0, (found.pk, found.name))
    return listed


def _new_ticket_form(request: AuthedRequest) -> TicketForm:
    initial: dict[str, Any] = {"channel": "phone", "priority": "normal"}
    for name in ("account", "contact", "queue", "asset"):
        initial[name] = _int(request.GET.get(name, ""))
    posted = {n: _int(request.POST.get(n, "")) for n in ("account", "contact")}
    return TicketForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        queue_choices=queue_choices(),
        category_choices=category_choices(),
        contact_choices=_contact_choices(request.user, posted["contact"] or initial["contact"]),
        account_choices=_account_choices(request.user, posted["account"] or initial["account"]),
        actor=request.user,
    )


def ticket_create(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "create")
    form = _new_ticket_form(request)
    custom = customforms.CustomFieldsForm(
        request.POST if request.method == "POST" else None, actor=request.user, object_type=KEY
    )
    if request.method == "POST" and all([form.is_valid(), custom.is_valid()]):
        values = custom.put(form.values())
        try:
            ticket = services.ticket_create(
                actor=request.user, values=values, message=form.cleaned_data["message"]
            )
        except (*FORM_ERRORS, NotFound) as exc:
            if isinstance(exc, NotFound) and not exc.errors:
                raise
            form.apply(exc, custom.apply(exc.errors))
        else:
            messages.success(request, _("Ticket %(ref)s was opened.") % {"ref": f"#{ticket.pk}"})
            return redirect(ticket)
    context = {"form": form, "custom_form": custom, "has_queues": bool(queue_choices())}
    return render(request, "service/form.html", context)


# --- attachments ---------------------------------------------------------------------------


@csp_override({"default-src": [CSP.NONE]})
def attachment(request: AuthedRequest, attachment_id: int) -> FileResponse:
    """Always a download: never rendered by the browser, whatever the sender called it."""
    found = selectors.attachment_get(request.user, attachment_id)
    declared = found.content_type.split(";")[0].strip().lower()
    content_type = declared if declared in PLAIN_IMAGES else "application/octet-stream"
    try:
        stream = found.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        stream, as_attachment=True, filename=found.filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the customer's satisfaction survey ----------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    """The link's secret is in the path: no referrer, no search engine, no cache."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    ticket_id = outbound.csat_ticket_id(token)
    if ticket_id is None:
        raise Http404
    # only what the customer may see of their ticket: its reference and subject
    ticket = get_object_or_404(Ticket.objects.only("pk", "subject", "csat_score"), pk=ticket_id)
    form = RatingForm(
        request.POST if request.method == "POST" else None,
        initial={"score": ticket.csat_score},
    )
    thanks = False
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_rate(
                ticket_id=ticket.pk,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except FORM_ERRORS as exc:
            form.apply(exc)
        else:
            thanks = True
    context = {"reference": ticket.reference, "subject": ticket.subject, "form": form}
    return _private(render(request, "service/rate.html", {**context, "thanks": thanks}))
