"""Every write on service appointments: plan a visit from a ticket, find it a slot, move it on
the dispatch board, schedule a whole date range, cancel it, mark it done.

Placing is ``scheduling``'s (pure, on minutes); this module feeds it the technicians' working
spans (their calendar, ``hours``) and bookings, and checks a placement made by hand with the same
``scheduling.check``, so the board, the API and "Schedule all" refuse the same things.

Bookings of the technicians involved are read under a row lock on those technicians, so two
dispatchers never give one technician two visits at once.

A scheduled appointment is mirrored as a meeting on the technician's calendar through the
activities services (audited, checked as any activity): owned by the technician's user, due at
the start, for the visit's length, subject "#<ticket> <subject>", at the asset's location, linked
to the ticket. Moving the visit moves the meeting; cancelling it cancels the meeting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.activities.models import ActivityStatus
from clientela.activities.services import activity_create, activity_update
from clientela.platform import audit, events, permissions
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import User
from clientela.service import scheduling
from clientela.service.dispatch_staff import clean_skills, instant, minute_of, set_skills, shifts
from clientela.service.models import Appointment, Status, Technician, Ticket
from clientela.service.models_dispatch import AppointmentStatus
from clientela.service.selectors import ticket_get
from clientela.service.selectors_dispatch import appointment_base, appointment_get

KEY = "service.appointment"
Errors = dict[str, list[str]]
MIN_MINUTES, MAX_MINUTES = 15, 12 * 60
MAX_WINDOW = dt.timedelta(days=92)
MAX_RANGE_DAYS = 31
REASONS = {
    scheduling.SKILLS: gettext_lazy("No active technician has every skill it needs."),
    scheduling.REGION: gettext_lazy("No technician with those skills works in its region."),
    scheduling.TIME: gettext_lazy("No technician who could go has free time in its window."),
    scheduling.WINDOW: gettext_lazy("That time is outside the visit's window."),
    scheduling.HOURS: gettext_lazy("That time is outside the technician's working hours."),
    scheduling.OVERLAP: gettext_lazy("The technician has another visit then."),
    scheduling.INACTIVE: gettext_lazy("This technician is inactive or does not go on site."),
}
FIELD_OF = {"skills": "technician", "region": "technician", "inactive": "technician"}


# --- what the scheduler is given -----------------------------------------------------------


def _bookings(
    technicians: Sequence[Technician], start: dt.datetime, end: dt.datetime, skip: int | None
) -> dict[int, list[tuple[int, int]]]:
    """Every scheduled visit of these technicians in the span, whoever may see its ticket."""
    busy: dict[int, list[tuple[int, int]]] = {t.pk: [] for t in technicians}
    rows = Appointment.objects.filter(
        technician__in=list(busy),
        status=AppointmentStatus.SCHEDULED,
        starts_at__lt=end,
        ends_at__gt=start,
    ).exclude(pk=skip or 0)
    for tech_id, starts, ends in rows.values_list("technician_id", "starts_at", "ends_at"):
        if starts is not None and ends is not None:  # always, when scheduled
            busy[tech_id].append((minute_of(starts), minute_of(ends)))
    return busy


def technicians_for(
    start: dt.datetime, end: dt.datetime, *, skip: int | None = None, only: Any = None
) -> tuple[list[Technician], list[scheduling.Tech]]:
    """The active field technicians (or ``only`` those ids), locked, and the scheduler's view
    of them over ``[start, end)``; call inside a transaction."""
    rows = Technician.objects.filter(active=True, field=True)
    if only is not None:
        rows = Technician.objects.filter(pk__in=only)
    found = list(
        rows.select_for_update(of=("self",))
        .select_related("user", "calendar")
        .prefetch_related("skills")
        .order_by("pk")
    )
    busy = _bookings(found, start, end, skip)
    plain = [
        scheduling.Tech(
            t.pk,
            t.user.display_name,
            frozenset(s.pk for s in t.skills.all()),
            t.region,
            shifts(t, start, end),
            tuple(sorted(busy[t.pk])),
        )
        for t in found
    ]
    return found, plain


def job_of(appointment: Appointment, not_before: dt.datetime | None = None) -> scheduling.Job:
    earliest = appointment.earliest if not_before is None else max(appointment.earliest, not_before)
    return scheduling.Job(
        appointment.pk,
        appointment.duration_minutes,
        minute_of(earliest),
        minute_of(appointment.latest),
        frozenset(s.pk for s in appointment.skills.all()),
        appointment.region,
    )


# --- the calendar mirror ---------------------------------------------------------------------


def _mirror(actor: User, appointment: Appointment, technician: Technician) -> None:
    """Put the visit on the technician's calendar, or move the meeting already there."""
    ticket = appointment.ticket
    when = {"due_at": appointment.starts_at, "duration_minutes": appointment.duration_minutes}
    activity = appointment.activity
    if activity is not None and activity.status == ActivityStatus.PLANNED:
        if activity.owner_id != technician.user_id:
            when.update(owner=technician.user_id, team=None)
        activity_update(actor=actor, activity_id=activity.pk, values=when)
        return
    values = {
        **when,
        "kind": "meeting",
        "subject": f"#{ticket.pk} {ticket.subject}"[:200],
        "body": appointment.notes,
        "location": (ticket.asset.location if ticket.asset else "")[:200],
        "link_type": "service.ticket",
        "link_id": ticket.pk,
        "owner": technician.user_id,
    }
    appointment.activity = activity_create(actor=actor, values=values)


