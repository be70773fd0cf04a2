"""Business hours: when a support team is open, and how much open time lies between two instants.

The SLA clock only runs while the team works, so "first response within 4 hours" means four hours
of *open* time in the team's own time zone, skipping nights, weekends and public holidays. This
module is pure Python (no models, no database) so the clock can be swept over thousands of tickets
and tested exhaustively.

How time is counted
    An open day contributes its windows, each turned into one interval of real (UTC) time. All
    arithmetic is done in integer microseconds since the Unix epoch, so adding ``n`` seconds and
    measuring them back gives exactly ``n`` (no float rounding).

Daylight-saving changes
    A window bound is a wall-clock time, and it maps to **the first instant at which the local
    clock shows that time or later**:

    * a bound that falls in a spring-forward gap (02:30 on a day that jumps from 02:00 to 03:00)
      maps to the transition itself (03:00 new time); a window lying wholly inside the gap is empty;
    * a bound that falls in a fall-back fold (01:30 on a day that repeats 01:00-02:00) maps to its
      first occurrence, so a window 01:00-01:30 counts 30 minutes (the first pass only) and a
      window 00:00-03:00 counts the 4 hours of real time that pass between the clock showing 00:00
      and 03:00.

    The mapping is monotonic, so windows (and consecutive days) never overlap in real time and no
    instant is ever counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

Window = tuple[int, int]
DayWindows = tuple[Window, ...]
WeekWindows = tuple[DayWindows, ...]
Span = tuple[int, int]  # [start, end) in microseconds since the epoch

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# how far add_business_time looks for the next open minute before it gives up
MAX_CLOSED_DAYS = 3 * 366

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MINUTE = timedelta(minutes=1)
_MICROSECOND = timedelta(microseconds=1)
_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_ONE_DAY = timedelta(days=1)
_RANGE_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    """A team's opening hours; immutable and hashable, so one instance can serve a whole sweep.

    ``windows`` has seven entries, Monday first; each is a sorted tuple of non-overlapping
    ``(start_minute, end_minute)`` pairs with ``0 <= start < end <= 1440``. Construction checks all
    of it, so the clock never meets a malformed schedule halfway through a sweep.
    """

    timezone: str
    windows: WeekWindows
    country: str = ""
    subdivision: str = ""
    extra_closed: frozenset[date] = frozenset()
    extra_open: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # callers may hand over lists and sets (JSON, forms); freeze them so the schedule hashes
        windows = tuple(tuple((int(start), int(end)) for start, end in day) for day in self.windows)
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "extra_closed", frozenset(self.extra_closed))
        object.__setattr__(self, "extra_open", frozenset(self.extra_open))
        _zone(self.timezone)
        if len(self.windows) != len(DAY_KEYS):
            raise ValueError(
                f"windows must have 7 entries (Monday to Sunday), not {len(self.windows)}"
            )
        for key, day_windows in zip(DAY_KEYS, self.windows, strict=True):
            _check_day(key, day_windows)
        validate_country(self.country, self.subdivision)


def always_open(timezone: str = "UTC") -> Schedule:
    """24x7 with no holidays: the schedule for teams (or SLAs) that never stop the clock."""
    return Schedule(timezone=timezone, windows=(((0, MINUTES_PER_DAY),),) * len(DAY_KEYS))


# --- parsing and printing windows ------------------------------------------------------------


def parse_windows(spec: Mapping[str, Sequence[str]]) -> WeekWindows:
    """Turn ``{"mon": ["09:00-12:00", "13:00-18:00"], ...}`` into ``Schedule.windows``.

    Forms and the API speak in "HH:MM-HH:MM" ranges; a missing day is closed. The ranges of a day
    may come in any order; they are sorted, then rejected if they overlap. "24:00" is accepted as
    an end so a window can run to midnight.
    """
    unknown = sorted(set(spec) - set(DAY_KEYS))
    if unknown:
        raise ValueError(f"unknown day {unknown[0]!r}; use one of {', '.join(DAY_KEYS)}")
    week = []
    for key in DAY_KEYS:
        ranges = spec.get(key, [])
        if isinstance(ranges, str) or not isinstance(ranges, Sequence):
            raise ValueError(f"{key}: expected a list of 'HH:MM-HH:MM' ranges")
        day_windows = tuple(sorted(_parse_range(key, text) for text in ranges))
        _check_day(key, day_windows)
        week.append(day_windows)
    return tuple(week)


def windows_as_spec(windows: WeekWindows) -> dict[str, list[str]]:
    """The inverse of :func:`parse_windows`, listing all seven days (closed ones empty)."""
    return {
        key: [f"{_hhmm(start)}-{_hhmm(end)}" for start, end in day_windows]
        for key, day_windows in zip(DAY_KEYS, windows, strict=True)
    }


def _parse_range(key: str, text: object) -> Window:
    """One "HH:MM-HH:MM" range as minutes; bounds are checked here, ordering in _check_day."""
    if not isinstance(text, str) or (match := _RANGE_RE.match(text)) is None:
        raise ValueError(f"{key}: {text!r} is not a range like '09:00-18:00'")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    start = _minutes(key, text, start_h, start_m)
    end = _minutes(key, text, end_h, end_m)
    if start == MINUTES_PER_DAY:
        raise ValueError(f"{key}: {text!r} starts at 24:00; a window must start before midnight")
    return start, end


def _minutes(key: str, text: str, hours: int, minutes: int) -> int:
    """Minutes since midnight, refusing times past 24:00 (which is itself allowed, as an end)."""
    if minutes > 59 or hours * 60 + minutes > MINUTES_PER_DAY:
        raise ValueError(f"{key}: {text!r} has a time past 24:00 or minutes past 59")
    return hours * 60 + minutes


def _check_day(key: str, day_windows: Iterable[Window]) -> None:
    """Reject windows that are empty, out of the day, unsorted or overlapping."""
    previous_end = 0
    for start, end in day_windows:
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(
                f"{key}: window {_hhmm(start)}-{_hhmm(end)} must lie within the day "
                "and start before it ends"
            )
        if start < previous_end:
            raise ValueError(f"{key}: window starting at {_hhmm(start)} overlaps the one before it")
        previous_end = end


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- holidays -----------------------------------------------------------------------------------


def validate_country(country: str, subdivision: str) -> None:
    """Fail early (at save time) on a country or subdivision the `holidays` package lacks."""
    if not country:
        if subdivision:
            raise ValueError(f"subdivision {subdivision!r} needs a country")
        return
    supported = _supported_countries()
    if country not in supported:
        raise ValueError(f"unknown country code {country!r} for public holidays")
    if subdivision and subdivision not in supported[country]:
        raise ValueError(f"unknown subdivision {subdivision!r} of country {country!r}")


@lru_cache(maxsize=1)
def _supported_countries() -> dict[str, frozenset[str]]:
    """Country codes and their subdivisions; cached because listing them takes milliseconds."""
    listed = holidays.list_supported_countries()
    return {country: frozenset(subdivisions) for country, subdivisions in listed.items()}


@lru_cache(maxsize=1024)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    """A year's public holidays; cached because building them costs far more than a lookup."""
    calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(calendar.keys())


