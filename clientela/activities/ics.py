"""iCalendar (RFC 5545) for activities: one event, a date range, a user's feed.

Times are written in UTC so every client places them right whatever its zone; the UID is built
from the activity's id, so a re-export or a feed refresh updates events instead of doubling them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta

from django.http import HttpResponse
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from clientela.activities.models import Activity, ActivityStatus

PRODID = "-//Clientela//Activities//EN"
DEFAULT_MINUTES = 30
UID_DOMAIN = "activities.clientela"
STATUS = {
    ActivityStatus.PLANNED: "CONFIRMED",
    ActivityStatus.DONE: "CONFIRMED",
    ActivityStatus.CANCELLED: "CANCELLED",
}


def uid(activity: Activity) -> str:
    return f"activity-{activity.pk}@{UID_DOMAIN}"


def _description(activity: Activity) -> str:
    parts = [activity.body]
    if activity.outcome:
        parts.append(_("Outcome: %(outcome)s") % {"outcome": activity.outcome})
    return "\n\n".join(p for p in parts if p)


def event(activity: Activity, base_url: str = "") -> Event | None:
    """The VEVENT of one activity, or None when it has no date to sit on."""
    if activity.due_at is None:
        return None
    start = activity.due_at.astimezone(UTC)
    minutes = activity.duration_minutes or DEFAULT_MINUTES
    item = Event()
    item.add("uid", uid(activity))
    item.add("dtstamp", activity.updated_at.astimezone(UTC))
    item.add("dtstart", start)
    item.add("dtend", start + timedelta(minutes=minutes))
    item.add("summary", f"{activity.get_kind_display()}: {activity.subject}")
    if description := _description(activity):
        item.add("description", description)
    if activity.location:
        item.add("location", activity.location)
    item.add("status", STATUS.get(ActivityStatus(activity.status), "CONFIRMED"))
    item.add("categories", [activity.get_kind_display()])
    if base_url:
        item.add("url", f"{base_url.rstrip('/')}/activities/{activity.pk}/")
    if activity.reminder_at is not None and activity.reminder_at < activity.due_at:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", activity.subject)
        alarm.add("trigger", activity.reminder_at - activity.due_at)
        item.add_component(alarm)
    return item


def calendar(activities: Iterable[Activity], *, name: str, base_url: str = "") -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for activity in activities:
        item = event(activity, base_url)
        if item is not None:
            cal.add_component(item)
    return cal.to_ical()


def response(body: bytes, *, filename: str = "") -> HttpResponse:
    """A text/calendar response; with a file name it downloads instead of opening."""
    reply = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    if filename:
        reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    reply["X-Content-Type-Options"] = "nosniff"
    return reply