def _close_mirror(actor: User, appointment: Appointment, status: str) -> None:
    activity = appointment.activity
    if activity is not None and activity.status == ActivityStatus.PLANNED:
        activity_update(actor=actor, activity_id=activity.pk, values={"status": status})


# --- writes ----------------------------------------------------------------------------------


def _audited(actor: User, appointment: Appointment, before: dict[str, Any], verb: str) -> None:
    appointment.save()
    changes = audit.diff(before, audit.snapshot(appointment))
    action = "create" if not before else "update"
    audit.record(actor=actor, action=action, obj=appointment, changes=changes)
    payload = {"id": appointment.pk, "ticket_id": appointment.ticket_id}
    events.emit(events.Event(f"{KEY}.{verb}", actor.pk, payload))


def _aware(value: Any, name: str, errors: Errors) -> dt.datetime | None:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, dt.datetime):
        errors[name] = [_("Enter a valid date and time.")]
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _clean_window(values: dict[str, Any], errors: Errors) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    minutes = values.get("duration_minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        text = str(minutes or "")
        minutes = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [
            _("Enter a length from %(low)d to %(high)d minutes.")
            % {"low": MIN_MINUTES, "high": MAX_MINUTES}
        ]
    cleaned["duration_minutes"] = minutes
    earliest = _aware(values.get("earliest"), "earliest", errors)
    latest = _aware(values.get("latest"), "latest", errors)
    if (
        earliest
        and latest
        and not (dt.timedelta(minutes=minutes) <= latest - earliest <= MAX_WINDOW)
    ):
        errors["latest"] = [_("Leave room for the visit, and at most 92 days, after “not before”.")]
    cleaned.update(earliest=earliest, latest=latest)
    return cleaned


def _clean_appointment(ticket: Ticket, values: dict[str, Any]) -> dict[str, Any]:
    errors: Errors = {}
    cleaned = _clean_window(values, errors)
    if values.get("skills") is None:  # not given: what the ticket's category needs
        cleaned["skills"] = list(ticket.category.skills.all()) if ticket.category else []
    else:
        cleaned["skills"] = clean_skills(values["skills"], errors)
    region = values.get("region")
    if region is None:  # not given: where the ticket's asset is
        region = ticket.asset.region if ticket.asset else ""
    cleaned["region"] = " ".join(str(region).split())
    if len(cleaned["region"]) > 60:
        errors["region"] = [_("Use at most %(n)d characters.") % {"n": 60}]
    cleaned["notes"] = str(values.get("notes") or "").strip()
    if len(cleaned["notes"]) > 2000:
        errors["notes"] = [_("Use at most %(n)d characters.") % {"n": 2000}]
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def appointment_create(*, actor: User, ticket_id: Any, values: dict[str, Any]) -> Appointment:
    """A visit to plan for a ticket the actor sees; skills default to its category's, the
    region to its asset's."""
    permissions.require(actor, KEY, "create")
    ticket = ticket_get(actor, ticket_id)
    if ticket.status == Status.CLOSED:
        raise Conflict(_("A closed ticket takes no visits."), code="ticket_closed")
    cleaned = _clean_appointment(ticket, values)
    skills = cleaned.pop("skills")
    with transaction.atomic():
        appointment = Appointment(ticket=ticket, **cleaned)
        _audited(actor, appointment, {}, "created")
        set_skills(actor, appointment, skills)
    return appointment


def _locked(actor: User, appointment_id: Any, *states: str) -> Appointment:
    """The visible appointment, locked, which must be in one of ``states``."""
    permissions.require(actor, KEY, "edit")
    found = appointment_get(actor, appointment_id)
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("ticket__asset", "activity")
        .get(pk=found.pk)
    )
    if appointment.status not in states:
        raise Conflict(
            _("This visit is %(status)s.") % {"status": appointment.get_status_display().lower()},
            code="wrong_status",
        )
    return appointment


def _book(actor: User, appointment: Appointment, technician: Technician, start: int) -> None:
    before = audit.snapshot(appointment)
    appointment.technician = technician
    appointment.starts_at = instant(start)
    appointment.ends_at = instant(start + appointment.duration_minutes)
    appointment.status = AppointmentStatus.SCHEDULED
    _mirror(actor, appointment, technician)
    _audited(actor, appointment, before, "scheduled")


