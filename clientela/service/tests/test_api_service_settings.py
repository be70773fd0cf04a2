"""The service desk's set-up through the API: queues, business calendars and the public holidays
that close them, SLA policies, support mailboxes (checked against a real dovecot) and ticket
categories. Changes send only what differs; refusals are problem+json that write nothing; the
set-up is the administrators' to change and the managers' to read; a mailbox's password never
comes back. Answers are checked against the OpenAPI document the API serves."""

from __future__ import annotations

import zoneinfo
from typing import Any, get_args

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator

from clientela.platform.models import AuditEntry
from clientela.service import services
from clientela.service.models import (
    Assignment,
    BusinessCalendar,
    Queue,
    SlaPolicy,
    TicketCategory,
)
from clientela.service.models_mail import MailAccount
from clientela.service.schemas_settings import AssignmentValue
from clientela.testing.imap import DovecotServer, imap_server_fixture  # noqa: F401

QUEUES = "/api/v1/service/queues"
CALENDARS = "/api/v1/service/calendars"
POLICIES = "/api/v1/service/sla-policies"
MAILBOXES = "/api/v1/service/mailboxes"
CATEGORIES = "/api/v1/service/categories"
WEEKDAYS = {day: ["09:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
SECRET = "Tr0ub4dor&3-imap"


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def lead(make_user, north):
    return make_user("service-agent", teams=[north])


@pytest.fixture
def admin(admin_user, api_as):
    return api_as(admin_user)


@pytest.fixture
def support(admin, lead, north):
    """A queue made through the API: the North team's, led by its agent."""
    made = admin.post(QUEUES, {"name": "Support", "lead": lead.pk, "team": north.pk})
    assert made.status_code == 201, made.content
    return made.json()


def document(api) -> dict[str, Any]:
    """The OpenAPI document the API serves, read once per client (it takes a moment)."""
    if not hasattr(api, "document"):
        api.document = api.get("/api/openapi.json").json()
    return api.document


def conforms(api, response, path: str, method: str = "get", status: int = 200) -> Any:
    """The answer's body, checked against the schema the document gives for its status."""
    assert response.status_code == status, response.content
    spec = document(api)
    answer = spec["paths"][path][method]["responses"][str(status)]
    schema = answer["content"]["application/json"]["schema"]
    body = response.json()
    Draft202012Validator({**schema, "components": spec["components"]}).validate(body)
    return body


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def refused(response, status: int = 422) -> dict[str, list[str]]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json().get("errors", {})


def counts() -> tuple[int, ...]:
    tables = (Queue, BusinessCalendar, SlaPolicy, MailAccount, TicketCategory, AuditEntry)
    return tuple(t.objects.count() for t in tables)


def stored(model, pk: int) -> dict[str, Any]:
    return model.objects.filter(pk=pk).values().get()


# --- queues --------------------------------------------------------------------------------


def test_queues_are_created_listed_read_changed_and_deleted(admin, lead, north, support):
    hours = admin.post(CALENDARS, {"name": "Office", "hours": WEEKDAYS}).json()
    created = admin.post(
        "/api/v1/service/queues",
        {
            "name": " Billing ",
            "email": "Billing@Acme.test",
            "lead": lead.pk,
            "assignment": "round_robin",
            "calendar": hours["id"],
            "acknowledge": False,
            "position": 1,
        },
    )

    body = conforms(admin, created, QUEUES, "post", 201)
    assert body == {
        "id": body["id"],
        "name": "Billing",
        "email": "billing@acme.test",
        "team_id": None,
        "lead_id": lead.pk,
        "assignment": "round_robin",
        "calendar_id": hours["id"],
        "acknowledge": False,
        "active": True,
        "position": 1,
    }
    admin.post(QUEUES, {"name": "Archive", "lead": lead.pk, "active": False, "position": 1})
    assert names(admin.get("/api/v1/service/queues")) == ["Support", "Archive", "Billing"]
    assert names(admin.get(QUEUES, {"active": "false"})) == ["Archive"]
    first = conforms(admin, admin.get(QUEUES, {"limit": 2}), QUEUES)
    rest = admin.get(QUEUES, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [q["name"] for q in first["items"] + rest["items"]] == ["Support", "Archive", "Billing"]
    assert rest["next_cursor"] is None
    one = f"{QUEUES}/{body['id']}"
    fetched = admin.get(f"/api/v1/service/queues/{body['id']}")
    assert conforms(admin, fetched, "/api/v1/service/queues/{queue_id}") == body

    changed = admin.patch(f"/api/v1/service/queues/{body['id']}", {"team": north.pk})

    after = conforms(admin, changed, "/api/v1/service/queues/{queue_id}", "patch")
    assert after == {**body, "team_id": north.pk}
    cleared = admin.patch(one, {"calendar": None, "name": "Invoices", "active": False}).json()
    assert cleared == {**after, "calendar_id": None, "name": "Invoices", "active": False}
    updates = AuditEntry.objects.filter(
        object_type="service.queue", object_id=str(body["id"]), action="update"
    )
    assert [set(e.changes) for e in updates.order_by("seq")] == [
        {"team"},
        {"calendar", "name", "active"},
    ]
    assert admin.delete(f"/api/v1/service/queues/{body['id']}").status_code == 204
    assert admin.get(one).status_code == 404
    assert admin.delete(one).status_code == 404
    assert admin.patch(one, {"name": "Gone"}).status_code == 404
    assert admin.get(f"{QUEUES}/{2**70}").status_code == 404


def test_a_queue_with_tickets_or_mail_cannot_be_deleted(admin, admin_user, support):
    services.ticket_create(
        actor=admin_user, values={"subject": "Printer jammed", "queue": support["id"]}, message=""
    )
    before = counts()

    answer = admin.delete(f"{QUEUES}/{support['id']}")

    refused(answer, 409)
    assert answer.json()["title"] == "It is in use; deactivate it instead."
    assert counts() == before
    assert admin.patch(f"{QUEUES}/{support['id']}", {"active": False}).json()["active"] is False


def test_bad_queue_input_is_named_and_writes_nothing(admin, lead, support):
    before = counts()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "Sales", "lead": lead.pk, "email": "not an address"}, "email"),
        ({"name": "Support", "lead": lead.pk}, "name"),
        ({"name": "  ", "lead": lead.pk}, "name"),
        ({"name": "Sales", "lead": 2**40}, "lead"),
        ({"name": "Sales", "lead": lead.pk, "team": 2**40}, "team"),
        ({"name": "Sales", "lead": lead.pk, "calendar": 2**40}, "calendar"),
        ({"name": "Sales"}, "payload.lead"),
        ({"name": "Sales", "lead": lead.pk, "assignment": "random"}, "payload.assignment"),
        ({"name": "Sales", "lead": lead.pk, "position": -1}, "payload.position"),
        ({"name": "Sales", "lead": lead.pk, "team": 0}, "payload.team"),
    ]

    for payload, field in cases:
        assert list(refused(admin.post(QUEUES, payload))) == [field], payload
    for payload, field in [({"name": None}, "payload.name"), ({"lead": None}, "payload.lead")]:
        assert list(refused(admin.patch(f"{QUEUES}/{support['id']}", payload))) == [field]

    errors = refused(admin.post(QUEUES, {"name": "Sales", "lead": lead.pk, "email": "x@"}))
    assert errors == {"email": ["Enter a valid e-mail address."]}
    assert counts() == before
    assert admin.get(f"{QUEUES}/{support['id']}").json()["name"] == "Support"


