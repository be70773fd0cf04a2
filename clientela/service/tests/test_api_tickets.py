"""The tickets API: open, list and filter, change, move through the lifecycle, assign, answer
and note with attachments, download them, merge and relate; the SLA clock as the API shows
it; refusals as problem+json that write nothing; another team's tickets out of sight.
Answers are checked against the OpenAPI document the API serves."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator

from clientela.customers.services import account_create, contact_create
from clientela.platform.models import AuditEntry
from clientela.platform.services.customfields import field_create
from clientela.service import selectors, services
from clientela.service.models import (
    Attachment,
    Priority,
    Queue,
    SlaPolicy,
    SlaState,
    Status,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketMessage,
)

TICKETS = "/api/v1/tickets"
ONE = "/api/v1/tickets/{ticket_id}"
PDF = b"%PDF-1.4 the invoice\n"
TOLERANCE = dt.timedelta(seconds=5)


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def agent(make_user, north):
    return make_user("service-agent", teams=[north])


@pytest.fixture
def colleague(make_user, north):
    return make_user("service-agent", teams=[north])


@pytest.fixture
def stranger(make_user, make_team):
    return make_user("service-agent", teams=[make_team("South")])


@pytest.fixture
def queue(agent, north):
    return Queue.objects.create(name="Support", lead=agent, team=north)


@pytest.fixture
def policy(db):
    """Normal and urgent targets, no calendar: the clock runs round the clock."""
    return SlaPolicy.objects.create(
        name="Standard",
        targets={
            "urgent": {"first_response": 15, "resolution": 120},
            "normal": {"first_response": 60, "resolution": 480},
        },
    )


def ticket(actor, queue: Queue, subject: str = "Printer jammed", **values: Any) -> Ticket:
    message = values.pop("message", "")
    return services.ticket_create(
        actor=actor, values={"subject": subject, "queue": queue.pk, **values}, message=message
    )


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def at(value: str | None) -> dt.datetime:
    assert value is not None
    return dt.datetime.fromisoformat(value)


def files_on_disk(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def written() -> tuple[int, int, int, int]:
    return (
        Ticket.objects.count(),
        TicketMessage.objects.count(),
        Attachment.objects.count(),
        AuditEntry.objects.count(),
    )


def document(api) -> dict[str, Any]:
    """The OpenAPI document the API serves, read once per client (it takes a moment)."""
    if not hasattr(api, "document"):
        api.document = api.get("/api/openapi.json").json()
    return api.document


def conforms(api, response, path: str, method: str = "get") -> Any:
    """The answer's body, checked against the schema the document gives for its status."""
    spec = document(api)
    answer = spec["paths"][path][method]["responses"][str(response.status_code)]
    schema = answer["content"]["application/json"]["schema"]
    body = response.json()
    Draft202012Validator({**schema, "components": spec["components"]}).validate(body)
    return body


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def refused(response, status: int = 422) -> dict[str, list[str]]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json().get("errors", {})


# --- opening, reading, listing --------------------------------------------------------------


def test_a_ticket_is_opened_with_the_customers_words_read_and_listed(agent, queue, api_as):
    account = account_create(actor=agent, values={"name": "Padaria Central"})
    ana = contact_create(actor=agent, values={"first_name": "Ana", "account": account.pk})
    category = TicketCategory.objects.create(name="Hardware")
    api = api_as(agent)

    created = api.post(
        "/api/v1/tickets",
        {
            "subject": "  Printer   jammed ",
            "queue": queue.pk,
            "priority": "high",
            "category": category.pk,
            "channel": "phone",
            "contact": ana.pk,
            "requester_email": "Ana@Example.com",
            "message": "The printer eats every page.",
        },
    )

    assert created.status_code == 201, created.content
    body = conforms(api, created, TICKETS, "post")
    assert (body["subject"], body["status"], body["priority"], body["channel"]) == (
        "Printer jammed",
        "new",
        "high",
        "phone",
    )
    assert (body["queue_id"], body["category_id"], body["contact_id"]) == (
        queue.pk,
        category.pk,
        ana.pk,
    )
    assert body["account_id"] == account.pk  # the contact's account
    assert body["requester_email"] == "ana@example.com"
    assert (body["owner_id"], body["team_id"], body["assignee_id"]) == (
        agent.pk,
        queue.team_id,
        None,
    )
    # no SLA policy covers it: no clock
    assert (body["sla_policy_id"], body["sla_state"]) == (None, "")
    assert (body["first_response_due"], body["resolution_due"]) == (None, None)
    assert (body["customer_messages"], body["transfers"], body["reopened"]) == (1, 0, 0)
    assert (body["first_contact_resolution"], body["merged_into_id"]) == (None, None)
    assert (body["related"], body["custom"]) == ([], {})

    fetched = api.get(f"/api/v1/tickets/{body['id']}")
    assert conforms(api, fetched, ONE) == body
    listed = conforms(api, api.get("/api/v1/tickets"), TICKETS)
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert "related" not in listed["items"][0]
    conversation = api.get(f"/api/v1/tickets/{body['id']}/messages").json()
    assert [(m["kind"], m["body"], m["channel"], m["author_id"]) for m in conversation] == [
        ("customer", "The printer eats every page.", "phone", None)
    ]