def is_closed_day(schedule: Schedule, day: date) -> bool:
    """Whether ``day`` is a holiday for this schedule, whatever its weekday hours say."""
    if day in schedule.extra_closed:
        return True
    if not schedule.country or day in schedule.extra_open:
        return False
    return day in _public_holidays(schedule.country, schedule.subdivision, day.year)


# --- wall time to real time ---------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _to_us(moment: datetime) -> int:
    """Exact microseconds since the epoch of an aware datetime."""
    return (moment - _EPOCH) // _MICROSECOND


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _wall_to_us(zone: ZoneInfo, wall: datetime) -> int:
    """The first instant at which the local clock shows ``wall`` or later (see module docs).

    PEP 495: fold=0 resolves a gap time with the offset from before the jump and a repeated time
    to its first occurrence; fold=1 uses the offset after. So only when the fold=1 offset is the
    larger one did the clock jump forward over ``wall``, and the answer is the jump itself.
    """
    first = wall.replace(tzinfo=zone)
    second = wall.replace(tzinfo=zone, fold=1)
    first_offset, second_offset = first.utcoffset(), second.utcoffset()
    if first_offset is None or second_offset is None or second_offset <= first_offset:
        return _to_us(first)
    return _transition_us(zone, _to_us(second), _to_us(first), first_offset)


def _transition_us(zone: ZoneInfo, low: int, high: int, old_offset: timedelta) -> int:
    """The instant in (low, high] where the offset stops being ``old_offset``; bisection.

    Only reached for a bound inside a DST gap, so its ~32 steps never matter for speed.
    """
    while high - low > 1:
        middle = (low + high) // 2
        if _from_us(middle).astimezone(zone).utcoffset() == old_offset:
            low = middle
        else:
            high = middle
    return high