def test_the_assignment_choices_are_the_models():
    assert set(get_args(AssignmentValue)) == set(Assignment.values)


# --- business calendars --------------------------------------------------------------------


def test_calendars_are_created_listed_read_changed_and_deleted(admin):
    created = admin.post(
        "/api/v1/service/calendars",
        {
            "name": "São Paulo office",
            "timezone": "America/Sao_Paulo",
            "hours": {"mon": ["13:00-18:00", "08:00-12:00"], "sat": ["09:00-13:00"]},
            "country": "br",
            "subdivision": "sp",
            "closed_days": ["2026-12-24", "2026-12-31"],
            "open_days": ["2026-11-20"],
        },
    )

    body = conforms(admin, created, CALENDARS, "post", 201)
    assert body == {
        "id": body["id"],
        "name": "São Paulo office",
        "timezone": "America/Sao_Paulo",
        "hours": {
            "mon": ["08:00-12:00", "13:00-18:00"],
            "tue": [],
            "wed": [],
            "thu": [],
            "fri": [],
            "sat": ["09:00-13:00"],
            "sun": [],
        },
        "country": "BR",
        "subdivision": "SP",
        "closed_days": ["2026-12-24", "2026-12-31"],
        "open_days": ["2026-11-20"],
    }
    admin.post(CALENDARS, {"name": "Lisbon", "timezone": "Europe/Lisbon", "hours": WEEKDAYS})
    assert names(admin.get("/api/v1/service/calendars")) == ["Lisbon", "São Paulo office"]
    one = "/api/v1/service/calendars/{calendar_id}"
    assert conforms(admin, admin.get(f"/api/v1/service/calendars/{body['id']}"), one) == body

    renamed = admin.patch(f"/api/v1/service/calendars/{body['id']}", {"name": "SP"})

    assert conforms(admin, renamed, one, "patch") == {**body, "name": "SP"}
    rehoured = admin.patch(
        f"{CALENDARS}/{body['id']}", {"hours": {"sun": ["00:00-24:00"]}, "closed_days": []}
    ).json()
    assert rehoured["hours"]["mon"] == []
    assert rehoured["hours"]["sun"] == ["00:00-24:00"]
    assert (rehoured["closed_days"], rehoured["open_days"]) == ([], ["2026-11-20"])
    assert admin.delete(f"/api/v1/service/calendars/{body['id']}").status_code == 204
    assert admin.get(f"{CALENDARS}/{body['id']}").status_code == 404
    assert names(admin.get(CALENDARS)) == ["Lisbon"]