def test_a_ticket_sent_with_only_a_subject_takes_the_defaults(agent, queue, api_as):
    body = api_as(agent).post("/api/v1/tickets", {"subject": "Hello"}).json()

    assert (body["queue_id"], body["priority"], body["channel"], body["status"]) == (
        queue.pk,
        "normal",
        "api",
        "new",
    )
    assert body["customer_messages"] == 0
    assert not TicketMessage.objects.exists()


def test_bad_input_is_problem_json_and_writes_nothing(agent, queue, api_as):
    closed = Queue.objects.create(name="Old", lead=agent, active=False)
    api = api_as(agent)
    before = written()

    unknown_queue = api.post("/api/v1/tickets", {"subject": "x", "queue": 2**62})
    inactive_queue = api.post("/api/v1/tickets", {"subject": "x", "queue": closed.pk})
    by_service = api.post(
        "/api/v1/tickets",
        {"subject": " ", "category": 2**62, "requester_email": "not an address"},
    )
    payloads = [
        {"queue": queue.pk},  # no subject
        {"subject": "x", "channel": "fax"},
        {"subject": "x", "priority": "asap"},
        {"subject": "x", "queue": "Support"},
        {"subject": "x", "account": 2**70},
        {"subject": "x" * 501},
        {"subject": "x", "custom": ["not", "an", "object"]},
    ]

    assert refused(unknown_queue) == {"queue": ["Choose an active queue."]}
    assert refused(inactive_queue) == {"queue": ["Choose an active queue."]}
    assert set(refused(by_service)) == {"subject", "category", "requester_email"}
    for payload in payloads:
        assert refused(api.post("/api/v1/tickets", payload)), payload
    assert written() == before


def test_a_role_without_service_rights_and_a_read_only_token_cannot_open(
    agent, queue, make_user, api_as
):
    rep = make_user("sales-rep")
    ticket(agent, queue)

    no_rights = api_as(rep).post("/api/v1/tickets", {"subject": "x", "queue": queue.pk})
    read_only = api_as(agent, read_only=True).post("/api/v1/tickets", {"subject": "x"})

    assert (no_rights.status_code, no_rights.json()["code"]) == (403, "permission_denied")
    assert (read_only.status_code, read_only.json()["code"]) == (403, "read_only_token")
    assert api_as(rep).get("/api/v1/tickets").json()["items"] == []
    assert Ticket.objects.count() == 1


# --- the list -------------------------------------------------------------------------------


