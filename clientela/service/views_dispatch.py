"""The dispatch board and the pages of one appointment (plan, move, find a slot, cancel, done).

The board is one row per active field technician for a day, their working hours shaded and
their visits placed on a 15-minute grid by CSS classes (``dispatch.css``: the CSP allows no
style attributes). ``dispatch.js`` adds drag and drop, which posts to ``move`` and reloads on
success; without script every visit links to its page, whose form does the same move.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, DomainError
from clientela.platform.forms import apply_errors
from clientela.platform.http import AuthedRequest
from clientela.service import dispatch, selectors_dispatch
from clientela.service.forms_dispatch import AppointmentForm, RescheduleForm, ScheduleAllForm
from clientela.service.selectors import ticket_get

KEY = dispatch.KEY
NS = "service_dispatch"


def _back(request: AuthedRequest, default: str) -> str:
    """Where a button asked to return (the ticket, the board's day), if it is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _problem(exc: DomainError) -> str:
    """The refusal in one line: the message of the first field, else the general one."""
    for texts in exc.errors.values():
        if texts:
            return str(texts[0])
    return str(exc.message)


def board(request: AuthedRequest) -> HttpResponse:
    actor = request.user
    permissions.require(actor, KEY, "view")
    day = _day(request.GET.get("day") or "") or timezone.localdate()
    data = selectors_dispatch.board(actor, day)
    form = ScheduleAllForm(initial={"first": day, "last": day + (data.next - data.day) * 6})
    context = {
        "board": data,
        "schedule_form": form,
        "can_edit": permissions.can(actor, KEY, "edit"),
        "today": timezone.localdate(),
        "columns": range(1, data.columns + 1),
        "slot_starts": _slot_starts(data),
    }
    return render(request, "service/dispatch/board.html", context)


def _day(text: str) -> dt.date | None:
    try:
        return parse_date(text) if len(text) == 10 else None
    except ValueError:
        return None


def _slot_starts(data: selectors_dispatch.Board) -> list[tuple[int, str, str]]:
    """Each column's (number, instant in ISO, local time) for the drop targets."""
    step = dt.timedelta(minutes=selectors_dispatch.SLOT)
    return [
        (
            n + 1,
            (data.start + step * n).isoformat(),
            timezone.localtime(data.start + step * n).strftime("%H:%M"),
        )
        for n in range(data.columns)
    ]


@require_POST
def schedule_all(request: AuthedRequest) -> HttpResponse:
    form = ScheduleAllForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the first and the last day."))
        return redirect(_back(request, reverse(f"{NS}:board")))
    try:
        report = dispatch.schedule_range(
            actor=request.user, first=form.cleaned_data["first"], last=form.cleaned_data["last"]
        )
    except FORM_ERRORS as exc:
        messages.error(request, _problem(exc))
        return redirect(_back(request, reverse(f"{NS}:board")))
    count = len(report.scheduled)
    text = ngettext("%(n)d visit scheduled.", "%(n)d visits scheduled.", count)
    messages.success(request, text % {"n": count})
    for appointment, reason in report.unplaced:
        text = _("#%(ticket)s (visit %(id)s) was not placed: %(reason)s")
        values = {"ticket": appointment.ticket_id, "id": appointment.pk}
        messages.warning(request, text % {**values, "reason": dispatch.reason_text(reason)})
    return redirect(_back(request, reverse(f"{NS}:board")))


# --- one appointment -------------------------------------------------------------------------


def _technician_choices() -> list[tuple[int, str]]:
    rows = selectors_dispatch.technicians(active_only=True)
    return [
        (t.pk, f"{t.user.display_name} ({t.region})" if t.region else t.user.display_name)
        for t in rows
    ]


def appointment_detail(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    """The visit, and the form that moves it (POST)."""
    actor = request.user
    appointment = selectors_dispatch.appointment_get(actor, appointment_id)
    initial = {"technician": appointment.technician_id, "starts_at": appointment.starts_at}
    if initial["starts_at"] is not None:
        initial["starts_at"] = timezone.localtime(appointment.starts_at)
    data = request.POST if request.method == "POST" else None
    form = RescheduleForm(data, initial=initial, technicians=_technician_choices())
    if data is not None and form.is_valid():
        try:
            dispatch.appointment_reschedule(
                actor=actor,
                appointment_id=appointment.pk,
                technician_id=form.cleaned_data["technician"],
                starts_at=form.cleaned_data["starts_at"],
            )
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The visit was moved."))
            return redirect(_back(request, _day_url(appointment)))
    context = {
        "appointment": appointment,
        "form": form,
        "can_edit": permissions.can(actor, KEY, "edit"),
        "board_url": _day_url(appointment),
    }
    return render(request, "service/dispatch/appointment.html", context)


def _day_url(appointment: Any) -> str:
    day = timezone.localtime(appointment.starts_at or appointment.earliest).date()
    return f"{reverse(f'{NS}:board')}?day={day.isoformat()}"


@require_POST
def appointment_move(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    """The board's drop: JSON, so the script can put the visit back and say why."""
    try:
        dispatch.appointment_reschedule(
            actor=request.user,
            appointment_id=appointment_id,
            technician_id=request.POST.get("technician"),
            starts_at=request.POST.get("starts_at") or "",
        )
    except FORM_ERRORS as exc:
        return JsonResponse({"ok": False, "error": _problem(exc)}, status=422)
    messages.success(request, _("The visit was moved."))
    return JsonResponse({"ok": True})


def _act(request: AuthedRequest, appointment_id: int, action: Any, done: str) -> HttpResponse:
    default = reverse(f"{NS}:appointment", args=[appointment_id])
    try:
        action(actor=request.user, appointment_id=appointment_id)
    except FORM_ERRORS as exc:
        messages.error(request, _problem(exc))
    else:
        messages.success(request, done)
    return redirect(_back(request, default))


@require_POST
def appointment_find_slot(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    return _act(
        request, appointment_id, dispatch.appointment_schedule, _("The visit was scheduled.")
    )


@require_POST
def appointment_cancel(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    return _act(request, appointment_id, dispatch.appointment_cancel, _("The visit was cancelled."))


@require_POST
def appointment_done(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    return _act(request, appointment_id, dispatch.appointment_done, _("The visit is done."))


def plan_visit(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    """Plan a visit for a ticket (the ticket page's form posts here); "Save and find a slot"
    books the earliest slot too."""
    actor = request.user
    permissions.require(actor, KEY, "create")
    ticket = ticket_get(actor, ticket_id)
    back = reverse("service:ticket", args=[ticket.pk]) + "#visits"
    data = request.POST if request.method == "POST" else None
    form = AppointmentForm(data, initial=AppointmentForm.initial_for(ticket))
    if data is not None and form.is_valid():
        try:
            appointment = dispatch.appointment_create(
                actor=actor, ticket_id=ticket.pk, values=dict(form.cleaned_data)
            )
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The visit was planned."))
            if "find" in data:
                return _act(
                    request,
                    appointment.pk,
                    dispatch.appointment_schedule,
                    _("The visit was scheduled."),
                )
            return redirect(back)
    context = {"ticket": ticket, "form": form, "back": back}
    return render(request, "service/dispatch/plan.html", context)