def test_bad_calendar_input_is_named_and_writes_nothing(admin):
    made = admin.post(CALENDARS, {"name": "Office", "hours": WEEKDAYS}).json()
    before = counts()
    good = {"name": "Night shift", "hours": WEEKDAYS}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"hours": {"mon": ["18:00-09:00"]}}, "hours"),
        ({"hours": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "hours"),
        ({"hours": {"funday": ["09:00-12:00"]}}, "hours"),
        ({"hours": {"mon": ["9h-18h"]}}, "hours"),
        ({"country": "ZZ"}, "country"),
        ({"country": "BR", "subdivision": "XX"}, "country"),
        ({"subdivision": "SP"}, "country"),
        ({"name": "Office"}, "name"),
        ({"closed_days": ["2026-02-30"]}, "payload.closed_days.0"),
        ({"hours": {"mon": "09:00-18:00"}}, "payload.hours.mon"),
    ]

    for change, field in cases:
        assert list(refused(admin.post(CALENDARS, {**good, **change}))) == [field], change
        if field != "name":
            answer = admin.patch(f"{CALENDARS}/{made['id']}", change)
            assert list(refused(answer)) == [field], change

    zone = refused(admin.post(CALENDARS, {**good, "timezone": "Mars/Olympus_Mons"}))
    assert zone == {"timezone": ["Choose a time zone such as America/Sao_Paulo."]}
    country = refused(admin.post(CALENDARS, {**good, "country": "ZZ"}))
    assert country == {"country": ["Unknown country or state for public holidays."]}
    hours = refused(admin.post(CALENDARS, {**good, "hours": {"mon": ["18:00-09:00"]}}))
    assert hours["hours"][0].startswith("The opening hours are not valid: mon: ")
    assert list(refused(admin.post(CALENDARS, {"name": "No hours"}))) == ["payload.hours"]
    assert counts() == before


def test_a_calendar_in_use_cannot_be_deleted(admin, lead):
    office = admin.post(CALENDARS, {"name": "Office", "hours": WEEKDAYS}).json()
    night = admin.post(CALENDARS, {"name": "Night", "hours": {"sat": ["00:00-06:00"]}}).json()
    admin.post(QUEUES, {"name": "Support", "lead": lead.pk, "calendar": office["id"]})
    admin.post(POLICIES, {"name": "Gold", "targets": {}, "calendar": night["id"]})
    before = counts()

    answers = [admin.delete(f"{CALENDARS}/{c['id']}") for c in (office, night)]

    assert [a.status_code for a in answers] == [409, 409]
    assert {a.json()["code"] for a in answers} == {"conflict"}
    assert counts() == before