def test_the_list_filters_by_view_and_every_parameter(agent, colleague, queue, policy, api_as):
    billing = Queue.objects.create(name="Billing", lead=agent, team=queue.team)
    account = account_create(actor=agent, values={"name": "Padaria Central"})
    ana = contact_create(actor=agent, values={"first_name": "Ana", "account": account.pk})
    mine = ticket(agent, queue, "Screen flickers", priority="urgent")
    services.ticket_assign(actor=agent, ticket_id=mine.pk, assignee_id=agent.pk)
    theirs = ticket(agent, queue, "Keyboard missing keys")
    services.ticket_assign(actor=agent, ticket_id=theirs.pk, assignee_id=colleague.pk)
    waiting = ticket(agent, billing, "Invoice twice", contact=ana.pk)
    services.ticket_set_status(actor=agent, ticket_id=waiting.pk, status="pending")
    solved = ticket(agent, queue, "Password reset", requester_email="bia@example.com")
    services.ticket_set_status(actor=agent, ticket_id=solved.pk, status="resolved")
    shut = ticket(agent, queue, "Spam", priority="low")
    services.ticket_set_status(actor=agent, ticket_id=shut.pk, status="closed")
    late = ticket(agent, queue, "Server down")
    Ticket.objects.filter(pk=late.pk).update(sla_state=SlaState.BREACHED)  # as the sweep marks
    api = api_as(agent)

    def listed(**params: Any) -> list[int]:
        return ids(api.get("/api/v1/tickets", {"order": "newest", **params}))

    assert listed() == [late.pk, waiting.pk, theirs.pk, mine.pk]  # active is the default view
    assert listed(view="mine") == [mine.pk]
    assert listed(view="unassigned") == [late.pk, waiting.pk]
    assert listed(view="late") == [late.pk]
    assert listed(view="pending") == [waiting.pk]
    assert listed(view="resolved") == [solved.pk]
    assert listed(view="closed") == [shut.pk]
    assert listed(view="all") == [late.pk, shut.pk, solved.pk, waiting.pk, theirs.pk, mine.pk]
    assert listed(queue=billing.pk) == [waiting.pk]
    assert listed(priority="urgent") == [mine.pk]
    assert listed(view="all", priority="low") == [shut.pk]
    assert listed(sla_state="breached") == [late.pk]
    assert listed(sla_state="ok") == [waiting.pk, theirs.pk, mine.pk]
    assert listed(account=account.pk) == [waiting.pk]
    assert listed(contact=ana.pk) == [waiting.pk]
    assert listed(assignee=colleague.pk) == [theirs.pk]
    assert listed(q="KEYBOARD") == [theirs.pk]
    assert listed(view="all", q="bia@example") == [solved.pk]
    assert listed(view="all", q=f"#{shut.pk}") == [shut.pk]
    assert listed(q="nothing like it") == []
    assert listed(q="#99999999999999999999") == []  # beyond any key, not a 500
    for bad in (
        {"view": "everything"},
        {"order": "priority"},
        {"priority": "asap"},
        {"sla_state": "late"},
        {"queue": "Support"},
        {"assignee": 2**70},
        {"limit": 500},
        {"q": "x" * 101},
    ):
        refused(api.get("/api/v1/tickets", bad))


def test_the_list_orders_by_due_instant_and_pages_with_a_cursor_per_order(
    agent, queue, policy, api_as
):
    low = ticket(agent, queue, "No target", priority="low")  # no clock: last when due
    normal = [ticket(agent, queue, f"Normal {n}").pk for n in range(3)]
    urgent = ticket(agent, queue, "Urgent", priority="urgent")  # due in 15 minutes: first
    api = api_as(agent)

    def walk(order: str) -> list[int]:
        seen: list[int] = []
        cursor = None
        for _ in range(5):
            params = {"limit": 2, "order": order, **({"cursor": cursor} if cursor else {})}
            body = conforms(api, api.get("/api/v1/tickets", params), TICKETS)
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        return seen

    assert walk("due") == [urgent.pk, *normal, low.pk]
    assert walk("newest") == [urgent.pk, *normal[::-1], low.pk]
    assert walk("oldest") == [low.pk, *normal, urgent.pk]
    assert ids(api.get("/api/v1/tickets")) == walk("due")  # due is the default order
    newest_first = api.get("/api/v1/tickets", {"limit": 2, "order": "newest"}).json()
    mixed = api.get("/api/v1/tickets", {"order": "oldest", "cursor": newest_first["next_cursor"]})
    assert refused(mixed) == {
        "cursor": ["This cursor belongs to another sort order; start again from the first page."]
    }
    assert list(refused(api.get("/api/v1/tickets", {"cursor": "nonsense"}))) == ["cursor"]
    assert list(refused(api.get("/api/v1/tickets", {"cursor": "due.bm9wZQ"}))) == ["cursor"]


def test_the_list_costs_the_same_queries_for_3_or_30_tickets(agent, queue, policy, api_as):
    account = account_create(actor=agent, values={"name": "Padaria Central"})
    category = TicketCategory.objects.create(name="Hardware")
    api = api_as(agent)
    api.get("/api/v1/tickets")  # the token's first use writes last_used_at

    def queries_for(n: int) -> int:
        while Ticket.objects.count() < n:
            ticket(agent, queue, account=account.pk, category=category.pk, message="Help")
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get("/api/v1/tickets", {"limit": 50}).json()["items"]) == n
        return len(captured)

    assert queries_for(3) == queries_for(30)


