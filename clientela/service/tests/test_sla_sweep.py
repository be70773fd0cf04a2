"""The periodic SLA sweep: warnings and breaches marked once, announced to the rules engine, and
the escalation rule ("SLA entered: Late → task for the team's manager") run end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clientela.activities.models import Activity
from clientela.platform import events
from clientela.platform.models import Rule, RuleRun
from clientela.platform.services.rules import rule_create
from clientela.platform.tests.rules_support import settle
from clientela.service.models import Queue, SlaPolicy, Ticket
from clientela.service.services import ticket_open
from clientela.service.sweep import sweep


@pytest.fixture
def queue(make_user, make_team):
    team = make_team("Support")
    lead = make_user("service-agent", teams=[team])
    SlaPolicy.objects.create(
        name="24x7", targets={"normal": {"first_response": 60, "resolution": 240}}, warn_percent=50
    )
    return Queue.objects.create(name="Support", lead=lead, team=team)


def _open(queue: Queue, minutes_ago: int) -> Ticket:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return ticket_open(
        actor=None, values={"subject": "Help", "queue": queue}, channel="api", now=at
    )


def _events(monkeypatch) -> list[events.Event]:
    seen: list[events.Event] = []
    monkeypatch.setattr(events, "_dispatch", seen.append)
    monkeypatch.setattr(events, "_dispatch_many", seen.extend)
    return seen


def test_the_sweep_warns_then_marks_late_each_ticket_once(
    queue, monkeypatch, django_capture_on_commit_callbacks
):
    fresh = _open(queue, 10)  # nothing due yet
    near = _open(queue, 40)  # past half of the first-response hour: warned
    late = _open(queue, 90)  # first response late; 90 of the 240 resolution minutes: no warning
    seen = _events(monkeypatch)

    with django_capture_on_commit_callbacks(execute=True):
        figures = sweep()

    assert figures == {
        "first_response_breached": 1,
        "first_response_warned": 1,
        "resolution_breached": 0,
        "resolution_warned": 0,
    }
    states = dict(Ticket.objects.values_list("pk", "sla_state"))
    assert states == {fresh.pk: "ok", near.pk: "warning", late.pk: "breached"}
    assert Ticket.objects.get(pk=late.pk).first_response_breached is True
    assert sorted((e.payload["id"], e.payload["changes"].get("sla_state")) for e in seen) == [
        (near.pk, ["ok", "warning"]),
        (late.pk, ["ok", "breached"]),
    ]
    assert {e.name for e in seen} == {"service.ticket.updated"}

    seen.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sum(sweep().values()) == 0  # a second pass finds nothing new
    assert seen == []


def test_paused_and_solved_tickets_are_not_swept(queue):
    from clientela.service.services import ticket_set_status

    waiting = _open(queue, 90)
    ticket_set_status(actor=None, ticket_id=waiting.pk, status="pending")
    solved = _open(queue, 90)
    ticket_set_status(actor=None, ticket_id=solved.pk, status="closed")
    waiting.refresh_from_db()
    # pausing after the due instant marks the target late on the spot, once
    assert waiting.first_response_breached is True
    assert sweep() == {
        "first_response_breached": 0,
        "first_response_warned": 0,
        "resolution_breached": 0,
        "resolution_warned": 0,
    }


def test_a_breach_escalates_through_a_rule(queue, make_user, django_capture_on_commit_callbacks):
    admin = make_user("administrator")
    manager = make_user("service-agent", teams=[queue.team])
    rule_create(
        actor=admin,
        values={
            "name": "Late tickets to the manager",
            "object_type": "service.ticket",
            "trigger": "status_entered",
            "trigger_config": {"field": "sla_state", "to": ["breached"]},
            "run_as": admin.pk,
            "actions": [
                {
                    "type": "activities.create",
                    "params": {
                        "kind": "task",
                        "subject": "Late ticket {{ subject }}: call the customer",
                        "due_in": 1,
                        "due_unit": "hours",
                        "assign_to": "user",
                        "user": manager.pk,
                    },
                }
            ],
        },
    )
    late = _open(queue, 90)
    _open(queue, 5)  # on time: no task

    with django_capture_on_commit_callbacks(execute=True):
        sweep()
    settle(django_capture_on_commit_callbacks)

    run = RuleRun.objects.get(rule=Rule.objects.get())
    assert (run.record_id, run.status) == (str(late.pk), "done")
    task = Activity.objects.get()
    assert (task.subject, task.owner_id) == ("Late ticket Help: call the customer", manager.pk)