def test_a_calendars_holidays_are_its_countrys_less_the_ones_it_works(admin, lead):
    made = admin.post(
        CALENDARS,
        {
            "name": "São Paulo",
            "hours": WEEKDAYS,
            "country": "BR",
            "subdivision": "SP",
            "open_days": ["2026-11-20", "2026-11-02"],
        },
    ).json()
    path = "/api/v1/service/calendars/{calendar_id}/holidays"

    answer = admin.get(f"/api/v1/service/calendars/{made['id']}/holidays?year=2026")

    assert conforms(admin, answer, path) == [
        {"date": "2026-01-01", "name": "Universal Fraternization Day"},
        {"date": "2026-04-03", "name": "Good Friday"},
        {"date": "2026-04-21", "name": "Tiradentes' Day"},
        {"date": "2026-05-01", "name": "Worker's Day"},
        {"date": "2026-07-09", "name": "Constitutionalist Revolution"},
        {"date": "2026-09-07", "name": "Independence Day"},
        {"date": "2026-10-12", "name": "Our Lady of Aparecida"},
        {"date": "2026-11-15", "name": "Republic Proclamation Day"},
        {"date": "2026-12-25", "name": "Christmas Day"},
    ]
    in_portuguese = admin.client.get(
        f"{CALENDARS}/{made['id']}/holidays",
        {"year": 2027},
        headers={**admin.headers, "Accept-Language": "pt-BR"},
    ).json()
    assert in_portuguese[:2] == [
        {"date": "2027-01-01", "name": "Confraternização Universal"},
        {"date": "2027-03-26", "name": "Sexta-feira Santa"},
    ]
    this_year = admin.get(f"{CALENDARS}/{made['id']}/holidays").json()
    sao_paulo = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Sao_Paulo"))
    assert {day["date"][:4] for day in this_year} == {str(sao_paulo.year)}
    lisbon = admin.post(CALENDARS, {"name": "Lisbon", "hours": WEEKDAYS}).json()
    assert admin.get(f"{CALENDARS}/{lisbon['id']}/holidays", {"year": 2026}).json() == []
    assert list(refused(admin.get(f"{CALENDARS}/{made['id']}/holidays", {"year": 1800}))) == [
        "year"
    ]
    assert admin.get(f"{CALENDARS}/{2**40}/holidays").status_code == 404


# --- SLA policies ---------------------------------------------------------------------------


def test_sla_policies_are_created_listed_read_changed_and_deleted(admin, support):
    office = admin.post(CALENDARS, {"name": "Office", "hours": WEEKDAYS}).json()
    targets = {
        "urgent": {"first_response": 30, "resolution": 240},
        "normal": {"first_response": 240},
    }
    created = admin.post(
        "/api/v1/service/sla-policies",
        {
            "name": "Gold",
            "position": 2,
            "targets": targets,
            "calendar": office["id"],
            "queue": support["id"],
            "warn_percent": 75,
        },
    )

    body = conforms(admin, created, POLICIES, "post", 201)
    assert body == {
        "id": body["id"],
        "name": "Gold",
        "position": 2,
        "calendar_id": office["id"],
        "targets": targets,
        "queue_id": support["id"],
        "tier_id": None,
        "warn_percent": 75,
        "active": True,
    }
    admin.post(POLICIES, {"name": "Standard", "position": 9, "targets": {}})
    admin.post(POLICIES, {"name": "Silver", "position": 2, "targets": {}, "active": False})
    assert names(admin.get("/api/v1/service/sla-policies")) == ["Gold", "Silver", "Standard"]
    assert names(admin.get(POLICIES, {"active": True})) == ["Gold", "Standard"]
    one = "/api/v1/service/sla-policies/{policy_id}"
    assert conforms(admin, admin.get(f"/api/v1/service/sla-policies/{body['id']}"), one) == body

    warned = admin.patch(f"/api/v1/service/sla-policies/{body['id']}", {"warn_percent": 90})

    assert conforms(admin, warned, one, "patch") == {**body, "warn_percent": 90}
    retargeted = admin.patch(
        f"{POLICIES}/{body['id']}",
        {"targets": {"high": {"resolution": 480, "first_response": None}}, "queue": None},
    ).json()
    assert (retargeted["targets"], retargeted["queue_id"]) == ({"high": {"resolution": 480}}, None)
    assert stored(SlaPolicy, body["id"])["targets"] == {"high": {"resolution": 480}}
    assert admin.delete(f"/api/v1/service/sla-policies/{body['id']}").status_code == 204
    assert names(admin.get(POLICIES)) == ["Silver", "Standard"]