# --- changes, lifecycle, assignment ---------------------------------------------------------


def test_patch_changes_only_the_fields_sent_and_a_queue_move_is_a_transfer(
    agent, make_user, make_team, queue, api_as
):
    billing_team = make_team("Billing")
    billing = Queue.objects.create(
        name="Billing", lead=make_user("service-agent"), team=billing_team
    )
    category = TicketCategory.objects.create(name="Invoices")
    mine = ticket(agent, queue, requester_email="ana@example.com")
    api = api_as(agent)
    path = f"/api/v1/tickets/{mine.pk}"

    changed = api.patch(
        f"/api/v1/tickets/{mine.pk}", {"subject": "Invoice", "category": category.pk}
    )

    body = conforms(api, changed, ONE, "patch")
    assert (body["subject"], body["category_id"], body["priority"]) == (
        "Invoice",
        category.pk,
        "normal",
    )
    assert (body["requester_email"], body["transfers"]) == ("ana@example.com", 0)
    assert refused(api.patch(path, {"queue": 2**62})) == {"queue": ["Choose an active queue."]}
    assert list(refused(api.patch(path, {"requester_email": "nope"}))) == ["requester_email"]
    assert list(refused(api.patch(path, {"subject": None}))) == ["subject"]
    assert refused(api.patch(path, {"priority": "asap"}))

    moved = api.patch(path, {"queue": billing.pk, "category": None})

    # the answer shows the change; the ticket is then the billing team's
    assert moved.status_code == 200, moved.content
    after = moved.json()
    assert (after["queue_id"], after["team_id"], after["owner_id"]) == (
        billing.pk,
        billing_team.pk,
        billing.lead_id,
    )
    assert (after["transfers"], after["category_id"]) == (1, None)
    assert api.get(path).status_code == 404


def test_a_new_priority_re_times_the_running_targets(agent, queue, policy, api_as):
    mine = ticket(agent, queue)
    api = api_as(agent)

    body = api.patch(f"/api/v1/tickets/{mine.pk}", {"priority": "urgent"}).json()

    created = at(body["created_at"])
    assert body["priority"] == "urgent"
    assert abs(at(body["first_response_due"]) - created - dt.timedelta(minutes=15)) < TOLERANCE
    assert abs(at(body["resolution_due"]) - created - dt.timedelta(minutes=120)) < TOLERANCE


def test_status_moves_follow_the_lifecycle(agent, queue, api_as):
    mine = ticket(agent, queue, message="It broke")
    api = api_as(agent)
    status = f"/api/v1/tickets/{mine.pk}/status"
    before = written()

    bad_value = api.post(f"/api/v1/tickets/{mine.pk}/status", {"status": "waiting"})
    assert list(refused(bad_value)) == ["payload.status"]
    assert written() == before

    resolved = conforms(api, api.post(status, {"status": "resolved"}), ONE + "/status", "post")
    assert (resolved["status"], resolved["first_contact_resolution"]) == ("resolved", True)
    assert resolved["resolved_at"] is not None
    reopened = api.post(status, {"status": "open"}).json()
    assert (reopened["status"], reopened["reopened"], reopened["resolved_at"]) == ("open", 1, None)
    assert reopened["first_contact_resolution"] is False
    closed = api.post(status, {"status": "closed"}).json()
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    before = written()

    again = api.post(status, {"status": "open"})

    refused(again, 409)
    assert again.json()["code"] == "invalid_transition"
    assert again.json()["title"] == "A ticket cannot go from “Closed” to “Open”."
    mine.refresh_from_db()
    assert mine.status == Status.CLOSED
    assert written() == before