def appointment_reschedule(
    *, actor: User, appointment_id: Any, technician_id: Any, starts_at: Any
) -> Appointment:
    """Put the visit with this technician at this time (the board's drag and drop), refused
    with the rule it breaks: skills, region, window, working hours, another visit."""
    errors: Errors = {}
    start = _aware(starts_at, "starts_at", errors)
    try:
        tech_pk = int(technician_id)
    except (TypeError, ValueError):
        errors["technician"] = [_("Choose a technician.")]
    if errors or start is None:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        appointment = _locked(actor, appointment_id, *OPEN)
        end = start + dt.timedelta(minutes=appointment.duration_minutes)
        found, plain = technicians_for(start, end, skip=appointment.pk, only=[tech_pk])
        if not found:
            raise ValidationFailed(errors={"technician": [_("Choose a technician.")]})
        job = job_of(appointment)
        reason = scheduling.check(plain[0], job, minute_of(start))
        if not (found[0].active and found[0].field):
            reason = scheduling.INACTIVE
        if reason is not None:
            message = str(REASONS[reason])
            raise ValidationFailed(message, errors={FIELD_OF.get(reason, "starts_at"): [message]})
        _book(actor, appointment, found[0], minute_of(start))
    return appointment


OPEN = (AppointmentStatus.UNSCHEDULED, AppointmentStatus.SCHEDULED)


def appointment_schedule(
    *, actor: User, appointment_id: Any, now: dt.datetime | None = None
) -> Appointment:
    """ "Find a slot": the earliest (technician, start) that can take the visit, from now on,
    booked. A scheduled visit moves to the earliest slot (which may be its own)."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(actor, appointment_id, *OPEN)
        start, end = max(appointment.earliest, now), appointment.latest
        _found, plain = technicians_for(start, end, skip=appointment.pk)
        job = job_of(appointment, not_before=now)
        result = scheduling.schedule(plain, [job])
        if not result.placements:
            reason = result.unplaced[appointment.pk]
            raise Conflict(str(REASONS[reason]), code=f"no_slot_{reason}")
        placed = result.placements[0]
        technician = next(t for t in _found if t.pk == placed.tech)
        _book(actor, appointment, technician, placed.start)
    return appointment


def _finish(actor: User, appointment_id: Any, status: str, *states: str) -> Appointment:
    with transaction.atomic():
        appointment = _locked(actor, appointment_id, *states)
        before = audit.snapshot(appointment)
        appointment.status = status
        activity_status = ActivityStatus.DONE if status == "done" else ActivityStatus.CANCELLED
        _close_mirror(actor, appointment, activity_status)
        _audited(actor, appointment, before, status)
    return appointment


def appointment_cancel(*, actor: User, appointment_id: Any) -> Appointment:
    """The visit will not happen: its slot is freed and its meeting cancelled."""
    return _finish(actor, appointment_id, AppointmentStatus.CANCELLED, *OPEN)


def appointment_done(*, actor: User, appointment_id: Any) -> Appointment:
    return _finish(actor, appointment_id, AppointmentStatus.DONE, AppointmentStatus.SCHEDULED)


# --- "Schedule all" --------------------------------------------------------------------------


@dataclass
class ScheduleReport:
    scheduled: list[Appointment] = field(default_factory=list)
    unplaced: list[tuple[Appointment, str]] = field(default_factory=list)  # with the reason
    method: str = ""
    naive_count: int = 0


def schedule_range(
    *, actor: User, first: dt.date, last: dt.date, now: dt.datetime | None = None
) -> ScheduleReport:
    """Place every unscheduled visit (of tickets the actor sees) whose window meets the days
    ``first`` to ``last`` (the actor's time zone), within those days and from now on."""
    permissions.require(actor, KEY, "edit")
    if not 0 <= (last - first).days < MAX_RANGE_DAYS:
        message = _("Choose at most %(n)d days, the last not before the first.")
        raise ValidationFailed(errors={"last": [message % {"n": MAX_RANGE_DAYS}]})
    zone = timezone.get_current_timezone()
    start = max(dt.datetime.combine(first, dt.time(), zone), now or timezone.now())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    report = ScheduleReport()
    with transaction.atomic():
        waiting = list(
            appointment_base(actor)
            .select_for_update(of=("self",))
            .filter(status=AppointmentStatus.UNSCHEDULED, earliest__lt=end, latest__gt=start)
            .select_related("ticket__asset", "activity")
            .prefetch_related("skills")
            .order_by("pk")
        )
        if not waiting:
            return report
        found, plain = technicians_for(start, end)
        jobs = [job_of(a, not_before=start) for a in waiting]
        jobs = [
            scheduling.Job(
                j.id, j.duration, j.earliest, min(j.latest, minute_of(end)), j.skills, j.region
            )
            for j in jobs
        ]
        result = scheduling.schedule(plain, jobs)
        report.method, report.naive_count = (
            result.method,
            len(scheduling.naive(plain, jobs).placements),
        )
        by_pk = {a.pk: a for a in waiting}
        techs = {t.pk: t for t in found}
        for placed in result.placements:
            _book(actor, by_pk[placed.job], techs[placed.tech], placed.start)
            report.scheduled.append(by_pk[placed.job])
        report.unplaced = [(by_pk[pk], reason) for pk, reason in sorted(result.unplaced.items())]
    return report


def reason_text(reason: str) -> str:
    return str(REASONS.get(reason, reason))