def test_bad_sla_policy_input_is_named_and_writes_nothing(admin):
    made = admin.post(POLICIES, {"name": "Gold", "targets": {}}).json()
    before = counts()
    typed = "payload.targets.urgent.first_response"  # a JSON integer, not a string or boolean
    cases: list[tuple[dict[str, Any], str]] = [
        ({"targets": {"urgent": {"first_response": 0}}}, "targets.urgent.first_response"),
        ({"targets": {"low": {"resolution": 527041}}}, "targets.low.resolution"),
        ({"targets": {"high": {"resolution": -5}}}, "targets.high.resolution"),
        ({"targets": {"critical": {"resolution": 60}}}, "targets"),
        ({"targets": {"urgent": {"first_response": "30"}}}, typed),
        ({"targets": {"urgent": {"first_response": True}}}, typed),
        ({"warn_percent": 101}, "payload.warn_percent"),
        ({"calendar": 2**40}, "calendar"),
        ({"tier": 2**40}, "tier"),
    ]

    for change, field in cases:
        answer = admin.post(POLICIES, {"name": "Silver", "targets": {}, **change})
        assert list(refused(answer)) == [field], change
        assert list(refused(admin.patch(f"{POLICIES}/{made['id']}", change))) == [field]

    zero = refused(admin.post(POLICIES, {"name": "Silver", **cases[0][0]}))
    assert zero == {"targets.urgent.first_response": ["Enter minutes from 1 to 527040."]}
    taken = refused(admin.post(POLICIES, {"name": "Gold", "targets": {}}))
    assert taken == {"name": ["This name is taken."]}
    assert list(refused(admin.post(POLICIES, {"name": "Silver"}))) == ["payload.targets"]
    assert counts() == before


# --- mailboxes ------------------------------------------------------------------------------


def test_mailboxes_never_answer_their_password(admin, support):
    created = admin.post(
        "/api/v1/service/mailboxes",
        {
            "name": "Help",
            "queue": support["id"],
            "host": "imap.acme.test",
            "username": "help@acme.test",
            "password": SECRET,
            "processed_folder": "Done",
        },
    )

    body = conforms(admin, created, MAILBOXES, "post", 201)
    assert body == {
        "id": body["id"],
        "name": "Help",
        "queue_id": support["id"],
        "host": "imap.acme.test",
        "port": 993,
        "use_ssl": True,
        "starttls": False,
        "username": "help@acme.test",
        "folder": "INBOX",
        "processed_folder": "Done",
        "active": True,
        "last_polled_at": None,
        "last_error": "",
    }
    one = f"/api/v1/service/mailboxes/{body['id']}"
    spec = "/api/v1/service/mailboxes/{mailbox_id}"
    answers = [
        admin.get("/api/v1/service/mailboxes"),
        admin.get(f"/api/v1/service/mailboxes/{body['id']}"),
        admin.patch(f"/api/v1/service/mailboxes/{body['id']}", {"port": 1993, "active": False}),
        admin.get(MAILBOXES, {"active": False}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert all(SECRET not in a.content.decode() for a in (created, *answers))
    assert all("password" not in a.content.decode() for a in (created, *answers))
    assert conforms(admin, answers[1], spec) == body
    assert conforms(admin, answers[2], spec, "patch") == {**body, "port": 1993, "active": False}
    assert stored(MailAccount, body["id"])["password"] == SECRET  # kept without a password
    assert admin.patch(one, {"password": ""}).status_code == 200
    assert stored(MailAccount, body["id"])["password"] == SECRET
    assert SECRET not in admin.patch(one, {"password": "n3w-Secret"}).content.decode()
    assert stored(MailAccount, body["id"])["password"] == "n3w-Secret"
    assert admin.delete(f"/api/v1/service/mailboxes/{body['id']}").status_code == 204
    assert admin.get(MAILBOXES).json()["items"] == []


def test_a_mailbox_password_stays_out_of_the_audit_trail(admin, support):
    mailbox = {"name": "Help", "queue": support["id"], "host": "h", "username": "u"}
    made = admin.post(MAILBOXES, {**mailbox, "password": SECRET}).json()
    admin.patch(f"{MAILBOXES}/{made['id']}", {"password": SECRET + "-2"})

    trail = admin.get(
        "/api/v1/audit", {"object_type": "service.mailbox", "object_id": str(made["id"])}
    )

    assert trail.status_code == 200
    assert len(trail.json()["items"]) == 2
    assert SECRET not in trail.content.decode()


def test_bad_mailbox_input_is_named_and_writes_nothing(admin, support):
    good = {"name": "Help", "queue": support["id"], "host": "h", "username": "u", "password": "p"}
    made = admin.post(MAILBOXES, good).json()
    before = counts()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "Help"}, "name"),
        ({"queue": 2**40}, "queue"),
        ({"host": "   "}, "host"),
        ({"username": ""}, "username"),
        ({"port": 0}, "payload.port"),
        ({"queue": None}, "payload.queue"),
        ({"password": None}, "payload.password"),
    ]

    for change, field in cases:
        answer = admin.post(MAILBOXES, {**good, "name": "Sales", **change})
        assert list(refused(answer)) == [field], change
    no_password = {**good, "name": "Sales", "password": ""}
    assert list(refused(admin.post(MAILBOXES, no_password))) == ["password"]
    assert list(refused(admin.patch(f"{MAILBOXES}/{made['id']}", {"host": ""}))) == ["host"]
    assert counts() == before