def test_a_ticket_is_assigned_taken_over_and_given_back_to_the_queue(
    agent, colleague, queue, api_as
):
    mine = ticket(agent, queue)
    api = api_as(agent)
    assign = f"/api/v1/tickets/{mine.pk}/assign"

    taken = api.post(f"/api/v1/tickets/{mine.pk}/assign", {"assignee": agent.pk})
    body = conforms(api, taken, ONE + "/assign", "post")
    assert (body["assignee_id"], body["owner_id"], body["transfers"]) == (agent.pk, agent.pk, 0)
    handed = api.post(assign, {"assignee": colleague.pk}).json()
    assert (handed["assignee_id"], handed["owner_id"], handed["transfers"]) == (
        colleague.pk,
        colleague.pk,
        1,
    )
    back = api.post(assign, {"assignee": None}).json()
    assert (back["assignee_id"], back["owner_id"]) == (None, queue.lead_id)
    assert refused(api.post(assign, {"assignee": 2**62})) == {"assignee": ["Unknown user."]}
    assert refused(api.post(assign, {}))  # the key is required: null unassigns
    mine.refresh_from_db()
    assert mine.assignee_id is None


# --- the SLA clock --------------------------------------------------------------------------


def test_the_sla_clock_starts_on_open_stops_on_the_first_reply_and_pauses_while_pending(
    agent, queue, policy, api_as
):
    api = api_as(agent)

    opened = api.post("/api/v1/tickets", {"subject": "Printer jammed", "queue": queue.pk}).json()

    created = at(opened["created_at"])
    assert (opened["sla_policy_id"], opened["sla_state"]) == (policy.pk, "ok")
    assert abs(at(opened["first_response_due"]) - created - dt.timedelta(minutes=60)) < TOLERANCE
    assert abs(at(opened["resolution_due"]) - created - dt.timedelta(minutes=480)) < TOLERANCE
    assert (opened["first_response_paused"], opened["resolution_paused"]) == (False, False)
    assert (opened["first_response_left"], opened["resolution_left"]) == (None, None)
    path = f"/api/v1/tickets/{opened['id']}"

    replied = api.post(f"{path}/replies", {"body": "We are on it."})
    after_reply = api.get(path).json()

    assert replied.status_code == 201, replied.content
    assert after_reply["first_responded_at"] is not None
    assert after_reply["first_response_due"] is None
    assert after_reply["first_response_paused"] is False  # met, not paused
    assert after_reply["status"] == "open"
    assert after_reply["resolution_due"] == opened["resolution_due"]
    assert after_reply["first_response_breached"] is False

    other = api.post("/api/v1/tickets", {"subject": "Scanner", "queue": queue.pk}).json()
    waiting = api.post(f"/api/v1/tickets/{other['id']}/status", {"status": "pending"}).json()

    assert (waiting["first_response_due"], waiting["resolution_due"]) == (None, None)
    assert (waiting["first_response_paused"], waiting["resolution_paused"]) == (True, True)
    assert 3590 <= waiting["first_response_left"] <= 3600
    assert 480 * 60 - 10 <= waiting["resolution_left"] <= 480 * 60
    assert waiting["sla_state"] == "ok"

    resumed = api.post(f"/api/v1/tickets/{other['id']}/status", {"status": "open"}).json()
    now = dt.datetime.now(dt.UTC)
    left = dt.timedelta(seconds=waiting["first_response_left"])
    assert abs(at(resumed["first_response_due"]) - now - left) < TOLERANCE
    assert (resumed["first_response_left"], resumed["resolution_left"]) == (None, None)


def test_a_reply_that_leaves_the_ticket_pending_pauses_only_the_resolution_clock(
    agent, queue, policy, api_as
):
    mine = ticket(agent, queue)
    api = api_as(agent)

    api.post(f"/api/v1/tickets/{mine.pk}/replies", {"body": "Which model?", "status": "pending"})

    body = api.get(f"/api/v1/tickets/{mine.pk}").json()
    assert body["status"] == "pending"
    assert (body["first_response_due"], body["first_response_left"]) == (None, None)
    assert (body["resolution_due"], body["resolution_paused"]) == (None, True)
    assert 480 * 60 - 10 <= body["resolution_left"] <= 480 * 60


# --- the conversation -----------------------------------------------------------------------


