"""The calendar pages and iCalendar output, read back with the ``icalendar`` parser."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from icalendar import Calendar

from clientela.activities.models import CalendarFeed
from clientela.activities.services import activity_create, activity_update
from clientela.customers.services import account_create

DUE = datetime(2030, 3, 14, 13, 30, tzinfo=UTC)  # a Thursday; 10:30 in São Paulo


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("North")], time_zone="America/Sao_Paulo")


@pytest.fixture
def account(rep):
    return account_create(actor=rep, values={"name": "Acme"})


def meeting(rep, account, **values):
    return activity_create(
        actor=rep,
        values={
            "kind": "meeting",
            "subject": "Review",
            "account": account,
            "due_at": DUE,
            **values,
        },
    )


def events_of(content: bytes) -> list:
    return Calendar.from_ical(content).walk("VEVENT")


def test_one_activity_exports_with_utc_times_escaped_text_and_an_alarm(rep, account, logged_in):
    item = meeting(
        rep,
        account,
        subject="Budget; review, Q3",
        body="Line one\nLine two, with a comma; and a semicolon",
        duration_minutes=90,
        location="Sala 3, 2º andar",
        reminder_at=DUE - timedelta(minutes=15),
    )

    response = logged_in(rep).get(f"/activities/{item.pk}.ics")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="activity-{item.pk}.ics"'
    raw = response.content.decode()
    assert "SUMMARY:Meeting: Budget\\; review\\, Q3" in raw  # escaped on the wire
    (event,) = events_of(response.content)
    assert str(event["UID"]) == f"activity-{item.pk}@activities.clientela"
    assert event.decoded("DTSTART") == DUE
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert "DTSTART:20300314T133000Z" in raw
    assert event.decoded("DTEND") == DUE + timedelta(minutes=90)
    assert str(event["SUMMARY"]) == "Meeting: Budget; review, Q3"
    assert str(event["DESCRIPTION"]) == "Line one\nLine two, with a comma; and a semicolon"
    assert str(event["LOCATION"]) == "Sala 3, 2º andar"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    assert str(alarm["ACTION"]) == "DISPLAY"


def test_the_uid_is_stable_across_exports_and_edits(rep, account, logged_in):
    item = meeting(rep, account)
    client = logged_in(rep)

    first = events_of(client.get(f"/activities/{item.pk}.ics").content)[0]
    activity_update(actor=rep, activity_id=item.pk, values={"subject": "Renamed"})
    second = events_of(client.get(f"/activities/{item.pk}.ics").content)[0]

    assert str(first["UID"]) == str(second["UID"])
    assert str(second["SUMMARY"]) == "Meeting: Renamed"
    assert "VALARM" not in second.to_ical().decode()


def test_an_activity_without_a_date_has_no_ics(rep, account, logged_in):
    note = activity_create(actor=rep, values={"kind": "note", "subject": "x", "account": account})

    assert logged_in(rep).get(f"/activities/{note.pk}.ics").status_code == 404


def test_range_export_takes_the_users_days(rep, account, logged_in):
    # 02:30 UTC on the 15th is still the 14th in São Paulo (UTC-3)
    late = meeting(rep, account, subject="Late", due_at=datetime(2030, 3, 15, 2, 30, tzinfo=UTC))
    meeting(rep, account, subject="Next day", due_at=datetime(2030, 3, 15, 13, 0, tzinfo=UTC))
    client = logged_in(rep)

    response = client.get("/activities/export.ics?start=2030-03-14&end=2030-03-14")
    broken = client.get("/activities/export.ics?start=2030-03-14&end=nope")
    too_long = client.get("/activities/export.ics?start=2030-01-01&end=2031-06-01")

    summaries = sorted(str(e["SUMMARY"]) for e in events_of(response.content))
    assert summaries == ["Meeting: Late"]
    assert str(events_of(response.content)[0]["UID"]) == f"activity-{late.pk}@activities.clientela"
    assert (broken.status_code, too_long.status_code) == (400, 400)


def test_week_view_places_activities_on_the_users_local_day(rep, account, logged_in):
    meeting(rep, account, subject="Morning")
    activity_create(
        actor=rep, values={"kind": "note", "subject": "A note", "account": account, "due_at": DUE}
    )
    meeting(rep, account, subject="Dropped", status="cancelled")

    response = logged_in(rep).get("/activities/calendar/?view=week&date=2030-03-14")

    days = response.context["days"]
    assert len(days) == 7
    thursday = next(d for d in days if d.day == date(2030, 3, 14))
    assert [a.subject for a in thursday.items] == ["Morning"]
    html = response.content.decode()
    assert "10:30" in html  # 13:30 UTC shown in São Paulo time
    assert "A note" not in html and "Dropped" not in html


def test_month_view_covers_whole_weeks_and_pages_by_month(rep, account, logged_in):
    meeting(rep, account)

    response = logged_in(rep).get("/activities/calendar/?view=month&date=2030-03-20")

    span, days = response.context["span"], response.context["days"]
    assert len(days) % 7 == 0 and len(days) >= 28
    assert days[0].day <= date(2030, 3, 1) and days[-1].day >= date(2030, 3, 31)
    assert span.previous == date(2030, 2, 1) and span.next == date(2030, 4, 1)
    assert sum(len(d.items) for d in days) == 1
    assert response.context["count"] == 1


def test_team_view_adds_teammates_activities_only_when_asked(rep, account, logged_in, make_user):
    mate = make_user("sales-rep", teams=list(rep.teams.all()))
    theirs = account_create(actor=mate, values={"name": "Mate's"})
    meeting(mate, theirs, subject="Mate's meeting")
    stranger = make_user("sales-rep")
    alone = account_create(actor=stranger, values={"name": "Alone"})
    meeting(stranger, alone, subject="Stranger's meeting")
    client = logged_in(rep)

    mine = client.get("/activities/calendar/?view=week&date=2030-03-14")
    team = client.get("/activities/calendar/?view=week&date=2030-03-14&who=team")

    assert mine.context["count"] == 0
    assert team.context["count"] == 1
    assert "Mate&#x27;s meeting" in team.content.decode()
    assert "Stranger" not in team.content.decode()


def test_a_bad_date_or_view_falls_back_to_this_week(rep, logged_in):
    response = logged_in(rep).get("/activities/calendar/?view=year&date=2030-02-31")

    assert response.status_code == 200
    assert response.context["span"].mode == "week"


def test_the_feed_url_is_shown_once_stored_hashed_and_regeneration_revokes_the_old(
    rep, account, logged_in
):
    meeting(rep, account, subject="Feed me", due_at=datetime.now(UTC) + timedelta(days=2))
    client = logged_in(rep)

    first = client.post("/activities/calendar/feed/", {"action": "regenerate"}).context["feed_url"]
    secret = first.rsplit("/", 1)[1].removesuffix(".ics")
    row = CalendarFeed.objects.get(user=rep)
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get("/activities/calendar/feed/").content.decode()

    anonymous = Client()
    feed = anonymous.get(f"/activities/feed/{secret}.ics")
    assert feed.status_code == 200
    assert [str(e["SUMMARY"]) for e in events_of(feed.content)] == ["Meeting: Feed me"]

    second = client.post("/activities/calendar/feed/", {"action": "regenerate"}).context["feed_url"]
    assert second != first
    assert anonymous.get(f"/activities/feed/{secret}.ics").status_code == 404
    new_secret = second.rsplit("/", 1)[1].removesuffix(".ics")
    assert anonymous.get(f"/activities/feed/{new_secret}.ics").status_code == 200

    client.post("/activities/calendar/feed/", {"action": "revoke"})
    assert anonymous.get(f"/activities/feed/{new_secret}.ics").status_code == 404
    assert not CalendarFeed.objects.filter(user=rep).exists()


@pytest.mark.parametrize(
    "secret", ["nothing", "cal_", "cal_abc_def", "cal_%00_x", "clt_123456789abc_zzz"]
)
def test_a_wrong_feed_secret_is_404(rep, logged_in, secret):
    logged_in(rep).post("/activities/calendar/feed/", {"action": "regenerate"})

    assert Client().get(f"/activities/feed/{secret}.ics").status_code == 404


def test_a_deactivated_users_feed_stops(rep, logged_in):
    url = logged_in(rep).post("/activities/calendar/feed/", {"action": "regenerate"})
    secret = url.context["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    rep.is_active = False
    rep.save(update_fields=["is_active"])

    assert Client().get(f"/activities/feed/{secret}.ics").status_code == 404