def test_a_mailbox_check_signs_in_to_the_real_server(admin, support, imap_server: DovecotServer):
    account = imap_server.new_user()
    made = admin.post(
        MAILBOXES,
        {
            "name": "Help",
            "queue": support["id"],
            "host": account.host,
            "port": account.port,
            "use_ssl": False,
            "username": account.user,
            "password": account.password,
        },
    ).json()
    path = "/api/v1/service/mailboxes/{mailbox_id}/check"

    works = admin.post(f"/api/v1/service/mailboxes/{made['id']}/check")

    assert conforms(admin, works, path, "post") == {"ok": True, "error": ""}
    admin.patch(f"{MAILBOXES}/{made['id']}", {"password": "wrong-" + account.password})
    fails = admin.post(f"{MAILBOXES}/{made['id']}/check")
    body = conforms(admin, fails, path, "post")
    assert body["ok"] is False
    assert body["error"] == "The IMAP server rejected the user name or password."
    assert account.password not in fails.content.decode()
    assert stored(MailAccount, made["id"])["last_uid"] == 0  # a check reads nothing
    assert admin.post(f"{MAILBOXES}/{2**40}/check").status_code == 404


# --- categories -----------------------------------------------------------------------------


def test_categories_are_created_listed_changed_and_deleted(admin):
    created = admin.post("/api/v1/service/categories", {"name": "Billing"})
    body = conforms(admin, created, CATEGORIES, "post", 201)
    assert body == {"id": body["id"], "name": "Billing", "active": True, "skills": []}
    admin.post(CATEGORIES, {"name": "Access", "active": False})
    before = counts()
    assert list(refused(admin.post(CATEGORIES, {"name": "Billing"}))) == ["name"]
    assert list(refused(admin.post(CATEGORIES, {"name": " "}))) == ["name"]
    assert list(refused(admin.post(CATEGORIES, {"name": "x" * 101}))) == ["payload.name"]
    assert counts() == before
    assert names(admin.get("/api/v1/service/categories")) == ["Access", "Billing"]
    assert names(admin.get(CATEGORIES, {"active": True})) == ["Billing"]
    one = "/api/v1/service/categories/{category_id}"
    assert conforms(admin, admin.get(f"/api/v1/service/categories/{body['id']}"), one) == body

    changed = admin.patch(f"/api/v1/service/categories/{body['id']}", {"active": False})

    assert conforms(admin, changed, one, "patch") == {**body, "active": False}
    assert admin.delete(f"/api/v1/service/categories/{body['id']}").status_code == 204
    assert names(admin.get(CATEGORIES)) == ["Access"]