def test_replies_and_notes_carry_attachments_that_download_as_files(agent, queue, api_as, settings):
    mine = ticket(agent, queue, requester_email="ana@example.com", message="Where is it?")
    api = api_as(agent)

    reply = api.post(
        f"/api/v1/tickets/{mine.pk}/replies",
        {
            "body": "Here is your invoice.",
            "attachments": [
                {
                    "filename": "invoice.pdf",
                    "content_type": "application/pdf",
                    "content_base64": b64(PDF),
                }
            ],
        },
    )
    note = api.post(
        f"/api/v1/tickets/{mine.pk}/notes",
        {
            "body": "Customer called twice.",
            "attachments": [{"filename": "<script>.html", "content_base64": b64(b"<b>hi</b>")}],
        },
    )

    replied = conforms(api, reply, ONE + "/replies", "post")
    assert (replied["kind"], replied["body"], replied["author_id"]) == (
        "reply",
        "Here is your invoice.",
        agent.pk,
    )
    assert replied["author_name"] == agent.display_name
    assert (replied["to_addresses"], replied["channel"], replied["delivery"]) == (
        "ana@example.com",
        "email",
        "queued",
    )
    [pdf] = replied["attachments"]
    assert (pdf["filename"], pdf["content_type"], pdf["size"]) == (
        "invoice.pdf",
        "application/pdf",
        len(PDF),
    )
    noted = conforms(api, note, ONE + "/notes", "post")
    assert (noted["kind"], noted["delivery"], noted["to_addresses"]) == ("note", "", "")
    assert [a["content_type"] for a in noted["attachments"]] == ["application/octet-stream"]

    messages = conforms(api, api.get(f"/api/v1/tickets/{mine.pk}/messages"), ONE + "/messages")
    assert [(m["kind"], len(m["attachments"])) for m in messages] == [
        ("customer", 0),
        ("reply", 1),
        ("note", 1),
    ]
    assert len(files_on_disk(settings)) == 2

    download = api.get(f"/api/v1/ticket-attachments/{pdf['id']}")

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    html = api.get(f"/api/v1/ticket-attachments/{noted['attachments'][0]['id']}")
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"].startswith("attachment;")
    assert b"".join(html.streaming_content) == b"<b>hi</b>"  # read whole: the client closes it
    assert api.get(f"/api/v1/ticket-attachments/{2**62}").status_code == 404


def test_bad_attachments_are_refused_and_nothing_is_written(agent, queue, api_as, settings):
    settings.SERVICE_ATTACHMENT_MAX_BYTES = 1024 * 1024
    mine = ticket(agent, queue, message="Help")
    api = api_as(agent)
    replies = f"/api/v1/tickets/{mine.pk}/replies"
    good = {"filename": "ok.txt", "content_base64": b64(b"fine")}
    before, disk = written(), files_on_disk(settings)

    def attaching(*files: dict[str, str]) -> Any:
        return api.post(replies, {"body": "See attached.", "attachments": [good, *files]})

    not_base64 = attaching({"filename": "a.txt", "content_base64": "bm9wZQ=!"})
    unpadded = attaching({"filename": "a.txt", "content_base64": "bm9wZQ"})
    not_ascii = attaching({"filename": "a.txt", "content_base64": "çãõ="})
    wrapped = attaching({"filename": "a.txt", "content_base64": b64(b"x" * 100)[:40] + "\n"})
    program = attaching({"filename": "setup.EXE", "content_base64": b64(b"MZ")})
    too_big = attaching({"filename": "big.bin", "content_base64": b64(b"x" * (1024 * 1024 + 1))})
    in_a_note = api.post(
        f"/api/v1/tickets/{mine.pk}/notes",
        {"body": "x", "attachments": [{"filename": "run.js", "content_base64": b64(b"1")}]},
    )

    base64_error = {"attachments.1.content_base64": ["This is not valid base64."]}
    for response in (not_base64, unpadded, not_ascii, wrapped):
        assert refused(response) == base64_error
    assert refused(program) == {
        "attachments": ["“setup.EXE”: files of this type are not accepted."]
    }
    assert refused(too_big) == {"attachments.1.content_base64": ["The file is larger than 1 MB."]}
    assert list(refused(in_a_note)) == ["attachments"]
    assert refused(api.post(replies, {"body": "x", "attachments": [good] * 11}))
    assert written() == before
    assert files_on_disk(settings) == disk
    mine.refresh_from_db()
    assert (mine.status, mine.first_responded_at) == (Status.NEW, None)


