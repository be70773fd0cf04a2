"""Field service's set-up: skills and technicians (a user's service profile).

Both are settings records (``service.skill``, ``service.technician``; area "platform":
administrators change them, managers read them), cleaned, audited and refused whole the way
the service desk's other set-up is (``configuration``, whose helpers these reuse).

A technician's working hours are a business calendar; without one they work 08:00 to 17:00 on
weekdays in the site's time zone (``schedule_of``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.platform import audit
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import User
from clientela.service import hours, sla
from clientela.service.configuration import Errors, _delete, _get, _ref, _require, _text, _write
from clientela.service.configuration import _unique as _unique_name
from clientela.service.models import BusinessCalendar, Skill, Technician
from clientela.service.models_dispatch import AppointmentStatus

DEFAULT_HOURS = {day: ["08:00-17:00"] for day in hours.DAY_KEYS[:5]}
MAX_SKILLS = 100
_US_PER_MINUTE = 60_000_000


def schedule_of(technician: Technician) -> hours.Schedule:
    """When the technician works: their calendar, else weekdays 08:00-17:00 here."""
    if technician.calendar_id is None:
        return hours.Schedule(settings.TIME_ZONE, hours.parse_windows(DEFAULT_HOURS))
    return sla.schedule_for(technician.calendar)


def minute_of(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // 60


def instant(minute: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(minute * 60, tz=dt.UTC)


def shifts(
    technician: Technician, start: dt.datetime, end: dt.datetime
) -> tuple[tuple[int, int], ...]:
    """The technician's working spans in ``[start, end)`` as minutes, touching ones joined
    (09:00-12:00 and 12:00-17:00 are one span: a visit may run across noon)."""
    schedule = schedule_of(technician)
    zone = ZoneInfo(schedule.timezone)
    low, high = minute_of(start), -(-int(end.timestamp()) // 60)
    day, last = start.astimezone(zone).date() - dt.timedelta(days=1), end.astimezone(zone).date()
    spans: list[tuple[int, int]] = []
    while day <= last:
        for start_us, end_us in hours._day_spans(schedule, day):
            s, e = max(start_us // _US_PER_MINUTE, low), min(end_us // _US_PER_MINUTE, high)
            if s < e and spans and spans[-1][1] >= s:
                spans[-1] = (spans[-1][0], max(spans[-1][1], e))
            elif s < e:
                spans.append((s, e))
        day += dt.timedelta(days=1)
    return tuple(spans)


# --- skills ----------------------------------------------------------------------------------


def skill_save(*, actor: User, values: dict[str, Any], skill_id: Any = None) -> Skill:
    _require(actor, "service.skill", "edit" if skill_id else "create")
    current = _get(Skill, skill_id) if skill_id else None
    errors: Errors = {}
    name = _text(values, "name", errors, size=100, required=True)
    _unique_name(Skill, name, current, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return _write(actor, current or Skill(), {"name": name})  # type: ignore[no-any-return]


def skill_delete(*, actor: User, skill_id: Any) -> None:
    """Technicians, categories and appointments that named it simply no longer do."""
    _delete(actor, "service.skill", Skill, skill_id)


def clean_skills(raw: Any, errors: Errors, name: str = "skills") -> list[Skill]:
    """A list of skill ids (or Skill records) as the records; an unknown one is an error."""
    if hasattr(raw, "all"):  # a record's skills as they are (an API change that kept them)
        raw = list(raw.all())
    if raw in (None, ""):
        return []
    items = raw if isinstance(raw, list | tuple | set) else [raw]
    ids = set()
    for item in items:
        pk = item.pk if isinstance(item, Skill) else item
        try:
            ids.add(int(pk))
        except (TypeError, ValueError):
            errors[name] = [_("Choose skills from the list.")]
            return []
    found = list(Skill.objects.filter(pk__in=ids)) if len(ids) <= MAX_SKILLS else []
    if len(found) != len(ids):
        errors[name] = [_("Choose skills from the list.")]
    return found


def set_skills(actor: User, record: Any, skills: list[Skill]) -> None:
    """Replace a record's skills, with an audit entry when they change (a many-to-many is not
    in the record's own audit snapshot)."""
    before = sorted(record.skills.values_list("name", flat=True))
    record.skills.set(skills)
    after = sorted(s.name for s in skills)
    if before != after:
        audit.record(actor=actor, action="update", obj=record, changes={"skills": [before, after]})


# --- technicians -----------------------------------------------------------------------------


def _clean_technician(values: dict[str, Any], current: Technician | None) -> dict[str, Any]:
    errors: Errors = {}
    user = _ref(User, values.get("user"), "user", errors)
    if user is None and "user" not in errors:
        errors["user"] = [_("Choose the user.")]
    elif user is not None and not user.is_active:
        errors["user"] = [_("Choose an active user.")]
    elif user is not None:
        taken = Technician.objects.filter(user=user)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            errors["user"] = [_("This user already has a technician profile.")]
    cleaned: dict[str, Any] = {"user": user}
    cleaned["region"] = _text(values, "region", errors, size=60, required=False)
    cleaned["calendar"] = _ref(BusinessCalendar, values.get("calendar"), "calendar", errors)
    cleaned["field"] = bool(values.get("field", True))
    cleaned["active"] = bool(values.get("active", True))
    skills = clean_skills(values.get("skills"), errors)
    if errors:
        raise ValidationFailed(errors=errors)
    cleaned["skills"] = skills
    return cleaned


def technician_save(
    *, actor: User, values: dict[str, Any], technician_id: Any = None
) -> Technician:
    """Create or change a technician; a change replaces the skills with those sent."""
    _require(actor, "service.technician", "edit" if technician_id else "create")
    current = _get(Technician, technician_id) if technician_id else None
    cleaned = _clean_technician(values, current)
    skills = cleaned.pop("skills")
    with transaction.atomic():
        technician: Technician = _write(actor, current or Technician(), cleaned)
        set_skills(actor, technician, skills)
    return technician


def technician_delete(*, actor: User, technician_id: Any) -> None:
    """Refused while they have visits scheduled (move them, or make the technician inactive);
    their past visits keep their times and no longer name them."""
    _require(actor, "service.technician", "delete")
    technician = _get(Technician, technician_id)
    if technician.appointments.filter(status=AppointmentStatus.SCHEDULED).exists():
        raise Conflict(_("They have visits scheduled; move them first, or make them inactive."))
    _delete(actor, "service.technician", Technician, technician.pk)