# --- who may do what ------------------------------------------------------------------------


@pytest.fixture
def set_up(admin, support):
    """One record of each kind, made by the administrator."""
    made = {"queues": support}
    made["calendars"] = admin.post(CALENDARS, {"name": "Office", "hours": WEEKDAYS}).json()
    made["sla-policies"] = admin.post(POLICIES, {"name": "Gold", "targets": {}}).json()
    made["categories"] = admin.post(CATEGORIES, {"name": "Billing"}).json()
    mailbox = {"name": "Help", "queue": support["id"], "host": "h", "username": "u"}
    made["mailboxes"] = admin.post(MAILBOXES, {**mailbox, "password": SECRET}).json()
    return made


def test_a_sales_rep_can_neither_read_nor_change_the_set_up(api_as, make_user, lead, set_up):
    rep = api_as(make_user("sales-rep"))
    before = counts()

    writes = [
        rep.post(QUEUES, {"name": "Mine", "lead": lead.pk}),
        rep.post(CALENDARS, {"name": "Mine", "hours": WEEKDAYS}),
        rep.post(POLICIES, {"name": "Mine", "targets": {}}),
        rep.post(
            MAILBOXES, {"name": "M", "queue": 1, "host": "h", "username": "u", "password": "p"}
        ),
        rep.post(CATEGORIES, {"name": "Mine"}),
        *(rep.patch(f"/api/v1/service/{kind}/{made['id']}", {}) for kind, made in set_up.items()),
        *(rep.delete(f"/api/v1/service/{kind}/{made['id']}") for kind, made in set_up.items()),
        *(rep.get(f"/api/v1/service/{kind}") for kind in set_up),
        *(rep.get(f"/api/v1/service/{kind}/{made['id']}") for kind, made in set_up.items()),
        rep.get(f"{CALENDARS}/{set_up['calendars']['id']}/holidays"),
        rep.post(f"{MAILBOXES}/{set_up['mailboxes']['id']}/check"),
    ]

    assert [w.status_code for w in writes] == [403] * 27
    assert {w.json()["code"] for w in writes} == {"permission_denied"}
    assert counts() == before


def test_a_sales_manager_reads_the_set_up_but_does_not_change_it(api_as, make_user, lead, set_up):
    manager = api_as(make_user("sales-manager"))
    before = counts()

    reads = [manager.get(f"/api/v1/service/{kind}") for kind in set_up]
    ones = [manager.get(f"/api/v1/service/{kind}/{made['id']}") for kind, made in set_up.items()]
    writes = [
        manager.post(QUEUES, {"name": "Mine", "lead": lead.pk}),
        manager.post(CATEGORIES, {"name": "Mine"}),
        manager.patch(f"{POLICIES}/{set_up['sla-policies']['id']}", {"warn_percent": 10}),
        manager.delete(f"{CALENDARS}/{set_up['calendars']['id']}"),
    ]

    assert [len(r.json()["items"]) for r in reads] == [1, 1, 1, 1, 1]
    assert [o.json()["id"] for o in ones] == [made["id"] for made in set_up.values()]
    assert all(SECRET not in r.content.decode() for r in (*reads, *ones))
    assert [w.status_code for w in writes] == [403, 403, 403, 403]
    assert counts() == before


def test_the_lists_take_the_same_queries_for_one_record_or_many(admin, lead, set_up):
    def queries() -> list[int]:
        sizes = []
        for kind in set_up:
            with CaptureQueriesContext(connection) as captured:
                assert admin.get(f"/api/v1/service/{kind}").status_code == 200
            sizes.append(len(captured))
        return sizes

    few = queries()
    for n in range(4):
        admin.post(QUEUES, {"name": f"Queue {n}", "lead": lead.pk, "calendar": None})
        admin.post(CALENDARS, {"name": f"Calendar {n}", "hours": WEEKDAYS})
        admin.post(POLICIES, {"name": f"Policy {n}", "targets": {}})
        admin.post(CATEGORIES, {"name": f"Category {n}"})
        mailbox = {"queue": set_up["queues"]["id"], "host": "h", "username": "u", "password": "p"}
        admin.post(MAILBOXES, {"name": f"Mailbox {n}", **mailbox})

    assert queries() == few
