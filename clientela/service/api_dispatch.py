"""The API of technicians, skills, scheduling and the dispatch board.

Skills and technicians are settings records (``service.skill``, ``service.technician``):
administrators change them, managers read them. Appointments (``service.appointment``) are
seen with their ticket: another team's visit answers 404. A placement the rules refuse (skills,
region, window, working hours, another visit) answers 422 naming ``technician`` or
``starts_at``; "find a slot" with no slot answers 409 ``no_slot_<reason>``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Status
from pydantic import Field

from clientela.platform import permissions
from clientela.platform.api import PageParams
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.service import dispatch, dispatch_staff, selectors_dispatch
from clientela.service.models import Skill, Technician
from clientela.service.models_dispatch import Appointment
from clientela.service.schemas import Id
from clientela.service.schemas_dispatch import (
    AppointmentIn,
    AppointmentOut,
    AppointmentPage,
    AppointmentRescheduleIn,
    AppointmentStatusValue,
    DispatchBoardOut,
    DispatchBoardQuery,
    DispatchScheduleIn,
    DispatchScheduleOut,
    SkillIn,
    SkillOut,
    SkillPage,
    TechnicianIn,
    TechnicianOut,
    TechnicianPage,
    TechnicianPatch,
)
from clientela.service.selectors_dispatch import setup_get, setup_rows
from clientela.service.selectors_settings import values_of

router = Router(tags=["Field service"])


class DispatchQuery(PageParams):
    pass


class AppointmentQuery(PageParams):
    day: dt.date | None = Field(default=None, description="Scheduled that day, or waiting for it.")
    technician: Id | None = Field(default=None, description="Only this technician's.")
    ticket: Id | None = Field(default=None, description="Only this ticket's.")
    status: AppointmentStatusValue | None = Field(default=None, description="Only this status.")


# --- skills --------------------------------------------------------------------------------


@router.get("/service/skills", response=SkillPage, summary="Skills")
def list_skills(request: AuthedRequest, params: Query[DispatchQuery]):
    rows = setup_rows(request.user, Skill)
    return paginate(rows, ordering=("name", "id"), cursor=params.cursor, limit=params.limit)


@router.post("/service/skills", response={201: SkillOut}, summary="Create a skill")
def create_skill(request: AuthedRequest, payload: SkillIn):
    return Status(201, dispatch_staff.skill_save(actor=request.user, values=payload.model_dump()))


@router.patch("/service/skills/{skill_id}", response=SkillOut, summary="Rename a skill")
def patch_skill(request: AuthedRequest, skill_id: int, payload: SkillIn):
    values = payload.model_dump()
    return dispatch_staff.skill_save(actor=request.user, values=values, skill_id=skill_id)


@router.delete("/service/skills/{skill_id}", response={204: None}, summary="Delete a skill")
def delete_skill(request: AuthedRequest, skill_id: int):
    """Technicians, categories and visits that needed it no longer do."""
    dispatch_staff.skill_delete(actor=request.user, skill_id=skill_id)
    return Status(204, None)


# --- technicians ---------------------------------------------------------------------------


@router.get("/service/technicians", response=TechnicianPage, summary="Technicians")
def list_technicians(request: AuthedRequest, params: Query[DispatchQuery]):
    rows = setup_rows(request.user, Technician).select_related("user")
    rows = rows.prefetch_related("skills")
    return paginate(rows, ordering=("id",), cursor=params.cursor, limit=params.limit)


@router.post("/service/technicians", response={201: TechnicianOut}, summary="Add a technician")
def create_technician(request: AuthedRequest, payload: TechnicianIn):
    """A user with a profile already, or an inactive one, answers 422 on `user`."""
    values = payload.model_dump()
    return Status(201, dispatch_staff.technician_save(actor=request.user, values=values))


@router.get("/service/technicians/{technician_id}", response=TechnicianOut, summary="One")
def get_technician(request: AuthedRequest, technician_id: int):
    return setup_get(request.user, Technician, technician_id)


@router.patch(
    "/service/technicians/{technician_id}", response=TechnicianOut, summary="Change a technician"
)
def patch_technician(request: AuthedRequest, technician_id: int, payload: TechnicianPatch):
    """`skills`, when sent, replaces them all."""
    current = setup_get(request.user, Technician, technician_id)
    values = values_of(current, ("user", "region", "calendar", "field", "active"))
    values["skills"] = current.skills
    values.update(payload.model_dump(exclude_unset=True))
    return dispatch_staff.technician_save(
        actor=request.user, values=values, technician_id=technician_id
    )


@router.delete(
    "/service/technicians/{technician_id}", response={204: None}, summary="Remove a technician"
)
def delete_technician(request: AuthedRequest, technician_id: int):
    """409 while they have visits scheduled: move them, or make the technician inactive."""
    dispatch_staff.technician_delete(actor=request.user, technician_id=technician_id)
    return Status(204, None)


# --- appointments --------------------------------------------------------------------------


@router.get("/service/appointments", response=AppointmentPage, summary="Appointments")
def list_appointments(request: AuthedRequest, params: Query[AppointmentQuery]):
    rows = selectors_dispatch.appointment_list(
        request.user,
        day=params.day,
        technician_id=params.technician,
        status=params.status or "",
        ticket_id=params.ticket,
    )
    return paginate(rows, ordering=("id",), cursor=params.cursor, limit=params.limit)


@router.post("/service/appointments", response={201: AppointmentOut}, summary="Plan a visit")
def create_appointment(request: AuthedRequest, payload: AppointmentIn):
    """Waits unscheduled until a slot is found or a dispatcher places it."""
    values = payload.model_dump(exclude={"ticket"})
    appointment = dispatch.appointment_create(
        actor=request.user, ticket_id=payload.ticket, values=values
    )
    return Status(201, appointment)


@router.post("/service/appointments/schedule", response=DispatchScheduleOut, summary="Schedule all")
def schedule_all(request: AuthedRequest, payload: DispatchScheduleIn):
    """Places every unscheduled visit whose window meets the days, and says why the others
    found no place."""
    report = dispatch.schedule_range(actor=request.user, first=payload.first, last=payload.last)
    return {
        "scheduled": report.scheduled,
        "unplaced": [
            {"appointment_id": a.pk, "reason": r, "message": dispatch.reason_text(r)}
            for a, r in report.unplaced
        ],
        "method": report.method,
        "naive_count": report.naive_count,
    }


@router.get("/service/appointments/{appointment_id}", response=AppointmentOut, summary="One")
def get_appointment(request: AuthedRequest, appointment_id: int):
    return selectors_dispatch.appointment_get(request.user, appointment_id)


def _fresh(request: AuthedRequest, appointment: Appointment) -> Appointment:
    return selectors_dispatch.appointment_get(request.user, appointment.pk)


@router.post(
    "/service/appointments/{appointment_id}/find-slot",
    response=AppointmentOut,
    summary="Book the earliest free slot",
)
def find_slot(request: AuthedRequest, appointment_id: int):
    """The earliest (technician, start) that can take it, from now on."""
    found = dispatch.appointment_schedule(actor=request.user, appointment_id=appointment_id)
    return _fresh(request, found)


@router.post(
    "/service/appointments/{appointment_id}/reschedule",
    response=AppointmentOut,
    summary="Give a visit to a technician at a time",
)
def reschedule(request: AuthedRequest, appointment_id: int, payload: AppointmentRescheduleIn):
    found = dispatch.appointment_reschedule(
        actor=request.user,
        appointment_id=appointment_id,
        technician_id=payload.technician,
        starts_at=payload.starts_at,
    )
    return _fresh(request, found)


@router.post(
    "/service/appointments/{appointment_id}/cancel", response=AppointmentOut, summary="Cancel"
)
def cancel(request: AuthedRequest, appointment_id: int):
    found = dispatch.appointment_cancel(actor=request.user, appointment_id=appointment_id)
    return _fresh(request, found)


@router.post(
    "/service/appointments/{appointment_id}/done", response=AppointmentOut, summary="Mark done"
)
def done(request: AuthedRequest, appointment_id: int):
    found = dispatch.appointment_done(actor=request.user, appointment_id=appointment_id)
    return _fresh(request, found)


@router.get("/service/dispatch-board", response=DispatchBoardOut, summary="The dispatch board")
def dispatch_board(request: AuthedRequest, params: Query[DispatchBoardQuery]):
    permissions.require(request.user, "service.appointment", "view")
    board = selectors_dispatch.board(request.user, params.day or timezone.localdate())
    return {
        "day": board.day,
        "rows": [
            {
                "technician": row.technician,
                "working": [{"start": a, "end": b} for a, b in row.spans],
                "visits": [
                    {"appointment": b.appointment, "starts_at": b.starts_at, "ends_at": b.ends_at}
                    for b in row.blocks
                ],
            }
            for row in board.rows
        ],
        "unscheduled": board.unscheduled,
    }
