"""Tickets through their lifecycle: the SLA clock in business hours, paused while the customer is
awaited, first response, resolution, reopening, first-contact resolution, transitions refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import AuditEntry
from clientela.service import sla
from clientela.service.conversation import ticket_reply
from clientela.service.models import BusinessCalendar, Queue, SlaPolicy, Ticket
from clientela.service.services import (
    ticket_assign,
    ticket_create,
    ticket_open,
    ticket_set_status,
)

SP = ZoneInfo("America/Sao_Paulo")
TARGETS = {
    "normal": {"first_response": 120, "resolution": 960},
    "urgent": {"first_response": 30, "resolution": 240},
}


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SP)


@pytest.fixture
def desk(make_user, make_team):
    team = make_team("Support")
    agent = make_user("service-agent", teams=[team])
    office = BusinessCalendar.objects.create(
        name="São Paulo office",
        timezone="America/Sao_Paulo",
        hours={d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        country="BR",
        subdivision="SP",
    )
    queue = Queue.objects.create(name="Support", lead=agent, team=team, calendar=office)
    SlaPolicy.objects.create(name="Standard", targets=TARGETS, warn_percent=75)
    return agent, queue


def _open(queue: Queue, at: dt.datetime, priority: str = "normal") -> Ticket:
    values = {"subject": "Printer jams", "queue": queue, "priority": priority}
    return ticket_open(actor=None, values=values, channel="phone", now=at)


def test_the_clock_counts_business_hours_of_the_queue_calendar(desk):
    _agent, queue = desk
    # Friday 16:00: 2 business hours → Friday 18:00, the end of the day
    ticket = _open(queue, local(2026, 4, 17, 16, 0))
    assert ticket.sla_policy.name == "Standard"
    assert ticket.first_response_due == local(2026, 4, 17, 18, 0)
    # 16 business hours: Friday 2 h, Monday 9 h, Tuesday is Tiradentes, Wednesday 5 h
    assert ticket.resolution_due == local(2026, 4, 22, 14, 0)
    # warned at 75 %: 90 of the 120 minutes → Friday 17:30
    assert ticket.first_response_warn == local(2026, 4, 17, 17, 30)
    assert ticket.sla_state == "ok"
    assert ticket.sort_due == ticket.first_response_due


def test_pending_pauses_the_clock_and_keeps_the_business_time_left(desk):
    agent, queue = desk
    ticket = _open(queue, local(2026, 4, 15, 10, 0))  # Wednesday
    ticket_set_status(actor=agent, ticket_id=ticket.pk, status="open", now=local(2026, 4, 15, 10))
    ticket_set_status(
        actor=agent, ticket_id=ticket.pk, status="pending", now=local(2026, 4, 15, 11, 0)
    )
    ticket.refresh_from_db()
    assert (ticket.first_response_due, ticket.resolution_due) == (None, None)
    assert ticket.first_response_left == 60 * 60  # 2 h target, 1 h used
    assert ticket.resolution_left == 15 * 3600
    # the customer answers on Friday 17:00: 1 h left → Friday 18:00
    ticket_set_status(actor=agent, ticket_id=ticket.pk, status="open", now=local(2026, 4, 17, 17))
    ticket.refresh_from_db()
    assert ticket.first_response_due == local(2026, 4, 17, 18, 0)
    assert ticket.first_response_left is None
    # 15 h left from Friday 17:00: 1 h Friday, 9 h Monday, Tuesday closed, 5 h Wednesday
    assert ticket.resolution_due == local(2026, 4, 22, 14, 0)


def test_first_reply_stops_the_first_response_clock_and_opens_the_ticket(desk, settings):
    agent, queue = desk
    ticket = ticket_create(
        actor=agent,
        values={"subject": "No invoice", "queue": queue.pk, "requester_email": "Ana@Example.com"},
        message="Where is my invoice?",
    )
    assert (ticket.status, ticket.requester_email) == ("new", "ana@example.com")
    assert ticket.first_response_due is not None
    ticket_reply(actor=agent, ticket_id=ticket.pk, body="It is on its way.")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.first_responded_at is not None
    assert (ticket.first_response_due, ticket.first_response_warn) == (None, None)
    assert ticket.first_response_breached is False
    assert ticket.resolution_due is not None


def test_a_late_first_reply_is_marked_breached(desk):
    agent, queue = desk
    ticket = _open(queue, timezone.now() - dt.timedelta(days=30))
    ticket_reply(actor=agent, ticket_id=ticket.pk, body="Sorry for the wait.")
    ticket.refresh_from_db()
    assert ticket.first_response_breached is True
    assert ticket.sla_state == "breached"


def test_resolving_on_first_contact_counts_and_reopening_undoes_it(desk):
    agent, queue = desk
    ticket = ticket_create(
        actor=agent, values={"subject": "Reset password", "queue": queue.pk}, message="Locked out"
    )
    ticket_reply(actor=agent, ticket_id=ticket.pk, body="Done, try again.", status="resolved")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_contact_resolution) == ("resolved", True)
    assert ticket.resolved_at is not None
    assert ticket.resolution_due is None and ticket.resolution_left is not None

    ticket_set_status(actor=agent, ticket_id=ticket.pk, status="open")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopened, ticket.first_contact_resolution) == ("open", 1, False)
    assert ticket.resolution_due is not None and ticket.resolved_at is None


def test_a_transfer_to_another_agent_is_not_a_first_contact_resolution(desk, make_user):
    agent, queue = desk
    other = make_user("service-agent", teams=[queue.team])
    ticket = ticket_create(actor=agent, values={"subject": "VPN", "queue": queue.pk}, message="x")
    ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=agent.pk)
    ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=other.pk)
    ticket_reply(actor=other, ticket_id=ticket.pk, body="Fixed.", status="resolved")
    ticket.refresh_from_db()
    assert (ticket.transfers, ticket.owner_id, ticket.assignee_id) == (1, other.pk, other.pk)
    assert ticket.first_contact_resolution is False


def test_raising_the_priority_keeps_the_time_used(desk):
    _agent, queue = desk
    ticket = _open(queue, local(2026, 4, 15, 10, 0))  # Wednesday, 2 h to the first response
    ticket.priority = "urgent"  # 30 min; 10 min were used
    sla.reprioritise(ticket, "normal", local(2026, 4, 15, 10, 10))
    assert ticket.first_response_due == local(2026, 4, 15, 10, 30)
    # 4 h resolution, 10 min used: 3 h 50 min from 10:10
    assert ticket.resolution_due == local(2026, 4, 15, 14, 0)


def test_raising_the_priority_after_the_urgent_target_passed_leaves_it_due_now(desk):
    _agent, queue = desk
    ticket = _open(queue, local(2026, 4, 15, 10, 0), priority="normal")
    ticket.priority = "urgent"
    sla.reprioritise(ticket, "normal", local(2026, 4, 15, 11, 0))  # 60 min used of 30
    assert ticket.first_response_due == local(2026, 4, 15, 11, 0)


def test_impossible_transitions_are_refused_and_nothing_changes(desk):
    agent, queue = desk
    ticket = _open(queue, timezone.now())
    ticket_set_status(actor=agent, ticket_id=ticket.pk, status="closed")
    entries = AuditEntry.objects.count()
    with pytest.raises(Conflict) as refused:
        ticket_set_status(actor=agent, ticket_id=ticket.pk, status="open")
    assert refused.value.code == "invalid_transition"
    with pytest.raises(ValidationFailed):
        ticket_set_status(actor=agent, ticket_id=ticket.pk, status="archived")
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert AuditEntry.objects.count() == entries


def test_an_agent_of_another_team_cannot_touch_the_ticket(desk, make_user, make_team):
    _agent, queue = desk
    stranger = make_user("service-agent", teams=[make_team("Billing")])
    ticket = _open(queue, timezone.now())
    with pytest.raises(NotFound):
        ticket_set_status(actor=stranger, ticket_id=ticket.pk, status="open")
    with pytest.raises(NotFound):
        ticket_reply(actor=stranger, ticket_id=ticket.pk, body="hi")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.messages.count()) == ("new", 0)


def test_bad_values_are_refused_with_field_errors(desk):
    agent, _queue = desk
    with pytest.raises(ValidationFailed) as refused:
        ticket_create(
            actor=agent,
            values={"subject": " ", "queue": 9999, "priority": "asap", "requester_email": "x@"},
        )
    assert set(refused.value.errors) == {"subject", "queue", "priority", "requester_email"}
    assert Ticket.objects.count() == 0


def test_no_policy_means_no_clock(make_user):
    lead = make_user("service-agent")
    queue = Queue.objects.create(name="General", lead=lead)
    ticket = _open(queue, timezone.now())
    assert ticket.sla_policy is None
    assert (ticket.first_response_due, ticket.resolution_due, ticket.sla_state) == (None, None, "")
