"""The week and month calendar: which days to draw and which activities fall on each.

Days are the user's days: bounds are computed in the active time zone (the user's, set by the
middleware) and activities are placed by their local date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clientela.activities.models import Activity

MODES = ("week", "month")


@dataclass
class Day:
    day: date
    in_month: bool
    today: bool
    items: list[Activity] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    mode: str
    anchor: date
    first: date  # the first day drawn
    days: int  # how many days are drawn

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first + timedelta(self.days), time.min))

    @property
    def previous(self) -> date:
        if self.mode == "week":
            return self.anchor - timedelta(days=7)
        return (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        if self.mode == "week":
            return self.anchor + timedelta(days=7)
        return (self.anchor.replace(day=28) + timedelta(days=4)).replace(day=1)

    @property
    def title(self) -> str:
        if self.mode == "month":
            return formats.date_format(self.anchor, "YEAR_MONTH_FORMAT")
        last = self.first + timedelta(days=6)
        return _("%(first)s to %(last)s") % {
            "first": formats.date_format(self.first, "SHORT_DATE_FORMAT"),
            "last": formats.date_format(last, "SHORT_DATE_FORMAT"),
        }


def _week_start(day: date) -> date:
    first_weekday = int(formats.get_format("FIRST_DAY_OF_WEEK"))  # 0 = Sunday
    offset = (day.isoweekday() - first_weekday) % 7
    return day - timedelta(days=offset)


def span(mode: str, anchor: date) -> Span:
    """The days a ``mode`` view around ``anchor`` shows: one week, or the month's full weeks."""
    if mode == "week":
        return Span(mode, anchor, _week_start(anchor), 7)
    first = _week_start(anchor.replace(day=1))
    month_end = (anchor.replace(day=28) + timedelta(days=4)).replace(day=1)
    days = (month_end - first).days
    return Span("month", anchor, first, days + (-days % 7))


def today() -> date:
    return timezone.localdate()


def lay_out(view: Span, activities: list[Activity]) -> list[Day]:
    by_day: dict[date, list[Activity]] = defaultdict(list)
    for activity in activities:
        if activity.due_at is not None:
            by_day[timezone.localtime(activity.due_at).date()].append(activity)
    now = today()
    days = []
    for n in range(view.days):
        day = view.first + timedelta(days=n)
        in_month = view.mode == "week" or day.month == view.anchor.month
        days.append(Day(day, in_month, day == now, by_day.get(day, [])))
    return days


def parse_anchor(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else today()
    except ValueError:
        return today()
