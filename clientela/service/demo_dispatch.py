"""Field service for ``clientela demo``: skills, a technician profile for the service agents,
the skills the "Technical problem" category needs, and visits for the coming days, placed by
the scheduler ("Schedule all") so the dispatch board and the technicians' calendars have work.

Everything goes through the services, as an administrator's clicks would (audited, mirrored
to the calendars). Run after ``add_demo_service``: the visits are for its open tickets.
Deterministic for a seed; loading twice adds nothing (a skill or profile of the same name or
user is reused, and visits are planned only while none exists).
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from clientela.platform.models import User
from clientela.service import dispatch, dispatch_staff
from clientela.service.configuration import category_save
from clientela.service.demo import OFFICE, SERVICE_ROLES
from clientela.service.models import (
    ACTIVE,
    Appointment,
    BusinessCalendar,
    Skill,
    Technician,
    Ticket,
    TicketCategory,
)

SKILLS = ("Card machines", "Electrical", "Networking", "Refrigeration")
REGIONS = ("Centro", "Zona Norte", "Zona Sul")
TECHNICAL = "Technical problem"  # the demo's category that needs skills
MAX_TECHNICIANS = 6


def _skills(admin: User) -> list[Skill]:
    return [
        Skill.objects.filter(name=name).first()
        or dispatch_staff.skill_save(actor=admin, values={"name": name})
        for name in SKILLS
    ]


def _technicians(admin: User, skills: list[Skill], rng: random.Random) -> list[Technician]:
    """The service agents (the administrator when there is none), on the office's hours."""
    users = list(
        User.objects.filter(is_active=True, role__slug__in=SERVICE_ROLES).order_by("id")[
            :MAX_TECHNICIANS
        ]
    ) or [admin]
    office = BusinessCalendar.objects.filter(name=OFFICE).first()
    found = []
    for n, user in enumerate(users):
        current = Technician.objects.filter(user=user).first()
        if current is not None:
            found.append(current)
            continue
        values = {
            "user": user.pk,
            "skills": [s.pk for s in rng.sample(skills, rng.randint(1, 3))],
            "region": REGIONS[n % len(REGIONS)],
            "calendar": office.pk if office else None,
        }
        found.append(dispatch_staff.technician_save(actor=admin, values=values))
    return found


def add_demo_dispatch(
    admin: User, seed: int, *, visits: int = 12, now: dt.datetime | None = None
) -> int:
    """Skills, technicians and up to ``visits`` visits over the next working days; returns how
    many visits were scheduled."""
    rng = random.Random(seed * 73 + 17)
    skills = _skills(admin)
    technicians = _technicians(admin, skills, rng)
    technical = TicketCategory.objects.filter(name=TECHNICAL).first()
    if technical is not None and not technical.skills.exists():
        values = {"name": technical.name, "active": technical.active, "skills": [skills[1].pk]}
        category_save(actor=admin, values=values, category_id=technical.pk)
    if Appointment.objects.exists():
        return 0
    now = timezone.localtime(now or timezone.now())
    start = (now + dt.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    tickets = Ticket.objects.filter(status__in=ACTIVE).order_by("-id")[:visits]
    for ticket in tickets:
        tech = rng.choice(technicians)
        skill_ids = [s.pk for s in tech.skills.all()][:1]
        earliest = start + dt.timedelta(days=rng.randint(0, 3))
        values = {
            "duration_minutes": rng.choice((60, 90, 120, 180)),
            "earliest": earliest,
            "latest": earliest + dt.timedelta(days=2, hours=9),
            "skills": skill_ids,
            "region": tech.region,
            "notes": "",
        }
        dispatch.appointment_create(actor=admin, ticket_id=ticket.pk, values=values)
    first = start.date()
    report = dispatch.schedule_range(
        actor=admin, first=first, last=first + dt.timedelta(days=6), now=now
    )
    return len(report.scheduled)
