"""Business hours: the SLA clock runs only while the team is open, in the team's own time zone.

Holiday dates asserted here were printed from the `holidays` package (0.109) first: in 2026 Brazil
has Tiradentes on Tue 21 April nationally, São Paulo state adds Thu 9 July (Revolução
Constitucionalista), and Rio de Janeiro state adds Carnival (Tue 17 February) and São Jorge
(Thu 23 April). New York switches to daylight time on Sun 8 March 2026 (02:00 -> 03:00) and back
on Sun 1 November 2026 (02:00 -> 01:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientela.service.hours import (
    Schedule,
    add_business_time,
    always_open,
    business_seconds_between,
    is_closed_day,
    is_open,
    parse_windows,
    validate_country,
    windows_as_spec,
)

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NINE_TO_SIX = parse_windows({day: ["09:00-18:00"] for day in WEEKDAYS})
WITH_LUNCH = parse_windows({day: ["09:00-12:00", "13:00-18:00"] for day in WEEKDAYS})


def sp_office(subdivision: str = "SP", **extra: frozenset[date]) -> Schedule:
    return Schedule("America/Sao_Paulo", NINE_TO_SIX, "BR", subdivision, **extra)


def sp(*args: int) -> datetime:
    return datetime(*args, tzinfo=SAO_PAULO)


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK, fold=fold)


def sundays(*ranges: str) -> Schedule:
    """A New York schedule open only on Sundays, the day US clocks change."""
    return Schedule("America/New_York", parse_windows({"sun": list(ranges)}))


# --- holidays and weekends ----------------------------------------------------------------------


def test_four_hours_from_friday_afternoon_end_on_monday_morning():
    deadline = add_business_time(sp_office(), sp(2026, 4, 17, 16), 4 * HOUR)

    assert deadline == sp(2026, 4, 20, 11)
    assert deadline.tzinfo is UTC
    assert deadline == datetime(2026, 4, 20, 14, tzinfo=UTC)


def test_clock_skips_tiradentes():
    schedule = sp_office()

    assert is_closed_day(schedule, date(2026, 4, 21))
    assert add_business_time(schedule, sp(2026, 4, 20, 17), 2 * HOUR) == sp(2026, 4, 22, 10)
    assert business_seconds_between(schedule, sp(2026, 4, 20, 17), sp(2026, 4, 22, 10)) == 2 * HOUR


def test_ninth_of_july_is_closed_in_sao_paulo_state_only():
    start = sp(2026, 7, 8, 17)

    assert is_closed_day(sp_office("SP"), date(2026, 7, 9))
    assert not is_closed_day(sp_office("RJ"), date(2026, 7, 9))
    assert add_business_time(sp_office("SP"), start, 2 * HOUR) == sp(2026, 7, 10, 10)
    assert add_business_time(sp_office("RJ"), start, 2 * HOUR) == sp(2026, 7, 9, 10)


def test_rio_state_holidays_do_not_close_sao_paulo():
    carnival, sao_jorge = date(2026, 2, 17), date(2026, 4, 23)

    assert is_closed_day(sp_office("RJ"), carnival)
    assert is_closed_day(sp_office("RJ"), sao_jorge)
    assert not is_closed_day(sp_office("SP"), carnival)
    assert not is_closed_day(sp_office("SP"), sao_jorge)


def test_national_calendar_applies_without_a_subdivision():
    schedule = sp_office(subdivision="")

    assert is_closed_day(schedule, date(2026, 4, 21))
    assert is_closed_day(schedule, date(2026, 12, 25))
    assert not is_closed_day(schedule, date(2026, 7, 9))


def test_no_country_means_no_public_holidays():
    schedule = Schedule("America/Sao_Paulo", NINE_TO_SIX)

    assert not is_closed_day(schedule, date(2026, 4, 21))
    assert add_business_time(schedule, sp(2026, 4, 20, 17), 2 * HOUR) == sp(2026, 4, 21, 10)


def test_start_on_a_weekend_waits_for_monday_opening():
    assert not is_open(sp_office(), sp(2026, 4, 18, 10))
    assert add_business_time(sp_office(), sp(2026, 4, 18, 10), HOUR) == sp(2026, 4, 20, 10)


def test_extra_closed_day_is_skipped():
    schedule = sp_office(extra_closed=frozenset({date(2026, 3, 2)}))

    assert is_closed_day(schedule, date(2026, 3, 2))
    assert add_business_time(schedule, sp(2026, 2, 27, 17), 2 * HOUR) == sp(2026, 3, 3, 10)


def test_extra_open_day_works_through_a_public_holiday():
    schedule = sp_office(extra_open=frozenset({date(2026, 4, 21)}))

    assert not is_closed_day(schedule, date(2026, 4, 21))
    assert is_open(schedule, sp(2026, 4, 21, 9))
    assert add_business_time(schedule, sp(2026, 4, 20, 17), 2 * HOUR) == sp(2026, 4, 21, 10)


# --- windows within a day -----------------------------------------------------------------------


def test_lunch_break_is_not_counted():
    schedule = Schedule("America/Sao_Paulo", WITH_LUNCH)

    assert add_business_time(schedule, sp(2026, 3, 3, 11), 2 * HOUR) == sp(2026, 3, 3, 14)
    assert (
        business_seconds_between(schedule, sp(2026, 3, 3, 11, 30), sp(2026, 3, 3, 13, 30)) == HOUR
    )
    assert is_open(schedule, sp(2026, 3, 3, 11, 59))
    assert not is_open(schedule, sp(2026, 3, 3, 12))
    assert is_open(schedule, sp(2026, 3, 3, 13))


def test_deadline_lands_at_the_end_of_a_window_not_after_the_break():
    schedule = Schedule("America/Sao_Paulo", WITH_LUNCH)

    assert add_business_time(schedule, sp(2026, 3, 3, 11), HOUR) == sp(2026, 3, 3, 12)


def test_window_ending_at_midnight_runs_into_the_next_day():
    windows = parse_windows({"mon": ["20:00-24:00"], "tue": ["00:00-02:00"]})
    schedule = Schedule("America/Sao_Paulo", windows)

    assert add_business_time(schedule, sp(2026, 3, 2, 23), 2 * HOUR) == sp(2026, 3, 3, 1)
    assert is_open(schedule, sp(2026, 3, 2, 23, 59, 59))
    assert business_seconds_between(schedule, sp(2026, 3, 2), sp(2026, 3, 4)) == 6 * HOUR
    assert windows_as_spec(windows)["mon"] == ["20:00-24:00"]


def test_always_open_counts_every_second():
    schedule = always_open()
    start = datetime(2026, 4, 18, 3, 15, tzinfo=UTC)

    assert add_business_time(schedule, start, 3 * 86400) == datetime(2026, 4, 21, 3, 15, tzinfo=UTC)
    assert business_seconds_between(schedule, start, start + timedelta(weeks=1)) == 604_800
    assert is_open(schedule, start)
    assert windows_as_spec(schedule.windows)["sun"] == ["00:00-24:00"]


def test_zero_seconds_returns_start_in_utc_even_when_closed():
    deadline = add_business_time(sp_office(), sp(2026, 4, 18, 10), 0)

    assert deadline == datetime(2026, 4, 18, 13, tzinfo=UTC)
    assert deadline.tzinfo is UTC


def test_sub_second_starts_are_kept_exactly():
    start = sp(2026, 3, 3, 10, 0, 0, 250_000)

    assert add_business_time(sp_office(), start, 1) == sp(2026, 3, 3, 10, 0, 1, 250_000)
    assert business_seconds_between(sp_office(), start, sp(2026, 3, 3, 10, 0, 1)) == 0


def test_end_before_start_counts_nothing():
    assert business_seconds_between(sp_office(), sp(2026, 3, 3, 12), sp(2026, 3, 3, 10)) == 0


def test_naive_datetimes_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(sp_office(), datetime(2026, 3, 3, 10), HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(sp_office(), datetime(2026, 3, 3, 10))
    with pytest.raises(ValueError, match="negative"):
        add_business_time(sp_office(), sp(2026, 3, 3, 10), -1)


# --- daylight-saving time -----------------------------------------------------------------------


def test_spring_forward_day_has_23_hours_in_new_york():
    schedule = always_open("America/New_York")

    assert business_seconds_between(schedule, ny(2026, 3, 8), ny(2026, 3, 9)) == 23 * HOUR
    assert add_business_time(schedule, ny(2026, 3, 7, 12), 24 * HOUR) == ny(2026, 3, 8, 13)


def test_fall_back_day_has_25_hours_in_new_york():
    schedule = always_open("America/New_York")

    assert business_seconds_between(schedule, ny(2026, 11, 1), ny(2026, 11, 2)) == 25 * HOUR


def test_office_hours_keep_their_wall_time_across_the_march_change():
    schedule = Schedule("America/New_York", NINE_TO_SIX, "US")
    deadline = add_business_time(schedule, ny(2026, 3, 6, 17), 2 * HOUR)

    assert deadline == ny(2026, 3, 9, 10)
    assert deadline == datetime(2026, 3, 9, 14, tzinfo=UTC)
    assert business_seconds_between(schedule, ny(2026, 3, 6), ny(2026, 3, 10)) == 18 * HOUR


def test_window_straddling_the_gap_counts_only_real_time():
    schedule = sundays("01:00-03:00")

    assert business_seconds_between(schedule, ny(2026, 3, 8), ny(2026, 3, 9)) == HOUR
    assert add_business_time(schedule, ny(2026, 3, 8, 1, 30), 30 * 60) == ny(2026, 3, 8, 3)


def test_window_starting_in_the_gap_opens_at_the_transition():
    schedule = sundays("02:30-04:00")

    assert business_seconds_between(schedule, ny(2026, 3, 8), ny(2026, 3, 9)) == HOUR
    assert is_open(schedule, ny(2026, 3, 8, 3))
    assert add_business_time(schedule, ny(2026, 3, 7, 12), 60) == ny(2026, 3, 8, 3, 1)


def test_window_inside_the_gap_is_empty_that_day():
    schedule = sundays("02:00-02:45")

    assert business_seconds_between(schedule, ny(2026, 3, 8), ny(2026, 3, 9)) == 0
    assert add_business_time(schedule, ny(2026, 3, 7, 12), 60) == ny(2026, 3, 15, 2, 1)


def test_window_ending_in_the_fold_closes_at_its_first_occurrence():
    schedule = sundays("01:00-01:30")

    assert business_seconds_between(schedule, ny(2026, 11, 1), ny(2026, 11, 2)) == 30 * 60
    assert is_open(schedule, ny(2026, 11, 1, 1, 15, fold=0))
    assert not is_open(schedule, ny(2026, 11, 1, 1, 15, fold=1))


def test_window_across_the_fold_counts_the_real_hours_once():
    schedule = sundays("00:00-03:00")

    assert business_seconds_between(schedule, ny(2026, 11, 1), ny(2026, 11, 2)) == 4 * HOUR
    assert add_business_time(schedule, ny(2026, 11, 1), 4 * HOUR) == ny(2026, 11, 1, 3)


# --- schedules with no open hours ---------------------------------------------------------------


def test_schedule_without_windows_raises_instead_of_looping():
    schedule = Schedule("UTC", parse_windows({}))

    with pytest.raises(ValueError, match="the schedule has no open hours"):
        add_business_time(schedule, datetime(2026, 1, 1, tzinfo=UTC), 1)
    assert (
        business_seconds_between(
            schedule, datetime(2026, 1, 1, tzinfo=UTC), datetime(2036, 1, 1, tzinfo=UTC)
        )
        == 0
    )


def test_schedule_closed_every_day_for_years_raises_instead_of_looping():
    first = date(2026, 1, 1)
    closed = frozenset(first + timedelta(days=offset) for offset in range(4 * 366))
    schedule = Schedule("UTC", always_open().windows, extra_closed=closed)

    with pytest.raises(ValueError, match="the schedule has no open hours"):
        add_business_time(schedule, datetime(2026, 1, 1, tzinfo=UTC), 1)


# --- parsing, printing and validating -----------------------------------------------------------


def test_parse_windows_sorts_ranges_and_leaves_missing_days_closed():
    windows = parse_windows({"tue": ["13:00-18:00", "09:00-12:00"], "sat": ["10:00-14:00"]})

    assert windows == ((), ((540, 720), (780, 1080)), (), (), (), ((600, 840),), ())


def test_windows_as_spec_round_trips():
    spec = {
        "mon": ["09:00-12:00", "13:00-18:00"],
        "tue": ["00:00-24:00"],
        "wed": [],
        "thu": ["08:30-17:45"],
        "fri": ["09:00-18:00"],
        "sat": ["22:00-24:00"],
        "sun": [],
    }

    assert windows_as_spec(parse_windows(spec)) == spec
    assert parse_windows(windows_as_spec(WITH_LUNCH)) == WITH_LUNCH


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"mon": ["9-18"]}, r"mon: '9-18' is not a range like '09:00-18:00'"),
        ({"mon": ["09:00 - 18:00"]}, "is not a range"),
        ({"mon": [900]}, "is not a range"),
        ({"mon": "09:00-18:00"}, "mon: expected a list"),
        ({"mon": ["18:00-09:00"]}, "mon: window 18:00-09:00 must lie within the day and start"),
        ({"mon": ["09:00-09:00"]}, "must lie within the day and start before it ends"),
        ({"mon": ["09:00-12:00", "11:00-13:00"]}, "mon: window starting at 11:00 overlaps"),
        ({"funday": ["09:00-18:00"]}, "unknown day 'funday'; use one of mon, tue"),
        ({"fri": ["22:00-24:30"]}, "fri: '22:00-24:30' has a time past 24:00"),
        ({"fri": ["25:00-26:00"]}, "has a time past 24:00"),
        ({"fri": ["09:60-10:00"]}, "minutes past 59"),
        ({"sun": ["24:00-24:00"]}, "sun: '24:00-24:00' starts at 24:00"),
    ],
)
def test_parse_windows_explains_bad_input(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_windows(spec)


def test_validate_country_accepts_known_codes():
    validate_country("BR", "SP")
    validate_country("US", "")
    validate_country("", "")


def test_validate_country_rejects_unknown_codes():
    with pytest.raises(ValueError, match="unknown country code 'XX'"):
        validate_country("XX", "")
    with pytest.raises(ValueError, match="unknown subdivision 'ZZ' of country 'BR'"):
        validate_country("BR", "ZZ")
    with pytest.raises(ValueError, match="subdivision 'SP' needs a country"):
        validate_country("", "SP")


def test_schedule_refuses_bad_settings_when_built():
    with pytest.raises(ValueError, match="unknown country code 'XX'"):
        Schedule("UTC", NINE_TO_SIX, "XX")
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        Schedule("Mars/Olympus", NINE_TO_SIX)
    with pytest.raises(ValueError, match="7 entries"):
        Schedule("UTC", NINE_TO_SIX[:6])
    with pytest.raises(ValueError, match="overlaps"):
        Schedule("UTC", (((540, 720), (700, 800)), *NINE_TO_SIX[1:]))


def test_schedule_freezes_lists_and_sets_so_it_stays_hashable():
    windows = [[[540, 1080]]] * 5 + [[], []]
    schedule = Schedule("UTC", windows, extra_closed={date(2026, 3, 2)})  # type: ignore[arg-type]

    assert schedule == Schedule("UTC", NINE_TO_SIX, extra_closed=frozenset({date(2026, 3, 2)}))
    assert hash(schedule) == hash(
        Schedule("UTC", NINE_TO_SIX, extra_closed=frozenset({date(2026, 3, 2)}))
    )


# --- properties ---------------------------------------------------------------------------------

SCHEDULES = [
    sp_office(),
    Schedule(
        "America/New_York",
        parse_windows(
            {
                **{day: ["09:00-12:00", "13:00-18:00"] for day in WEEKDAYS},
                "sat": ["20:00-24:00"],
                "sun": ["00:00-01:30", "02:30-04:00"],
            }
        ),
        "US",
    ),
    Schedule("Australia/Lord_Howe", parse_windows({day: ["01:00-03:00"] for day in WEEKDAYS})),
    always_open("Europe/Lisbon"),
]
ZONES = [SAO_PAULO, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Tokyo"), UTC]
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from(ZONES),
)
durations = st.integers(min_value=0, max_value=60 * 86400)
schedules = st.sampled_from(SCHEDULES)


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, start=instants, seconds=durations)
def test_business_seconds_between_inverts_add_business_time(schedule, start, seconds):
    deadline = add_business_time(schedule, start, seconds)

    assert business_seconds_between(schedule, start, deadline) == seconds
    if seconds > 0:
        assert is_open(schedule, deadline - timedelta(microseconds=1))


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, start=instants, first=durations, second=durations)
def test_add_business_time_is_monotonic(schedule, start, first, second):
    shorter, longer = sorted((first, second))

    assert start <= add_business_time(schedule, start, shorter)
    assert add_business_time(schedule, start, shorter) <= add_business_time(schedule, start, longer)


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, moments=st.lists(instants, min_size=3, max_size=3))
def test_business_seconds_add_up_over_consecutive_intervals(schedule, moments):
    # compare in UTC: within one zone Python orders by wall time, which a fold makes ambiguous
    first, middle, last = sorted(
        moment.astimezone(UTC).replace(microsecond=0) for moment in moments
    )

    total = business_seconds_between(schedule, first, last)
    assert total == business_seconds_between(schedule, first, middle) + business_seconds_between(
        schedule, middle, last
    )
    assert total <= int((last - first).total_seconds())