def test_a_closed_ticket_takes_no_reply_and_an_empty_body_is_refused(agent, queue, api_as):
    mine = ticket(agent, queue)
    api = api_as(agent)
    empty = api.post(f"/api/v1/tickets/{mine.pk}/notes", {"body": "   "})
    services.ticket_set_status(actor=agent, ticket_id=mine.pk, status="closed")
    before = written()

    late = api.post(f"/api/v1/tickets/{mine.pk}/replies", {"body": "Still there?"})

    assert refused(empty) == {"body": ["Write a message."]}
    refused(late, 409)
    assert late.json()["code"] == "ticket_closed"
    assert written() == before


# --- merges and related tickets -------------------------------------------------------------


def test_a_merge_moves_the_conversation_and_closes_the_source(agent, queue, api_as):
    first = ticket(agent, queue, "Printer jammed", message="It jams.")
    second = ticket(agent, queue, "Printer again", message="Still jams.")
    api = api_as(agent)

    merged = api.post(f"/api/v1/tickets/{second.pk}/merge", {"into": first.pk})

    body = conforms(api, merged, ONE + "/merge", "post")
    assert (body["id"], body["customer_messages"]) == (first.pk, 2)
    source = api.get(f"/api/v1/tickets/{second.pk}").json()
    assert (source["status"], source["merged_into_id"]) == ("closed", first.pk)
    messages = api.get(f"/api/v1/tickets/{first.pk}/messages").json()
    assert [m["body"] for m in messages] == ["It jams.", "Still jams."]
    assert api.get(f"/api/v1/tickets/{second.pk}/messages").json() == []
    itself = api.post(f"/api/v1/tickets/{first.pk}/merge", {"into": first.pk})
    assert refused(itself) == {"into": ["A ticket cannot be merged into itself."]}
    into_closed = api.post(f"/api/v1/tickets/{first.pk}/merge", {"into": second.pk})
    refused(into_closed, 409)


def test_related_tickets_show_on_both_sides_until_unrelated(agent, queue, api_as):
    printer = ticket(agent, queue, "Printer jammed")
    scanner = ticket(agent, queue, "Scanner jammed")
    api = api_as(agent)

    related = api.post(f"/api/v1/tickets/{printer.pk}/related", {"ticket": scanner.pk})

    assert conforms(api, related, ONE + "/related", "post")["related"] == [scanner.pk]
    assert api.get(f"/api/v1/tickets/{scanner.pk}").json()["related"] == [printer.pk]
    assert refused(api.post(f"/api/v1/tickets/{printer.pk}/related", {"ticket": printer.pk}))

    gone = api.delete(f"/api/v1/tickets/{scanner.pk}/related/{printer.pk}")

    assert gone.status_code == 204
    assert api.get(f"/api/v1/tickets/{printer.pk}").json()["related"] == []
    assert not printer.related.exists()


# --- visibility -----------------------------------------------------------------------------


