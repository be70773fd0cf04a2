"""The activities API: CRUD, filters, keyset pages, completing, problem+json refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clientela.activities.models import Activity
from clientela.activities.services import activity_create
from clientela.customers.services import account_create, contact_create


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("North")])


@pytest.fixture
def account(rep):
    return account_create(actor=rep, values={"name": "Acme"})


def iso(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def test_create_read_change_and_complete_an_activity(rep, account, api_as):
    api = api_as(rep)

    created = api.post(
        "/api/v1/activities",
        {
            "kind": "meeting",
            "subject": "Demo",
            "due_at": iso(24),
            "duration_minutes": 60,
            "reminder_at": iso(23),
            "account_id": account.pk,
            "location": "Room 2",
        },
    )
    activity_id = created.json()["id"]
    fetched = api.get(f"/api/v1/activities/{activity_id}")
    changed = api.patch(f"/api/v1/activities/{activity_id}", {"subject": "Demo v2"})
    done = api.post(
        f"/api/v1/activities/{activity_id}/complete", {"outcome": "Signed", "duration_minutes": 75}
    )

    assert created.status_code == 201
    assert fetched.json()["account_id"] == account.pk
    assert fetched.json()["owner_id"] == rep.pk
    assert changed.json()["subject"] == "Demo v2"
    body = done.json()
    assert (body["status"], body["outcome"], body["duration_minutes"]) == ("done", "Signed", 75)
    assert body["completed_at"] is not None


def test_completing_twice_is_a_conflict(rep, account, api_as):
    call = activity_create(actor=rep, values={"kind": "call", "subject": "x", "account": account})
    api = api_as(rep)
    api.post(f"/api/v1/activities/{call.pk}/complete")

    again = api.post(f"/api/v1/activities/{call.pk}/complete")

    assert again.status_code == 409
    assert again.json()["code"] == "not_planned"


def test_validation_errors_are_problem_json_and_write_nothing(rep, account, api_as):
    api = api_as(rep)

    no_due = api.post(
        "/api/v1/activities", {"kind": "task", "subject": "x", "account_id": account.pk}
    )
    bad_kind = api.post(
        "/api/v1/activities", {"kind": "party", "subject": "x", "account_id": account.pk}
    )
    too_long = api.post(
        "/api/v1/activities",
        {"kind": "call", "subject": "x", "account_id": account.pk, "duration_minutes": 2000},
    )
    wrong_type = api.post(
        "/api/v1/activities", {"kind": "call", "subject": ["x"], "account_id": "abc"}
    )

    assert no_due.status_code == 422
    assert no_due["Content-Type"] == "application/problem+json"
    assert no_due.json()["errors"] == {"due_at": ["Meetings and tasks need a due date."]}
    assert bad_kind.status_code == 422
    assert too_long.json()["errors"]["duration_minutes"] == [
        "Enter a duration from 1 to 1440 minutes."
    ]
    assert wrong_type.status_code == 422
    assert Activity.objects.count() == 0


def test_another_users_records_are_404_through_the_api(rep, api_as, make_user, make_team):
    other = make_user("sales-rep", teams=[make_team("South")])
    theirs = account_create(actor=other, values={"name": "Theirs"})
    their_call = activity_create(
        actor=other, values={"kind": "call", "subject": "x", "account": theirs}
    )
    api = api_as(rep)

    link = api.post("/api/v1/activities", {"kind": "note", "subject": "x", "account_id": theirs.pk})
    read = api.get(f"/api/v1/activities/{their_call.pk}")
    change = api.patch(f"/api/v1/activities/{their_call.pk}", {"subject": "mine"})

    assert (link.status_code, read.status_code, change.status_code) == (404, 404, 404)
    assert Activity.objects.count() == 1
    their_call.refresh_from_db()
    assert their_call.subject == "x"


def test_delete_needs_the_right_and_then_removes(rep, account, api_as, make_user):
    call = activity_create(actor=rep, values={"kind": "call", "subject": "x", "account": account})
    admin = make_user("administrator")

    refused = api_as(rep).delete(f"/api/v1/activities/{call.pk}")
    deleted = api_as(admin).delete(f"/api/v1/activities/{call.pk}")

    assert refused.status_code == 403
    assert deleted.status_code == 204
    assert Activity.objects.count() == 0


def test_a_read_only_token_cannot_write(rep, account, api_as):
    response = api_as(rep, read_only=True).post(
        "/api/v1/activities", {"kind": "note", "subject": "x", "account_id": account.pk}
    )

    assert response.status_code == 403
    assert Activity.objects.count() == 0


def test_list_filters_by_kind_status_links_and_due_range(rep, account, api_as):
    contact = contact_create(actor=rep, values={"first_name": "Ana"})
    now = timezone.now()
    make = lambda **v: activity_create(actor=rep, values={"subject": "s", **v})  # noqa: E731
    meeting = make(kind="meeting", due_at=now + timedelta(days=2), account=account)
    call = make(kind="call", due_at=now + timedelta(days=5), contact=contact, status="done")
    make(kind="note", account=account)
    api = api_as(rep)

    def ids(**params):
        response = api.get("/api/v1/activities", params)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["items"]]

    assert ids(kind="meeting") == [meeting.pk]
    assert ids(status="done") == [call.pk]
    assert ids(contact_id=contact.pk) == [call.pk]
    assert set(ids(account_id=account.pk)) == {meeting.pk, Activity.objects.get(kind="note").pk}
    assert ids(
        owner_id=rep.pk,
        due_from=(now + timedelta(days=1)).isoformat(),
        due_to=(now + timedelta(days=3)).isoformat(),
    ) == [meeting.pk]
    assert api.get("/api/v1/activities", {"kind": "party"}).status_code == 422


def test_list_pages_with_a_cursor_without_gaps_or_repeats(rep, account, api_as):
    now = timezone.now()
    made = [
        activity_create(
            actor=rep,
            values={
                "kind": "task",
                "subject": f"T{n}",
                "account": account,
                "due_at": now + timedelta(hours=n % 3),
            },
        ).pk
        for n in range(7)
    ]
    made.append(
        activity_create(actor=rep, values={"kind": "note", "subject": "N", "account": account}).pk
    )
    api = api_as(rep)

    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/activities", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen)) == 8
    assert api.get("/api/v1/activities", {"cursor": "nonsense"}).status_code == 422


def test_the_calendar_export_is_icalendar_for_the_range(rep, account, api_as):
    now = timezone.now()
    activity_create(
        actor=rep,
        values={
            "kind": "meeting",
            "subject": "In",
            "account": account,
            "due_at": now + timedelta(days=1),
        },
    )
    activity_create(
        actor=rep,
        values={
            "kind": "meeting",
            "subject": "Out",
            "account": account,
            "due_at": now + timedelta(days=40),
        },
    )
    api = api_as(rep)
    start, end = now.date().isoformat(), (now + timedelta(days=7)).date().isoformat()

    response = api.get(f"/api/v1/activities/calendar.ics?start={start}&end={end}")
    backwards = api.get(f"/api/v1/activities/calendar.ics?start={end}&end={start}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert "SUMMARY:Meeting: In" in text and "Out" not in text
    assert backwards.status_code == 422


def test_one_activity_as_icalendar(rep, account, api_as):
    meeting = activity_create(
        actor=rep,
        values={
            "kind": "meeting",
            "subject": "Demo",
            "account": account,
            "due_at": timezone.now() + timedelta(hours=3),
        },
    )

    response = api_as(rep).get(f"/api/v1/activities/{meeting.pk}/ics")

    assert response.status_code == 200
    assert f"UID:activity-{meeting.pk}@activities.clientela" in response.content.decode()


def test_the_list_costs_the_same_queries_for_3_or_30_activities(rep, account, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as(rep)
    api.get("/api/v1/activities")  # the token's first use writes last_used_at

    def queries_for(n: int) -> int:
        while Activity.objects.count() < n:
            activity_create(actor=rep, values={"kind": "note", "subject": "n", "account": account})
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get("/api/v1/activities").json()["items"]) == n
        return len(captured)

    assert queries_for(3) == queries_for(30)


def test_ids_beyond_what_the_database_holds_are_refused_not_looked_up(api_as, make_user):
    api = api_as(make_user("administrator"))
    huge = "9" * 20
    listed = api.get("/api/v1/activities", {"owner_id": huge})
    assert listed.status_code == 422
    created = api.post(
        "/api/v1/activities", {"kind": "note", "subject": "x", "account_id": int(huge)}
    )
    assert created.status_code == 422
