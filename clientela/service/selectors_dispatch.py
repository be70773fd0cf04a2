"""Reads of field service: appointments as the actor may see them, and the dispatch board.

An appointment is seen by whoever may view appointments *and* sees its ticket, so another
team's visit answers "not found". The board still shows another team's visits in a
technician's row, as anonymous busy time: a dispatcher must see that the hour is taken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone

from clientela.platform import permissions
from clientela.platform.errors import NotFound
from clientela.platform.models import User
from clientela.service.dispatch_staff import instant as _instant
from clientela.service.dispatch_staff import minute_of as _minute
from clientela.service.dispatch_staff import shifts
from clientela.service.models import Appointment, Skill, Technician, Ticket
from clientela.service.models_dispatch import AppointmentStatus

SLOT = 15  # minutes per column of the board
DAY_FROM, DAY_TO = 7 * 60, 19 * 60  # the board shows at least 07:00 to 19:00
RELATED = ("ticket", "ticket__asset", "technician__user")
MAX_UNSCHEDULED = 200
SETUP_KEYS: dict[type[Model], str] = {Skill: "service.skill", Technician: "service.technician"}


def setup_rows[M: Model](actor: User, model: type[M]) -> QuerySet[M]:
    """Every skill or technician, for whoever may view the kind (settings records)."""
    permissions.require(actor, SETUP_KEYS[model], "view")
    return model._default_manager.all()


def setup_get[M: Model](actor: User, model: type[M], pk: int) -> M:
    found = setup_rows(actor, model).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        raise NotFound()
    return found


def appointment_base(actor: User) -> QuerySet[Appointment]:
    if not permissions.can(actor, "service.appointment", "view"):
        return Appointment.objects.none()
    if permissions.sees_all(actor, Ticket):
        return Appointment.objects.all()
    tickets = permissions.visible_to(actor, Ticket.objects.all()).values("pk")
    return Appointment.objects.filter(ticket__in=tickets)


def appointment_get(actor: User, appointment_id: Any) -> Appointment:
    try:
        found = (
            appointment_base(actor)
            .select_related(*RELATED)
            .prefetch_related("skills")
            .filter(pk=int(appointment_id))
            .first()
        )
    except (TypeError, ValueError, OverflowError):
        found = None
    if found is None:
        raise NotFound()
    return found


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The day's first and last instant (exclusive) in the current time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(), zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)


def appointment_list(
    actor: User,
    *,
    day: dt.date | None = None,
    technician_id: int | None = None,
    status: str = "",
    ticket_id: int | None = None,
) -> QuerySet[Appointment]:
    """Filtered appointments; ``day``: scheduled that day, or waiting with a window on it."""
    rows = appointment_base(actor).select_related(*RELATED).prefetch_related("skills")
    if day is not None:
        start, end = day_bounds(day)
        on_day = rows.filter(starts_at__lt=end, ends_at__gt=start)
        waiting = rows.filter(
            status=AppointmentStatus.UNSCHEDULED, earliest__lt=end, latest__gt=start
        )
        rows = on_day | waiting
    exact = {"technician_id": technician_id, "status": status, "ticket_id": ticket_id}
    return rows.filter(**{k: v for k, v in exact.items() if v not in (None, "")})


def ticket_appointments(actor: User, ticket: Ticket) -> list[Appointment]:
    rows = appointment_base(actor).filter(ticket=ticket).select_related("technician__user")
    return list(rows.prefetch_related("skills").order_by("-id")[:50])


def technicians(*, active_only: bool = False) -> QuerySet[Technician]:
    rows = Technician.objects.select_related("user", "calendar").prefetch_related("skills")
    rows = rows.order_by("user__first_name", "user__last_name", "user__username")
    return rows.filter(active=True, field=True) if active_only else rows


def users_without_profile(technician: Technician | None) -> QuerySet[User]:
    """Active users who have no technician profile yet (and the technician's own user)."""
    profiles = Technician.objects.all()
    if technician is not None:
        profiles = profiles.exclude(pk=technician.pk)
    users = User.objects.filter(is_active=True).exclude(pk__in=profiles.values("user_id"))
    return users.order_by("first_name", "username")


def skills() -> QuerySet[Skill]:
    return Skill.objects.order_by("name")


# --- the dispatch board --------------------------------------------------------------------


@dataclass
class Block:
    appointment: Appointment | None  # None: a visit of a ticket the actor does not see
    column: int  # the first column (1-based, as CSS grid counts)
    span: int
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass
class Row:
    technician: Technician
    working: list[tuple[int, int]] = field(default_factory=list)  # (column, span)
    spans: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Board:
    day: dt.date
    start: dt.datetime  # the first column's instant
    columns: int
    rows: list[Row]
    unscheduled: list[Appointment]
    hours: list[tuple[int, str]]  # (column, "08:00") at each whole hour

    @property
    def previous(self) -> dt.date:
        return self.day - dt.timedelta(days=1)

    @property
    def next(self) -> dt.date:
        return self.day + dt.timedelta(days=1)


def _extent(marks: list[int], day_start: int) -> tuple[int, int]:
    """The board's first and last minute of the day: 07:00-19:00 or wider, on whole hours."""
    low = min([DAY_FROM, *(m - day_start for m in marks)])
    high = max([DAY_TO, *(m - day_start for m in marks)])
    return max(0, low // 60 * 60), min(24 * 60, -(-high // 60) * 60)


def board(actor: User, day: dt.date) -> Board:
    """One row per active field technician: their working hours and the day's visits."""
    start, end = day_bounds(day)
    techs = list(technicians(active_only=True))
    spans = {t.pk: shifts(t, start, end) for t in techs}
    booked = list(
        Appointment.objects.filter(
            technician__in=[t.pk for t in techs],
            status__in=(AppointmentStatus.SCHEDULED, AppointmentStatus.DONE),
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .select_related(*RELATED)
        .order_by("starts_at")
    )
    seen = set(
        appointment_base(actor).filter(pk__in=[a.pk for a in booked]).values_list("pk", flat=True)
    )
    day_start = _minute(start)
    marks = [m for s in spans.values() for pair in s for m in pair]
    marks += [_minute(a.starts_at) for a in booked] + [_minute(a.ends_at) for a in booked]  # type: ignore[arg-type]
    low, high = _extent(marks, day_start)
    first = day_start + low

    def place(a: int, b: int) -> tuple[int, int]:
        a, b = max(a, first), min(b, day_start + high)
        return (a - first) // SLOT + 1, max(1, -(-(b - a) // SLOT))

    rows = []
    for tech in techs:
        row = Row(tech, [place(a, b) for a, b in spans[tech.pk]])
        row.spans = [(_instant(a), _instant(b)) for a, b in spans[tech.pk]]
        for a in (x for x in booked if x.technician_id == tech.pk):
            assert a.starts_at is not None and a.ends_at is not None
            column, span = place(_minute(a.starts_at), _minute(a.ends_at))
            shown = a if a.pk in seen else None
            row.blocks.append(Block(shown, column, span, a.starts_at, a.ends_at))
        rows.append(row)
    waiting = appointment_list(actor, status=AppointmentStatus.UNSCHEDULED).filter(
        earliest__lt=end, latest__gt=start
    )
    local = timezone.localtime(_instant(first))
    labels = [
        ((h * 60) // SLOT + 1, (local + dt.timedelta(hours=h)).strftime("%H:%M"))
        for h in range((high - low) // 60)
    ]
    return Board(
        day,
        _instant(first),
        (high - low) // SLOT,
        rows,
        list(waiting.order_by("latest", "id")[:MAX_UNSCHEDULED]),
        labels,
    )
