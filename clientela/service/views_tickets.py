"""A ticket's page and what an agent does there: reply, write a note, change the status, assign,
edit, merge into another ticket, relate tickets.

The reply and the note post files: their views take the request's body themselves (CSRF still
checked) so that ``forms.UploadCap`` can stop reading a file past the size limit. A refused
reply or note comes back on the page with what was typed; the small actions answer with a
message. Merging asks first, in a dialog (htmx) or on its own page (without JavaScript).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from clientela.customers.models import Account, Contact
from clientela.customers.selectors_lists import filter_options
from clientela.platform import customforms, permissions
from clientela.platform.errors import FORM_ERRORS, DomainError, NotFound
from clientela.platform.http import AuthedRequest
from clientela.platform.models import User
from clientela.service import (
    conversation,
    selectors,
    services,
    ticket_assets,
    ticket_dispatch,
    ticket_kb,
)
from clientela.service.forms import (
    MessageForm,
    NoteForm,
    ReplyForm,
    TicketEditForm,
    TicketNumberForm,
    UploadCap,
    cap_uploads,
)
from clientela.service.models import TRANSITIONS, Status, Ticket
from clientela.service.views import (
    KEY,
    category_choices,
    due_text,
    queue_choices,
    shown_ids,
    sla_clock,
)

TARGETS = {
    "first_response": gettext_lazy("First response"),
    "resolution": gettext_lazy("Resolution"),
}


def _url(ticket_id: Any, anchor: str = "") -> str:
    return reverse("service:ticket", args=[ticket_id]) + (f"#{anchor}" if anchor else "")


def _htmx(request: AuthedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _text(exc: DomainError) -> str:
    texts = [str(m) for found in exc.errors.values() for m in found]
    return " ".join(dict.fromkeys(texts)) or str(exc.message)


# --- the page ------------------------------------------------------------------------------


def next_statuses(status: str) -> list[tuple[str, str]]:
    """Where the lifecycle lets the ticket go from ``status``, in the lifecycle's order."""
    return [(v, str(label)) for v, label in Status.choices if (status, v) in TRANSITIONS]


def sla_targets(ticket: Ticket, now: dt.datetime) -> list[dict[str, Any]]:
    """Each target: due (and how far), late, met, or paused while the customer is awaited."""
    done = {"first_response": ticket.first_responded_at, "resolution": ticket.resolved_at}
    rows = []
    for target, label in TARGETS.items():
        due = getattr(ticket, f"{target}_due")
        paused = due is None and getattr(ticket, f"{target}_left") is not None
        rows.append(
            {
                "key": target,
                "label": label,
                "due": due,
                "due_text": due_text(due, now) if due else "",
                "late": getattr(ticket, f"{target}_breached") or bool(due and due <= now),
                "done": done[target],
                "waiting": paused and ticket.status == Status.PENDING,
                "paused": paused,
            }
        )
    return rows


def _assignees(actor: User, ticket: Ticket) -> list[tuple[int, str]]:
    listed = [(u.pk, u.display_name) for u in filter_options(actor)["users"]]
    if ticket.assignee_id and ticket.assignee_id not in {pk for pk, _name in listed}:
        listed.insert(0, (ticket.assignee_id, ticket.assignee.display_name))  # type: ignore[union-attr]
    return listed


def _edit_form(ticket: Ticket, data: Any = None) -> TicketEditForm:
    initial = {
        "subject": ticket.subject,
        "priority": ticket.priority,
        "queue": ticket.queue_id,
        "category": ticket.category_id,
    }
    return TicketEditForm(
        data,
        initial=initial,
        queue_choices=queue_choices(ticket.queue),
        category_choices=category_choices(),
    )


def _render(request: AuthedRequest, ticket: Ticket, **forms: Any) -> HttpResponse:
    actor, now = request.user, timezone.now()
    can_edit = permissions.can(actor, KEY, "edit")
    accounts = shown_ids(actor, Account, [ticket.account_id] if ticket.account_id else [])
    contacts = shown_ids(actor, Contact, [ticket.contact_id] if ticket.contact_id else [])
    context: dict[str, Any] = {
        "ticket": ticket,
        "clock": sla_clock(ticket, now),
        "targets": sla_targets(ticket, now),
        "shown_account": ticket.account if ticket.account_id in accounts else None,
        "shown_contact": ticket.contact if ticket.contact_id in contacts else None,
        "conversation": selectors.conversation(ticket),
        "related": selectors.related_tickets(actor, ticket),
        "custom": customforms.shown(actor, KEY, ticket),
        "can_edit": can_edit,
        "reply_form": forms.get("reply") or ReplyForm(),
        "note_form": forms.get("note") or NoteForm(),
    }
    if can_edit:
        context |= {
            "statuses": next_statuses(ticket.status),
            "assignees": _assignees(actor, ticket),
            "edit_form": forms.get("edit") or _edit_form(ticket),
            "merge_form": TicketNumberForm(prefix="merge"),
            "link_form": TicketNumberForm(prefix="link"),
        }
    # what the installed base, field service and knowledge base add to the page
    for part in (ticket_assets, ticket_dispatch, ticket_kb):
        context |= part.context(actor, ticket)
    return render(request, "service/ticket.html", context)


