"""API shapes of field service: skills, technicians, appointments and the dispatch board.

Requests name references as the services do (``user``, ``calendar``, ``ticket``,
``technician``, ``skills``), so a refusal's 422 names the field sent; answers give ``…_id``.
Instants are ISO 8601; one without an offset is read in the caller's time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from clientela.service.schemas import Id

UNSET: Any = None  # may be omitted, not sent as null (see schemas_settings)
AppointmentStatusValue = Literal["unscheduled", "scheduled", "done", "cancelled"]
REASON = (
    "Why it was not placed: skills (no active technician has them all), region (none with "
    "them works there) or time (no free slot in its window)."
)


def _ids(manager: Any) -> list[int]:
    return sorted(item.pk for item in manager.all())


class DispatchPage(Schema):
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")


# --- skills --------------------------------------------------------------------------------


class SkillOut(Schema):
    id: int = Field(description="The skill's id.")
    name: str = Field(description="Unique among skills.")


class SkillIn(Schema):
    name: str = Field(max_length=100, description="Unique among skills, e.g. Refrigeration.")


class SkillPage(DispatchPage):
    items: list[SkillOut] = Field(description="One page of skills, by name.")


# --- technicians -----------------------------------------------------------------------------


class TechnicianOut(Schema):
    id: int = Field(description="The technician profile's id.")
    user_id: int = Field(description="The user it belongs to (their calendar gets the visits).")
    name: str = Field(description="The user's name.")
    skills: list[int] = Field(description="Skill ids.")
    region: str = Field(description="The home region visits must match; '': none.")
    calendar_id: int | None = Field(
        description="Working hours (a business calendar); null: 08:00-17:00 on weekdays."
    )
    field: bool = Field(description="Whether they go on site (appear on the dispatch board).")
    active: bool = Field(description="Whether they take new visits and tickets by skill.")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.user.display_name)

    @staticmethod
    def resolve_skills(obj: Any) -> list[int]:
        return _ids(obj.skills)


class TechnicianPatch(Schema):
    user: Id = Field(default=UNSET, description="The user's id (one profile per user).")
    skills: list[Id] = Field(default=UNSET, max_length=100, description="Skill ids (all of them).")
    region: str = Field(default=UNSET, max_length=60, description="Home region; '': none.")
    calendar: Id | None = Field(default=None, description="A business calendar's id; null: none.")
    field: bool = Field(default=UNSET, description="Goes on site.")
    active: bool = Field(default=UNSET, description="Takes new work.")


class TechnicianIn(TechnicianPatch):
    user: Id = Field(description="The user's id (one profile per user).")
    skills: list[Id] = Field(default_factory=list, max_length=100, description="Skill ids.")
    region: str = Field(default="", max_length=60, description="Home region; '': none.")
    field: bool = Field(default=True, description="Goes on site.")
    active: bool = Field(default=True, description="Takes new work.")


class TechnicianPage(DispatchPage):
    items: list[TechnicianOut] = Field(description="One page of technicians, by id.")


# --- appointments ------------------------------------------------------------------------------


class AppointmentOut(Schema):
    id: int = Field(description="The appointment's id.")
    ticket_id: int = Field(description="The ticket the visit is for.")
    status: str = Field(description="unscheduled, scheduled, done or cancelled.")
    technician_id: int | None = Field(description="Who goes; null until scheduled.")
    duration_minutes: int = Field(description="The visit's length.")
    earliest: dt.datetime = Field(description="The visit starts no earlier.")
    latest: dt.datetime = Field(description="And ends no later.")
    starts_at: dt.datetime | None = Field(description="When it is scheduled to start.")
    ends_at: dt.datetime | None = Field(description="And to end.")
    skills: list[int] = Field(description="Skill ids the technician must have.")
    region: str = Field(description="Where it is; '': anywhere.")
    notes: str = Field(description="For the technician.")
    activity_id: int | None = Field(description="The meeting on the technician's calendar.")

    @staticmethod
    def resolve_skills(obj: Any) -> list[int]:
        return _ids(obj.skills)


class AppointmentIn(Schema):
    ticket: Id = Field(description="The ticket's id.")
    duration_minutes: int = Field(ge=1, le=10_000, description="Length, 15 to 720 minutes.")
    earliest: dt.datetime = Field(description="Start no earlier than this.")
    latest: dt.datetime = Field(description="End no later than this (at most 92 days after).")
    skills: list[Id] | None = Field(
        default=None, max_length=100, description="Skill ids; omitted: the ticket category's."
    )
    region: str | None = Field(
        default=None, max_length=60, description="Region; omitted: the ticket's asset's."
    )
    notes: str = Field(default="", max_length=2000, description="For the technician.")


class AppointmentRescheduleIn(Schema):
    technician: Id = Field(description="The technician's id.")
    starts_at: dt.datetime = Field(description="The new start.")


class AppointmentPage(DispatchPage):
    items: list[AppointmentOut] = Field(description="One page of appointments, by start.")


class DispatchScheduleIn(Schema):
    first: dt.date = Field(description="The first day (in your time zone).")
    last: dt.date = Field(description="The last day, at most 31 days after the first.")


class DispatchUnplacedOut(Schema):
    appointment_id: int = Field(description="The appointment left unscheduled.")
    reason: str = Field(description=REASON)
    message: str = Field(description="The reason in words, in your language.")


class DispatchScheduleOut(Schema):
    scheduled: list[AppointmentOut] = Field(description="The visits placed now.")
    unplaced: list[DispatchUnplacedOut] = Field(
        description="The visits that found no place, and why."
    )
    method: str = Field(
        description="Which candidate won: deadline, constrained, longest or naive ('' if none)."
    )
    naive_count: int = Field(description="How many the naive assignment would have placed.")


# --- the board -------------------------------------------------------------------------------


class DispatchBoardSpanOut(Schema):
    start: dt.datetime = Field(description="From.")
    end: dt.datetime = Field(description="To.")


class DispatchBoardVisitOut(Schema):
    appointment: AppointmentOut | None = Field(
        description="The visit; null when its ticket is not yours to see (busy time only)."
    )
    starts_at: dt.datetime = Field(description="Start.")
    ends_at: dt.datetime = Field(description="End.")


class DispatchBoardRowOut(Schema):
    technician: TechnicianOut = Field(description="The technician.")
    working: list[DispatchBoardSpanOut] = Field(description="Their working hours that day.")
    visits: list[DispatchBoardVisitOut] = Field(description="Their visits that day, by start.")


class DispatchBoardOut(Schema):
    day: dt.date = Field(description="The day shown.")
    rows: list[DispatchBoardRowOut] = Field(description="One per active field technician.")
    unscheduled: list[AppointmentOut] = Field(
        description="Visits waiting for a slot whose window meets the day."
    )


class DispatchBoardQuery(Schema):
    day: dt.date | None = Field(default=None, description="The day; today if omitted.")
