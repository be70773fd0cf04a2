"""The HTTP contract for ``POST /activities/bulk``: all items or none, errors by item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from clientela.activities.models import Activity
from clientela.activities.services import activity_create
from clientela.customers.services import account_create, contact_create
from clientela.customers.services.leads import lead_create
from clientela.platform.models import AuditEntry


@pytest.fixture
def rep(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("North")])


@pytest.fixture
def stranger(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("South")])


@pytest.fixture
def account(rep):
    return account_create(actor=rep, values={"name": "Acme"})


def iso(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def audit_count() -> int:
    return AuditEntry.objects.filter(object_type="activities.activity").count()


def test_bulk_create_writes_every_item_and_audits_each(rep, account, api_as):
    contact = contact_create(actor=rep, values={"first_name": "Ana"})
    response = api_as(rep).post(
        "/api/v1/activities/bulk",
        {
            "mode": "create",
            "items": [
                {"kind": "call", "subject": "Intro", "account_id": account.pk},
                {
                    "kind": "task",
                    "subject": "Send quote",
                    "due_at": iso(24),
                    "contact_id": contact.pk,
                },
                {
                    "kind": "call",
                    "subject": "Old call",
                    "status": "done",
                    "completed_at": "2026-01-10T12:00:00-03:00",
                    "account_id": account.pk,
                },
            ],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 3
    assert [i["subject"] for i in body["items"]] == ["Intro", "Send quote", "Old call"]
    assert [i["contact_id"] for i in body["items"]] == [None, contact.pk, None]
    stored = Activity.objects.get(pk=body["items"][2]["id"]).completed_at
    assert stored == datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    assert {i["owner_id"] for i in body["items"]} == {rep.pk}
    assert Activity.objects.count() == 3
    entries = AuditEntry.objects.filter(object_type="activities.activity")
    assert sorted(entries.values_list("action", "channel")) == [("create", "api")] * 3


def test_one_bad_item_writes_nothing_and_names_each_error(rep, account, api_as):
    response = api_as(rep).post(
        "/api/v1/activities/bulk",
        {
            "mode": "create",
            "items": [
                {"kind": "call", "subject": "Good", "account_id": account.pk},
                {"kind": "task", "subject": "No due date", "account_id": account.pk},
                {"kind": "note", "subject": "", "account_id": account.pk},
                {"kind": "note", "subject": "Linked to nothing"},
                {"kind": "call", "subject": "Good too", "account_id": account.pk},
            ],
        },
    )

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["errors"] == {
        "items.1.due_at": ["Meetings and tasks need a due date."],
        "items.2.subject": ["This field is required."],
        "items.3.account": ["Link the activity to an account, a contact or a lead."],
    }
    assert body["title"] == "Nothing was written: 3 of 5 items have errors."
    assert Activity.objects.count() == 0
    assert audit_count() == 0


def test_more_than_500_items_are_refused_unread(rep, account, api_as):
    item = {"kind": "note", "subject": "x", "account_id": account.pk}

    response = api_as(rep).post(
        "/api/v1/activities/bulk", {"mode": "create", "items": [item] * 501}
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["payload.items"]
    assert Activity.objects.count() == 0


def test_500_items_are_accepted(rep, account, api_as):
    item = {"kind": "note", "subject": "x", "account_id": account.pk}

    response = api_as(rep).post(
        "/api/v1/activities/bulk", {"mode": "create", "items": [item] * 500}
    )

    assert response.status_code == 201
    assert response.json()["count"] == 500
    assert Activity.objects.count() == 500


@pytest.mark.parametrize("field", ["account_id", "contact_id", "lead_id"])
def test_another_teams_record_is_an_error_on_its_item(rep, stranger, account, api_as, field):
    theirs = {
        "account_id": lambda: account_create(actor=stranger, values={"name": "Theirs"}),
        "contact_id": lambda: contact_create(actor=stranger, values={"first_name": "Theirs"}),
        "lead_id": lambda: lead_create(actor=stranger, values={"last_name": "Theirs"}),
    }[field]()
    before = Activity.objects.count(), audit_count()

    response = api_as(rep).post(
        "/api/v1/activities/bulk",
        {
            "mode": "create",
            "items": [
                {"kind": "note", "subject": "Mine", "account_id": account.pk},
                {"kind": "note", "subject": "Theirs", field: theirs.pk},
            ],
        },
    )

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {f"items.1.{field}": ["Not found."]}
    assert (Activity.objects.count(), audit_count()) == before


def test_bulk_update_changes_every_item(rep, account, api_as):
    call = activity_create(actor=rep, values={"kind": "call", "subject": "a", "account": account})
    note = activity_create(actor=rep, values={"kind": "note", "subject": "b", "account": account})

    response = api_as(rep).post(
        "/api/v1/activities/bulk",
        {
            "mode": "update",
            "items": [
                {"id": call.pk, "status": "done", "outcome": "Interested"},
                {"id": note.pk, "subject": "b, reworded", "account_id": None, "lead_id": None},
            ],
        },
    )

    # The note may not lose every link: the whole batch is refused, the call stays planned.
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {
        "items.1.account": ["Link the activity to an account, a contact or a lead."]
    }
    call.refresh_from_db()
    assert (call.status, call.outcome) == ("planned", "")

    response = api_as(rep).post(
        "/api/v1/activities/bulk",
        {
            "mode": "update",
            "items": [
                {"id": call.pk, "status": "done", "outcome": "Interested"},
                {"id": note.pk, "subject": "b, reworded"},
            ],
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert [(i["id"], i["status"]) for i in body["items"]] == [
        (call.pk, "done"),
        (note.pk, "planned"),
    ]
    call.refresh_from_db()
    note.refresh_from_db()
    assert (call.status, call.outcome, note.subject) == ("done", "Interested", "b, reworded")
    assert call.completed_at is not None
    updates = AuditEntry.objects.filter(object_type="activities.activity", action="update")
    assert sorted(updates.values_list("object_id", flat=True)) == sorted(
        [str(call.pk), str(note.pk)]
    )


def test_bulk_update_refuses_hidden_ids_missing_ids_and_completion_times(
    rep, stranger, account, api_as
):
    mine = activity_create(actor=rep, values={"kind": "call", "subject": "a", "account": account})
    their_account = account_create(actor=stranger, values={"name": "Theirs"})
    theirs = activity_create(
        actor=stranger, values={"kind": "call", "subject": "t", "account": their_account}
    )
    before = audit_count()

    response = api_as(rep).post(
        "/api/v1/activities/bulk",
        {
            "mode": "update",
            "items": [
                {"id": mine.pk, "subject": "changed"},
                {"id": theirs.pk, "subject": "mine now"},
                {"subject": "no id"},
                {"id": mine.pk, "status": "done", "completed_at": "2026-01-10T12:00:00Z"},
                {"id": mine.pk, "account_id": their_account.pk},
            ],
        },
    )

    assert response.status_code == 422, response.content
    assert response.json()["errors"] == {
        "items.1.id": ["Not found."],
        "items.2.id": ["This field is required."],
        "items.3.completed_at": ["Only a new activity takes a completion time."],
        "items.4.account_id": ["Not found."],
    }
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.subject, mine.account_id, theirs.subject) == ("a", account.pk, "t")
    assert audit_count() == before


@pytest.mark.parametrize(
    "payload,key",
    [
        (
            {"mode": "create", "items": [{"kind": "note", "subject": "x", "contact_id": "abc"}]},
            "payload.items.0.contact_id",
        ),
        ({"mode": "create", "items": [{"kind": "party", "subject": "x"}]}, "payload.items.0.kind"),
        ({"mode": "create", "items": [{"due_at": "tomorrow"}]}, "payload.items.0.due_at"),
        ({"mode": "create", "items": {"kind": "note"}}, "payload.items"),
        ({"mode": "upsert", "items": []}, "payload.mode"),
        ({"items": []}, "payload.mode"),
    ],
)
def test_wrong_types_are_refused_before_anything_is_written(rep, account, api_as, payload, key):
    response = api_as(rep).post("/api/v1/activities/bulk", payload)

    assert response.status_code == 422, response.content
    assert key in response.json()["errors"], response.json()
    assert Activity.objects.count() == 0


def test_a_read_only_token_cannot_bulk_write(rep, account, api_as):
    item = {"kind": "note", "subject": "x", "account_id": account.pk}

    response = api_as(rep, read_only=True).post(
        "/api/v1/activities/bulk", {"mode": "create", "items": [item]}
    )

    assert response.status_code == 403
    assert Activity.objects.count() == 0


def test_the_bulk_path_is_not_taken_for_an_activity_id(rep, account, api_as):
    response = api_as(rep).get("/api/v1/activities/bulk")

    assert response.status_code == 405