def test_another_teams_ticket_answers_404_everywhere_and_is_untouched(
    agent, stranger, queue, make_team, api_as
):
    theirs = ticket(agent, queue, "Ours", message="Help")
    services.ticket_set_status(actor=agent, ticket_id=theirs.pk, status="open")
    note = api_as(agent).post(
        f"/api/v1/tickets/{theirs.pk}/notes",
        {"body": "Secret", "attachments": [{"filename": "a.txt", "content_base64": b64(b"a")}]},
    )
    attachment = note.json()["attachments"][0]["id"]
    south = Queue.objects.create(name="South desk", lead=stranger, team=make_team("Far"))
    own = ticket(stranger, south, "Theirs", message="Mine")
    api = api_as(stranger)
    path = f"/api/v1/tickets/{theirs.pk}"
    before = written()

    answers = [
        api.get(path),
        api.patch(path, {"subject": "Taken"}),
        api.post(f"{path}/status", {"status": "closed"}),
        api.post(f"{path}/assign", {"assignee": stranger.pk}),
        api.get(f"{path}/messages"),
        api.post(f"{path}/replies", {"body": "Hi"}),
        api.post(f"{path}/notes", {"body": "Hi"}),
        api.post(f"{path}/merge", {"into": own.pk}),
        api.post(f"{path}/related", {"ticket": own.pk}),
        api.delete(f"{path}/related/{own.pk}"),
        api.get(f"/api/v1/ticket-attachments/{attachment}"),
        # their id given as the other side
        api.post(f"/api/v1/tickets/{own.pk}/merge", {"into": theirs.pk}),
        api.post(f"/api/v1/tickets/{own.pk}/related", {"ticket": theirs.pk}),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert {a.json()["code"] for a in answers} == {"not_found"}
    assert ids(api.get("/api/v1/tickets", {"view": "all"})) == [own.pk]
    assert ids(api.get("/api/v1/tickets", {"q": f"#{theirs.pk}"})) == []
    assert api.get(f"/api/v1/tickets/{2**70}").status_code == 404  # beyond any key, not a 500
    assert refused(api.get("/api/v1/tickets/abc"))
    assert written() == before
    theirs.refresh_from_db()
    own.refresh_from_db()
    assert (theirs.subject, theirs.status, theirs.assignee_id) == ("Ours", "open", None)
    assert (own.status, own.merged_into_id, own.customer_messages) == ("new", None, 1)
    assert list(own.messages.values_list("body", flat=True)) == ["Mine"]
    assert not own.related.exists()


def test_a_teammate_sees_and_works_the_teams_tickets(agent, colleague, queue, api_as):
    ours = ticket(agent, queue)
    api = api_as(colleague)

    assert ids(api.get("/api/v1/tickets")) == [ours.pk]
    answered = api.post(f"/api/v1/tickets/{ours.pk}/replies", {"body": "On it."})
    assert answered.status_code == 201


# --- custom fields and the document ---------------------------------------------------------


def test_custom_fields_go_in_and_out_as_the_document_describes(agent, queue, admin_user, api_as):
    field_create(
        actor=admin_user,
        values={
            "object_type": "service.ticket",
            "key": "serial",
            "label": "Serial number",
            "field_type": "text",
        },
    )
    api = api_as(agent)

    created = api.post("/api/v1/tickets", {"subject": "x", "custom": {"serial": "AB-12"}})
    changed = api.patch(f"/api/v1/tickets/{created.json()['id']}", {"custom": {"serial": None}})
    wrong = api.post("/api/v1/tickets", {"subject": "x", "custom": {"serial": ["AB"]}})
    unknown = api.post("/api/v1/tickets", {"subject": "x", "custom": {"colour": "red"}})

    assert conforms(api, created, TICKETS, "post")["custom"] == {"serial": "AB-12"}
    assert changed.json()["custom"] == {"serial": None}
    assert list(refused(wrong)) == ["custom.serial"]
    assert refused(unknown)
    spec = api.get("/api/openapi.json").json()["components"]["schemas"]
    assert spec["TicketOut"]["properties"]["custom"]["$ref"].endswith("TicketCustomOut")
    assert "serial" in spec["TicketCustomOut"]["properties"]
    assert Ticket.objects.count() == 1


def test_the_documents_choices_are_the_models(api_as, agent):
    spec = api_as(agent).get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    params = {p["name"]: p for p in spec["paths"][TICKETS]["get"]["parameters"]}

    def choices(schema: dict[str, Any]) -> list[str]:
        options = schema.get("anyOf", [schema])
        return next(o["enum"] for o in options if "enum" in o)

    assert choices(schemas["TicketStatusIn"]["properties"]["status"]) == Status.values
    assert choices(schemas["TicketIn"]["properties"]["priority"]) == Priority.values
    assert sorted(choices(schemas["TicketIn"]["properties"]["channel"])) == sorted(
        TicketChannel.values
    )
    assert choices(params["sla_state"]["schema"]) == SlaState.values
    assert choices(params["view"]["schema"]) == list(selectors.VIEWS)
    assert choices(params["order"]["schema"]) == list(selectors.ORDERINGS)


def test_every_ticket_field_and_parameter_is_described_in_the_document(api_as, agent):
    spec = api_as(agent).get("/api/openapi.json").json()
    undescribed = []
    for path, operations in spec["paths"].items():
        if not path.startswith(("/api/v1/tickets", "/api/v1/ticket-attachments")):
            continue
        for method, operation in operations.items():
            undescribed += [
                f"{method} {path} ?{p['name']}"
                for p in operation.get("parameters", [])
                if p["in"] == "query" and not p.get("description")
            ]
            if not operation.get("summary"):
                undescribed.append(f"{method} {path}")
    for name, schema in spec["components"]["schemas"].items():
        if name.startswith("Ticket") and "Custom" not in name:
            undescribed += [
                f"{name}.{prop}"
                for prop, value in schema.get("properties", {}).items()
                if not value.get("description")
            ]
    assert not undescribed