@lru_cache(maxsize=8192)
def _open_spans(timezone: str, day: date, day_windows: DayWindows) -> tuple[Span, ...]:
    """A day's windows as real-time spans, dropping those that vanish in a DST gap.

    Keyed on the zone, day and that day's windows (not the whole Schedule) so it is cheap to hash
    and shared by every schedule with the same hours; a sweep over many tickets hits the cache.
    """
    zone = _zone(timezone)
    midnight = datetime(day.year, day.month, day.day)
    offset = _utcoffset(zone, midnight)
    if offset == _utcoffset(zone, midnight + _ONE_DAY):
        # No offset change today (tzdata never has two within two days of each other), so plain
        # arithmetic is exact and several times faster than resolving each bound.
        base = (midnight - _NAIVE_EPOCH - offset) // _MICROSECOND
        return tuple(
            (base + start * _US_PER_MINUTE, base + end * _US_PER_MINUTE)
            for start, end in day_windows
        )
    spans = (
        (_wall_to_us(zone, midnight + start * _MINUTE), _wall_to_us(zone, midnight + end * _MINUTE))
        for start, end in day_windows
    )
    return tuple((start_us, end_us) for start_us, end_us in spans if end_us > start_us)


def _utcoffset(zone: ZoneInfo, wall: datetime) -> timedelta:
    """The offset at a naive wall time (fold=0); far cheaper than building an aware datetime."""
    offset = zone.utcoffset(wall)
    if offset is None:  # pragma: no cover - a ZoneInfo always has an offset
        raise ValueError(f"time zone {zone.key!r} has no UTC offset")
    return offset


def _day_spans(schedule: Schedule, day: date) -> tuple[Span, ...]:
    day_windows = schedule.windows[day.weekday()]
    if not day_windows or is_closed_day(schedule, day):
        return ()
    return _open_spans(schedule.timezone, day, day_windows)


def _local_day(schedule: Schedule, moment: datetime) -> date:
    if moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(_zone(schedule.timezone)).date()


# --- the clock ----------------------------------------------------------------------------------


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Whether the team is open at the instant ``at`` (timezone-aware).

    The day after the local date is checked too: when a zone falls back across midnight, the
    repeated late evening belongs to the next day's first window.
    """
    day = _local_day(schedule, at)
    at_us = _to_us(at)
    return any(
        start <= at_us < end
        for candidate in (day, day + _ONE_DAY)
        for start, end in _day_spans(schedule, candidate)
    )


def add_business_time(schedule: Schedule, start: datetime, seconds: int) -> datetime:
    """The UTC instant when ``seconds`` of open time have elapsed after ``start``.

    With ``seconds > 0`` the result lies inside an open window or exactly at its end (a deadline
    never lands at the start of the next morning). Closed days cost one set lookup each; after
    three years without an open minute the schedule is declared to have none.
    """
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    day = _local_day(schedule, start)
    cursor = _to_us(start)
    if seconds == 0:
        return _from_us(cursor)
    if not any(schedule.windows):
        raise ValueError("the schedule has no open hours on any day of the week")
    remaining = seconds * _US_PER_SECOND
    closed_days = 0
    while closed_days <= MAX_CLOSED_DAYS:
        spans = _day_spans(schedule, day)
        closed_days = 0 if spans else closed_days + 1
        for span_start, span_end in spans:
            begin = max(span_start, cursor)
            if begin >= span_end:
                continue
            if remaining <= span_end - begin:
                return _from_us(begin + remaining)
            remaining -= span_end - begin
        day += _ONE_DAY
    raise ValueError("the schedule has no open hours in the next three years (check holidays)")


def business_seconds_between(schedule: Schedule, start: datetime, end: datetime) -> int:
    """Whole seconds of open time in ``[start, end)``; 0 when ``end`` is not after ``start``.

    Walks the local days from ``start``'s to the day after ``end``'s (a fall-back across
    midnight can put ``end`` in the next day's first window).
    """
    day, last_day = _local_day(schedule, start), _local_day(schedule, end) + _ONE_DAY
    start_us, end_us = _to_us(start), _to_us(end)
    if end_us <= start_us:
        return 0
    total = 0
    while day <= last_day:
        for span_start, span_end in _day_spans(schedule, day):
            total += max(0, min(span_end, end_us) - max(span_start, start_us))
        day += _ONE_DAY
    return total // _US_PER_SECOND
