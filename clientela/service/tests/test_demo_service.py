"""``clientela demo``'s service desk: the São Paulo office's hours and a 24x7 calendar, six
categories, a Support and a Billing queue, a Gold and a Standard SLA policy, and a year of
tickets left as the services would have left them (clocks, first response, lifecycle, the
sweep's marks), about 88 % of first responses and 82 % of resolutions on time, two weeks of
work still under way; the same seed gives the same tickets."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from statistics import mean
from typing import Any

import pytest
from django.db import transaction

from clientela.customers.models import Account
from clientela.customers.services import account_create, contact_create
from clientela.platform.models import Team, User
from clientela.service import hours, sla
from clientela.service.conversation import add_customer_message, ticket_reply
from clientela.service.demo import add_demo_service
from clientela.service.demo_plan import Agent, Requester, plan_tickets
from clientela.service.models import (
    ACTIVE,
    END_OF_TIME,
    BusinessCalendar,
    Queue,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketMessage,
)
from clientela.service.sweep import sweep

NOW = dt.datetime(2026, 6, 15, 17, 30, tzinfo=dt.UTC)  # a Monday, 14:30 in São Paulo
TICKETS = 300
BR_NAMES = ("Ana", "Bruno", "Camila", "Diego", "Fernanda", "Gustavo", "Helena", "Igor")
EN_NAMES = ("Alice", "George", "Isla", "Jack", "Mia", "Noah")


def _customers(admin: User, team: Team) -> list[int]:
    """30 accounts like the demo's: Brazilian companies and households, GB and US companies,
    each with one to three people."""
    ids = []
    for n in range(30):
        country = "BR" if n % 10 < 7 else ("GB" if n % 2 else "US")
        kind = "household" if n % 10 == 3 else "company"
        account = account_create(
            actor=admin,
            values={"name": f"Cliente {n}", "country": country, "kind": kind, "team": team},
        )
        names = BR_NAMES if country == "BR" else EN_NAMES
        for k in range(1 + n % 3):
            first = names[(n + k) % len(names)]
            contact_create(
                actor=admin,
                values={
                    "first_name": first,
                    "last_name": f"Silva {n}",
                    "email": f"{first.lower()}.{n}.{k}@cliente{n}.example",
                    "account": account.pk,
                    "team": team,
                },
            )
        ids.append(account.pk)
    return ids


@pytest.fixture
def cast(make_user, make_team) -> dict[str, Any]:
    sales, service = make_team("Vendas"), make_team("Atendimento")
    admin = make_user(
        "administrator",
        username="admin",
        first_name="Mariana",
        teams=[sales],
    )
    thiago = make_user("service-agent", first_name="Thiago", language="pt-br", teams=[service])
    hannah = make_user("contact-center-agent", first_name="Hannah", language="en", teams=[service])
    make_user("sales-rep", teams=[sales])
    accounts = _customers(admin, sales)
    return {
        "admin": admin,
        "teams": [sales, service],
        "accounts": accounts,
        "agents": (thiago, hannah),
    }


def _load(cast: dict[str, Any], seed: int = 7, tickets: int = TICKETS) -> int:
    return add_demo_service(
        cast["admin"], cast["teams"], cast["accounts"], seed, tickets=tickets, now=NOW
    )


def _tickets() -> list[Ticket]:
    return list(Ticket.objects.select_related("queue", "sla_policy").order_by("created_at", "id"))


def _share(rows: list[Any], test: Any) -> float:
    return 100 * sum(1 for row in rows if test(row)) / len(rows)


@pytest.mark.django_db
def test_demo_service_sets_up_calendars_categories_queues_and_policies(cast):
    _load(cast)

    office = BusinessCalendar.objects.get(name="São Paulo office")
    assert (office.timezone, office.country, office.subdivision) == (
        "America/Sao_Paulo",
        "BR",
        "SP",
    )
    assert office.hours["mon"] == ["08:00-18:00"] and office.hours["sat"] == []
    always = BusinessCalendar.objects.get(name="24x7")
    assert always.hours["sun"] == ["00:00-24:00"] and always.country == ""
    assert BusinessCalendar.objects.count() == 2
    assert sorted(TicketCategory.objects.values_list("name", flat=True)) == [
        "Account access",
        "Billing",
        "Complaint",
        "Delivery",
        "Product question",
        "Technical problem",
    ]
    thiago, _hannah = cast["agents"]
    service = cast["teams"][1]  # the team with the agents
    queues = list(Queue.objects.order_by("position"))
    assert [
        (q.name, q.email, q.assignment, q.lead_id, q.team_id, q.calendar_id) for q in queues
    ] == [
        ("Support", "support@example.com", "round_robin", thiago.pk, service.pk, office.pk),
        ("Billing", "billing@example.com", "least_loaded", cast["admin"].pk, service.pk, office.pk),
    ]
    gold, standard = SlaPolicy.objects.order_by("position")
    assert (gold.name, gold.tier.name, gold.warn_percent) == ("Gold customers", "Gold", 80)
    assert gold.targets["urgent"] == {"first_response": 30, "resolution": 240}
    assert gold.targets["low"] == {"first_response": 480, "resolution": 2880}
    assert (standard.name, standard.tier, standard.warn_percent) == ("Standard", None, 80)
    assert standard.targets["normal"] == {"first_response": 480, "resolution": 2880}
    assert standard.targets["high"] == {"first_response": 120, "resolution": 960}
    assert Account.objects.filter(tags__name="Gold").count() == 3  # a tenth of 30


@pytest.mark.django_db
def test_demo_tickets_are_as_the_services_would_have_left_them(cast):
    assert _load(cast) == TICKETS

    tickets = _tickets()
    assert len(tickets) == TICKETS
    for t in tickets:
        assert t.queue_id and t.owner_id == t.assignee_id and t.team_id == t.queue.team_id
        assert t.sla_policy == sla.policy_for(t)  # the policy the services would have picked
        running = [d for d in (t.first_response_due, t.resolution_due) if d is not None]
        assert t.sort_due == min(running, default=END_OF_TIME)
        assert NOW - dt.timedelta(days=366) < t.created_at < NOW
        assert t.created_at <= t.updated_at <= NOW
        if t.first_responded_at is not None:
            assert t.created_at < t.first_responded_at <= NOW and t.first_response_due is None
        if t.status in ("resolved", "closed"):
            assert t.created_at < t.resolved_at <= NOW and running == []
            assert t.first_contact_resolution == (t.customer_messages == 1 and not t.transfers)
        else:
            assert t.resolved_at is None and t.csat_score is None
        assert (t.closed_at is not None) == (t.status == "closed")
        if t.status == "pending":
            assert t.resolution_due is None and t.resolution_left is not None
        if t.status == "new":  # never paused: the clock as ``sla.start`` set it
            schedule = sla.schedule_for(t.queue.calendar)
            target = t.sla_policy.targets[t.priority]["first_response"] * 60
            assert t.first_response_due == hours.add_business_time(schedule, t.created_at, target)
    # the sweep has nothing left to mark at the moment of loading
    assert set(sweep(NOW).values()) == {0}


@pytest.mark.django_db
def test_demo_conversations_follow_the_lifecycle(cast):
    _load(cast)

    messages = Counter()
    for t in _tickets():
        rows = list(TicketMessage.objects.filter(ticket=t).order_by("created_at", "id"))
        first = rows[0]
        assert (first.kind, first.created_at, first.channel) == (
            "customer",
            t.created_at,
            t.channel,
        )
        assert sum(m.kind == "customer" for m in rows) == t.customer_messages
        assert all(m.created_at <= NOW for m in rows)
        for before, after in itertools.pairwise(rows):
            assert before.created_at < after.created_at
        replies = [m for m in rows if m.kind == "reply"]
        if replies:
            assert replies[0].created_at == t.first_responded_at
            assert all(m.author_id == t.assignee_id and m.to_addresses for m in replies)
        messages.update(m.kind for m in rows)
    assert messages["customer"] > TICKETS and messages["reply"] > 0.9 * TICKETS
    assert 0 < messages["note"] < TICKETS // 3


@pytest.mark.django_db
def test_demo_figures_are_those_of_a_busy_but_healthy_desk(cast):
    _load(cast)

    tickets = _tickets()
    answered = [t for t in tickets if t.first_responded_at is not None]
    solved = [t for t in tickets if t.status in ("resolved", "closed")]
    first_response = _share(answered, lambda t: not t.first_response_breached)
    resolution = _share(solved, lambda t: not t.resolution_breached)
    assert 80 <= first_response <= 96 and 74 <= resolution <= 90  # aims: 88 % and 82 %
    gold = [t for t in answered if t.sla_policy.name == "Gold customers"]
    assert _share(gold, lambda t: not t.first_response_breached) > first_response
    assert 57 <= _share(solved, lambda t: t.first_contact_resolution) <= 73  # aim: 65 %
    rated = [t.csat_score for t in solved if t.csat_score is not None]
    assert 32 <= 100 * len(rated) / len(solved) <= 48 and 3.8 <= mean(rated) <= 4.4
    # the last two weeks are mostly still being worked: 150 to 250 active tickets of 3,000
    recent = [t for t in tickets if t.created_at > NOW - dt.timedelta(days=14)]
    assert 10 <= sum(t.status in ACTIVE for t in recent) <= 25
    assert _share(recent, lambda t: t.status in ACTIVE) > 60
    active = [t for t in tickets if t.status in ACTIVE]
    assert 10 <= len(active) <= 30
    assert set(Counter(t.status for t in active)) >= {"open", "pending"}
    assert {t.sla_state for t in active} == {"ok", "warning", "breached"}
    assert Counter(t.channel for t in tickets).most_common(1)[0][0] == "email"
    assert Counter(t.priority for t in tickets).most_common(1)[0][0] == "normal"
    weekend = [t for t in tickets if t.created_at.weekday() >= 5]
    assert len(weekend) < 0.15 * len(tickets)


@pytest.mark.django_db
def test_demo_tickets_can_be_carried_on_through_the_services(cast):
    _load(cast)
    thiago = cast["agents"][0]

    waiting = Ticket.objects.filter(status="pending").order_by("id").first()
    add_customer_message(waiting, body="Segue o print.", channel="email")
    waiting.refresh_from_db()
    assert waiting.status == "open" and waiting.resolution_due is not None
    assert waiting.resolution_left is None
    ticket = Ticket.objects.filter(status="open").exclude(pk=waiting.pk).order_by("id").first()
    ticket_reply(actor=thiago, ticket_id=ticket.pk, body="Resolvido.", status="resolved")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.sort_due == END_OF_TIME


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_tickets(cast):
    def shape() -> list[tuple[Any, ...]]:
        rows = []
        for t in _tickets():
            messages = t.messages.order_by("created_at").values_list("kind", "body", "created_at")
            ticket = (t.subject, t.priority, t.channel, t.status, t.created_at, t.resolved_at)
            rows.append((*ticket, t.csat_score, list(messages)))
        return rows

    with transaction.atomic():
        _load(cast, seed=3)
        first = shape()
        transaction.set_rollback(True)  # back to a fresh database
    assert not Ticket.objects.exists() and not Queue.objects.exists()

    _load(cast, seed=3)
    assert shape() == first
    _load(cast, seed=3, tickets=50)  # ``demo --force``: the set-up is reused
    assert Queue.objects.count() == SlaPolicy.objects.count() == 2
    assert Ticket.objects.count() == TICKETS + 50


def _plans(seed: int) -> list[Any]:
    requesters = [
        Requester(n, n, "Ana", f"ana{n}@x.example", "pt" if n % 3 else "en", "UTC", n == 1)
        for n in range(1, 11)
    ]
    agents = [Agent(1, "Thiago", "pt"), Agent(2, "Hannah", "en")]
    office = hours.always_open("America/Sao_Paulo")
    return plan_tickets(requesters, agents, 200, random.Random(seed), NOW, office)


@pytest.mark.parametrize("seed", range(10))
def test_every_plan_is_a_possible_conversation(seed: int) -> None:
    for plan in _plans(seed):
        assert NOW - dt.timedelta(days=366) < plan.created < NOW
        assert plan.agent.lang == plan.requester.lang
        assert plan.queue == ("Billing" if plan.category == "Billing" else "Support")
        kinds = [step.kind for step in plan.steps]
        assert kinds[0] in ("reply", "note") and all(step.gap > 0 for step in plan.steps)
        assert all(step.business == (step.kind not in ("customer", "rate")) for step in plan.steps)
        replies = [i for i, kind in enumerate(kinds) if kind == "reply"]
        solved = [i for i in replies if plan.steps[i].status == "resolved"]
        for kind in ("rate", "close"):
            if kind in kinds:  # only once the desk has solved it
                assert solved and kinds.index(kind) > solved[-1] == replies[-1]
        for i in replies:
            asked = plan.steps[i].status == "pending"
            assert not asked or (i + 1 == len(kinds) or kinds[i + 1] == "customer")


def test_a_seed_gives_the_same_plans() -> None:
    def shape(seed: int) -> list[Any]:
        return [(p.created, p.subject, p.priority, p.steps) for p in _plans(seed)]

    assert shape(5) == shape(5)
    assert shape(5) != shape(6)


@pytest.mark.django_db
def test_without_a_team_of_agents_the_first_team_gets_the_queues(cast):
    sales = cast["teams"][0]

    add_demo_service(cast["admin"], [sales], cast["accounts"], 1, tickets=20, now=NOW)

    assert set(Queue.objects.values_list("team", flat=True)) == {sales.pk}
    assert set(Ticket.objects.values_list("team", flat=True)) == {sales.pk}