def ticket_detail(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    return _render(request, selectors.ticket_get(request.user, ticket_id))


# --- the conversation ----------------------------------------------------------------------


@csrf_exempt  # checked by _reply, once the upload cap is in place
@require_POST
def ticket_reply(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    return _reply(request, ticket_id, cap_uploads(request))


@csrf_protect
def _reply(request: AuthedRequest, ticket_id: int, cap: UploadCap) -> HttpResponse:
    form = ReplyForm(request.POST, request.FILES, too_large=cap.too_large)
    if form.is_valid() and _sent(form, request, ticket_id, note=False):
        messages.success(request, _("Your reply was added."))
        return redirect(_url(ticket_id, "conversation"))
    return _render(request, selectors.ticket_get(request.user, ticket_id), reply=form)


@csrf_exempt  # checked by _note, once the upload cap is in place
@require_POST
def ticket_note(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    return _note(request, ticket_id, cap_uploads(request))


@csrf_protect
def _note(request: AuthedRequest, ticket_id: int, cap: UploadCap) -> HttpResponse:
    form = NoteForm(request.POST, request.FILES, too_large=cap.too_large)
    if form.is_valid() and _sent(form, request, ticket_id, note=True):
        messages.success(request, _("Your internal note was added."))
        return redirect(_url(ticket_id, "conversation"))
    return _render(request, selectors.ticket_get(request.user, ticket_id), note=form)


def _sent(form: MessageForm, request: AuthedRequest, ticket_id: int, *, note: bool) -> bool:
    """Give the message to its service; a refusal goes onto the form."""
    data, files = form.cleaned_data, form.files_for_service()
    try:
        if note:
            conversation.ticket_note(
                actor=request.user, ticket_id=ticket_id, body=data["body"], files=files
            )
        else:
            conversation.ticket_reply(
                actor=request.user,
                ticket_id=ticket_id,
                body=data["body"],
                files=files,
                status=data.get("status") or "",
            )
    except FORM_ERRORS as exc:
        form.apply(exc)
        return False
    return True


# --- side actions --------------------------------------------------------------------------


@require_POST
def ticket_status(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    try:
        ticket = services.ticket_set_status(
            actor=request.user, ticket_id=ticket_id, status=request.POST.get("status", "")
        )
    except FORM_ERRORS as exc:
        messages.error(request, _text(exc))
    else:
        text = _("The ticket is now “%(status)s”.") % {"status": ticket.get_status_display()}
        messages.success(request, text)
    return redirect(_url(ticket_id))


@require_POST
def ticket_assign(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    chosen = request.POST.get("assignee", "").strip()
    try:
        ticket = services.ticket_assign(
            actor=request.user,
            ticket_id=ticket_id,
            assignee_id=request.user.pk if chosen == "me" else chosen or None,
        )
    except FORM_ERRORS as exc:
        messages.error(request, _text(exc))
    else:
        if ticket.assignee is None:
            messages.success(request, _("The ticket is back in its queue, unassigned."))
        else:
            text = _("Assigned to %(name)s.") % {"name": ticket.assignee.display_name}
            messages.success(request, text)
    return redirect(_url(ticket_id))


@require_POST
def ticket_edit(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, ticket_id)
    form = _edit_form(ticket, request.POST)
    if form.is_valid():
        try:
            services.ticket_update(actor=request.user, ticket_id=ticket.pk, values=form.values())
        except (*FORM_ERRORS, NotFound) as exc:
            if isinstance(exc, NotFound) and not exc.errors:
                raise
            form.apply(exc)
        else:
            messages.success(request, _("The ticket was saved."))
            return redirect(_url(ticket.pk))
    return _render(request, ticket, edit=form)


@require_POST
def ticket_merge(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    """First the question (which ticket, really?), then, confirmed, the merge."""
    ticket = selectors.ticket_get(request.user, ticket_id)
    form = TicketNumberForm(request.POST, prefix="merge")
    target = _other(request, form, ticket) if form.is_valid() else None
    if target is not None and request.POST.get("confirm") == "yes":
        try:
            merged = conversation.ticket_merge(
                actor=request.user, ticket_id=ticket.pk, into_id=target.pk
            )
        except FORM_ERRORS as exc:
            form.apply(exc)
        else:
            text = _("Ticket #%(from)s was merged into this one.") % {"from": ticket.pk}
            messages.success(request, text)
            return redirect(_url(merged.pk))
    context = {"ticket": ticket, "target": target, "form": form, "modal": _htmx(request)}
    template = "service/_merge_dialog.html" if _htmx(request) else "service/merge.html"
    return render(request, template, context)


def _other(request: AuthedRequest, form: TicketNumberForm, ticket: Ticket) -> Ticket | None:
    number = form.cleaned_data["ticket"]
    if number == ticket.pk:
        form.add_error("ticket", _("A ticket cannot be merged into itself."))
        return None
    try:
        return selectors.ticket_get(request.user, number)
    except NotFound:
        form.add_error("ticket", _("There is no ticket #%(number)s for you.") % {"number": number})
        return None


@require_POST
def ticket_link(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, ticket_id)
    form = TicketNumberForm(request.POST, prefix="link")
    linked = request.POST.get("linked", "1") != "0"
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("ticket", [])))
        return redirect(_url(ticket.pk, "related"))
    number = form.cleaned_data["ticket"]
    try:
        conversation.ticket_link(
            actor=request.user, ticket_id=ticket.pk, other_id=number, linked=linked
        )
    except NotFound:
        messages.error(request, _("There is no ticket #%(number)s for you.") % {"number": number})
    except FORM_ERRORS as exc:
        messages.error(request, _text(exc))
    else:
        done = _("Related to #%(number)s.") if linked else _("No longer related to #%(number)s.")
        messages.success(request, done % {"number": number})
    return redirect(_url(ticket.pk, "related"))
