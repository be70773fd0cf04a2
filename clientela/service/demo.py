"""A year of service tickets for ``clientela demo``: two queues on the São Paulo office's hours,
a Gold and a Standard SLA policy, and about 3,000 tickets from the demo's contacts.

The set-up (calendars, categories, queues, policies, the "Gold" account tag) goes through the
configuration and tag services, audited like an administrator's clicks. The tickets are too many
for the services (each one audits, emits events and stamps "now"), so they are **built in memory
and bulk-written**, with every field set by the code the services run: the SLA clock by ``sla``
(started as ``sla.start`` does, without its policy query), each status change by
``services.move``, the first response and a transfer by the services' own steps, and the
warnings and breaches the minute sweep would have marked by then. ``sort_due``, which
``Ticket.save`` keeps, is set here. This history has no audit entries and emits no events: it
is the past, loaded, not work done now.

What each ticket is and how it goes (who writes, when, about what, the replies) is planned
in ``demo_plan.py``, without the database; this module sets the desk up, builds and writes.

Deterministic: a seed gives the same tickets; dates are counted back from the moment of loading.
Brazilian customers write in Portuguese at São Paulo hours, those in GB and the US in English at
theirs; the desk works in business hours.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Model
from django.utils import timezone

from clientela.customers.models import Account, Contact
from clientela.customers.services.tags import tag_objects, tags_add
from clientela.platform.models import Tag, Team, User
from clientela.service import configuration, hours, sla
from clientela.service.conversation import first_response
from clientela.service.demo_plan import (
    BILLING,
    CATEGORIES,
    GOLD,
    STANDARD,
    SUPPORT,
    TARGETS,
    Agent,
    Plan,
    Requester,
    Step,
    plan_tickets,
)
from clientela.service.models import (
    END_OF_TIME,
    BusinessCalendar,
    Delivery,
    Kind,
    Queue,
    SlaPolicy,
    SlaState,
    Status,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketMessage,
)
from clientela.service.services import move, transfer

OFFICE, ALWAYS = "São Paulo office", "24x7"
GOLD_TAG, GOLD_SHARE = "Gold", 0.10  # of the accounts
SERVICE_ROLES = ("service-agent", "contact-center-agent")
ZONES = {"BR": "America/Sao_Paulo", "US": "America/New_York"}  # others: London
BATCH = 500


# --- the desk's set-up (through the configuration services) --------------------------------


def _lang(code: str) -> str:
    return "pt" if (code or settings.LANGUAGE_CODE).startswith("pt") else "en"


def _named(model: type[Any], name: str) -> Any:
    """The record of that name from an earlier load, if any (``demo --force`` reuses it)."""
    return model._default_manager.filter(name=name).first()


def _calendars(admin: User) -> dict[str, BusinessCalendar]:
    specs: dict[str, dict[str, Any]] = {
        OFFICE: {
            "hours": {day: ["08:00-18:00"] for day in hours.DAY_KEYS[:5]},
            "country": "BR",
            "subdivision": "SP",
        },
        ALWAYS: {"hours": {day: ["00:00-24:00"] for day in hours.DAY_KEYS}},
    }
    return {
        name: _named(BusinessCalendar, name)
        or configuration.calendar_save(
            actor=admin, values={"name": name, "timezone": "America/Sao_Paulo", **values}
        )
        for name, values in specs.items()
    }


def _categories(admin: User) -> dict[str, TicketCategory]:
    return {
        name: _named(TicketCategory, name)
        or configuration.category_save(actor=admin, values={"name": name})
        for name, _weight in CATEGORIES
    }


def _service_team(teams: Sequence[Team]) -> Team | None:
    """The team with the most service agents (the first on a tie), else the first team."""
    if not teams:
        return None
    agents = dict(
        Team.objects.filter(
            pk__in=[t.pk for t in teams],
            members__is_active=True,
            members__role__slug__in=SERVICE_ROLES,
        )
        .annotate(n=Count("members"))
        .values_list("pk", "n")
    )
    return max(teams, key=lambda team: agents.get(team.pk, 0))


def _queues(admin: User, teams: Sequence[Team], office: BusinessCalendar) -> dict[str, Queue]:
    """Support (round robin, led by a service agent) and Billing (least loaded, led by the
    administrator), on the office's hours, for the service team."""
    team = _service_team(teams)
    agent = User.objects.filter(is_active=True, role__slug="service-agent").order_by("id").first()
    domain = admin.email.rpartition("@")[2] or "clientela-demo.example"
    common = {"team": team.pk if team else None, "calendar": office.pk}
    specs = (
        (SUPPORT, "support", (agent or admin).pk, "round_robin"),
        (BILLING, "billing", admin.pk, "least_loaded"),
    )
    queues = {}
    for position, (name, mailbox, lead, assignment) in enumerate(specs):
        values = {"name": name, "email": f"{mailbox}@{domain}", "lead": lead, **common}
        values.update(assignment=assignment, position=position)
        found = _named(Queue, name) or configuration.queue_save(actor=admin, values=values)
        queues[name] = Queue.objects.select_related("calendar").get(pk=found.pk)
    return queues


def _policies(admin: User, gold: Tag) -> dict[bool, SlaPolicy]:
    """By "is the customer Gold": the Gold policy comes first, so it wins for them."""
    policies = {}
    for position, (name, tier) in enumerate(((GOLD, gold), (STANDARD, None))):
        targets = {
            priority: {"first_response": first, "resolution": resolution}
            for priority, (first, resolution) in TARGETS[name].items()
        }
        values = {"name": name, "targets": targets, "warn_percent": 80, "position": position}
        values["tier"] = tier.pk if tier else None
        policy = _named(SlaPolicy, name) or configuration.sla_policy_save(
            actor=admin, values=values
        )
        policies[tier is not None] = policy
    return policies


def _agents(admin: User) -> list[Agent]:
    """Who answers: the service and contact-center agents, else the administrator."""
    users = User.objects.filter(is_active=True, role__slug__in=SERVICE_ROLES).order_by("id")
    found = [Agent(u.pk, u.first_name or u.username, _lang(u.language)) for u in users]
    return found or [Agent(admin.pk, admin.first_name or admin.username, _lang(admin.language))]


def _requesters(
    admin: User, account_ids: Sequence[int], gold: Tag, rng: random.Random
) -> list[Requester]:
    """The accounts' contacts with an e-mail address; a tenth of the accounts (companies
    first) are tagged Gold, through the tag service."""
    accounts = list(Account.objects.filter(pk__in=account_ids).order_by("id"))
    companies = [a for a in accounts if a.kind == "company"] or accounts
    wanted = min(len(companies), max(1, round(len(accounts) * GOLD_SHARE))) if accounts else 0
    chosen = rng.sample(companies, wanted)
    if chosen:
        tags_add(actor=admin, records=chosen, names=[gold.name])
    golden = {a.pk for a in chosen}
    country = {a.pk: a.country for a in accounts}
    rows = (
        Contact.objects.filter(account_id__in=country)
        .exclude(email="")
        .order_by("id")
        .values_list("pk", "account_id", "first_name", "email")
    )
    return [
        Requester(
            pk,
            account,
            first or email.split("@")[0],
            email.lower(),
            "pt" if country[account] == "BR" else "en",
            ZONES.get(country[account], "Europe/London"),
            account in golden,
        )
        for pk, account, first, email in rows
    ]


# --- building the tickets in memory, with the services' own steps ----------------------------


@dataclass
class Desk:
    queues: dict[str, Queue]
    policies: dict[bool, SlaPolicy]  # by "is the customer Gold"
    categories: dict[str, TicketCategory]
    schedules: dict[int, hours.Schedule]  # by queue

    def other(self, queue_id: int) -> Queue:
        return next(q for q in self.queues.values() if q.pk != queue_id)


@dataclass
class Built:
    ticket: Ticket
    messages: list[TicketMessage]
    created: dt.datetime
    updated: dt.datetime


def _start(ticket: Ticket, policy: SlaPolicy, at: dt.datetime) -> None:
    """``sla.start`` without its policy query (the plan knows the customer's tier): both
    clocks run from ``at`` with the policy's full targets (read as ``sla.clock_of`` does)."""
    ticket.sla_policy = policy
    minutes = (policy.targets or {}).get(ticket.priority) or {}
    targets = {t: int(minutes[t]) * 60 for t in sla.TARGETS if minutes.get(t)}
    ticket.sla_state = SlaState.OK if targets else ""
    for target, seconds in targets.items():
        setattr(ticket, f"{target}_left", seconds)
    sla.resume(ticket, at)


def _sweep(ticket: Ticket, at: dt.datetime) -> None:
    """What the minute sweep (``service/sweep.py``) has marked by ``at``: late, then due soon."""
    for target in sla.TARGETS:
        due, warn = getattr(ticket, f"{target}_due"), getattr(ticket, f"{target}_warn")
        if due is not None and due <= at and not getattr(ticket, f"{target}_breached"):
            setattr(ticket, f"{target}_breached", True)
            setattr(ticket, f"{target}_warn", None)
            ticket.sla_state = SlaState.BREACHED
        elif warn is not None and warn <= at:
            setattr(ticket, f"{target}_warn", None)
            if ticket.sla_state == SlaState.OK:
                ticket.sla_state = SlaState.WARNING


def _mail_id(plan: Plan, n: int, address: str) -> str:
    return f"{plan.key:012x}.{n}@{address.rpartition('@')[2]}"


def _customer_message(
    ticket: Ticket, plan: Plan, body: str, at: dt.datetime, n: int
) -> TicketMessage:
    """As ``add_customer_message`` writes it; after the first, customers answer our e-mail."""
    channel = plan.channel if n == 0 else TicketChannel.EMAIL
    mailed = channel == TicketChannel.EMAIL
    return TicketMessage(
        ticket=ticket,
        kind=Kind.CUSTOMER,
        contact_id=ticket.contact_id,
        from_address=ticket.requester_email if mailed else "",
        body=body,
        channel=channel,
        message_id=_mail_id(plan, n, ticket.requester_email) if mailed else "",
        created_at=at,
    )


def _desk_message(ticket: Ticket, plan: Plan, step: Step, at: dt.datetime, n: int) -> Any:
    """A reply as ``ticket_reply`` writes it (and the worker has sent it), or a note."""
    if step.kind == "note":
        return TicketMessage(
            ticket=ticket, kind=Kind.NOTE, author_id=plan.agent.pk, body=step.text, created_at=at
        )
    return TicketMessage(
        ticket=ticket,
        kind=Kind.REPLY,
        author_id=plan.agent.pk,
        body=step.text,
        to_addresses=ticket.requester_email,
        channel=TicketChannel.EMAIL,
        delivery=Delivery.SENT,
        message_id=_mail_id(plan, n, ticket.queue.email or "desk@clientela.invalid"),
        created_at=at,
    )


def _apply(desk: Desk, ticket: Ticket, plan: Plan, step: Step, at: dt.datetime, n: int) -> Any:
    """One step, as the service behind it does it; returns the message it writes, if any."""
    if step.kind == "reply":
        first_response(ticket, at)
        if step.status:
            move(ticket, step.status, at)
    elif step.kind == "customer":
        ticket.customer_messages += 1
        ticket.last_customer_at = at
        if ticket.status in (Status.PENDING, Status.RESOLVED):
            move(ticket, Status.OPEN, at)
        return _customer_message(ticket, plan, step.text, at, n)
    elif step.kind == "transfer":
        ticket.queue = desk.other(ticket.queue_id)
        transfer(ticket)
    elif step.kind == "rate":
        ticket.csat_score, ticket.csat_comment = step.score, step.text
    elif step.kind == "close":
        move(ticket, Status.CLOSED, at)
    return _desk_message(ticket, plan, step, at, n) if step.kind in ("reply", "note") else None


def _build(plan: Plan, desk: Desk, now: dt.datetime) -> Built:
    """The ticket as the services would have left it at ``now``; steps still to come are not."""
    requester, queue = plan.requester, desk.queues[plan.queue]
    ticket = Ticket(
        subject=plan.subject,
        channel=plan.channel,
        priority=plan.priority,
        queue=queue,
        category=desk.categories[plan.category],
        account_id=requester.account_id,
        contact_id=requester.contact_id,
        requester_email=requester.email,
        assignee_id=plan.agent.pk,  # the queue hands its tickets out on arrival
        owner_id=plan.agent.pk,
        team_id=queue.team_id,
        customer_messages=1,
        last_customer_at=plan.created,
    )
    _start(ticket, desk.policies[requester.gold], plan.created)
    messages = [_customer_message(ticket, plan, plan.message, plan.created, 0)]
    at = last = plan.created
    for n, step in enumerate(plan.steps, start=1):
        if step.business:
            at = hours.add_business_time(desk.schedules[ticket.queue_id], at, step.gap)
        else:
            at += dt.timedelta(seconds=step.gap)
        if at > now:
            break
        _sweep(ticket, at)
        message = _apply(desk, ticket, plan, step, at, n)
        messages += [message] if message is not None else []
        last = at
    _sweep(ticket, now)
    running = [d for d in (ticket.first_response_due, ticket.resolution_due) if d is not None]
    ticket.sort_due = min(running, default=END_OF_TIME)  # what Ticket.save sets
    return Built(ticket, messages, plan.created, last)


def _redate(model: type[Model], column: str, rows: Sequence[tuple[int, dt.datetime]]) -> None:
    """Put back a date the insert stamped "now" (``auto_now``, ``auto_now_add``): one
    ``UPDATE … SET column = CASE id WHEN … END`` a batch. ``bulk_update`` sends the same SQL
    but builds an expression object a row: 9 of the 12 seconds of 3,000 tickets and their
    9,600 messages, against a few tenths here."""
    table, name, pk = (connection.ops.quote_name(n) for n in (model._meta.db_table, column, "id"))
    adapt = connection.ops.adapt_datetimefield_value
    size = min(BATCH, (connection.features.max_query_params or 3 * BATCH) // 3)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cases = " ".join(["WHEN %s THEN %s"] * len(batch))
            marks = ", ".join(["%s"] * len(batch))
            params = [v for row_pk, at in batch for v in (row_pk, adapt(at))]
            # names from the model, values as parameters
            sql = f"UPDATE {table} SET {name} = CASE {pk} {cases} END WHERE {pk} IN ({marks})"  # noqa: S608
            cursor.execute(sql, [*params, *(row_pk for row_pk, _at in batch)])


def _write(built: list[Built]) -> None:
    """Insert in bulk, then put back the dates that the insert stamped "now"."""
    Ticket.objects.bulk_create([b.ticket for b in built], batch_size=BATCH)
    _redate(Ticket, "created_at", [(b.ticket.pk, b.created) for b in built])
    _redate(Ticket, "updated_at", [(b.ticket.pk, b.updated) for b in built])
    messages = [m for b in built for m in b.messages]
    when = [m.created_at for m in messages]
    TicketMessage.objects.bulk_create(messages, batch_size=BATCH)
    _redate(TicketMessage, "created_at", [(m.pk, at) for m, at in zip(messages, when, strict=True)])


def add_demo_service(
    admin: User,
    teams: Sequence[Team],
    account_ids: Sequence[int],
    seed: int,
    *,
    tickets: int = 3000,
    now: dt.datetime | None = None,
) -> int:
    """The service desk's set-up and ``tickets`` tickets over the year before ``now`` from the
    contacts of the given accounts (the queues go to the team of ``teams`` with the most
    service agents, else the first); returns how many tickets."""
    now = now or timezone.now()
    calendars = _calendars(admin)
    categories = _categories(admin)
    queues = _queues(admin, teams, calendars[OFFICE])
    gold = tag_objects([GOLD_TAG])[0]
    policies = _policies(admin, gold)
    requesters = _requesters(admin, account_ids, gold, random.Random(seed * 67 + 5))
    office = sla.schedule_for(calendars[OFFICE])
    rng = random.Random(seed * 71 + 13)  # its own stream: the other demo data stays the same
    plans = plan_tickets(requesters, _agents(admin), tickets, rng, now, office)
    schedules = {q.pk: sla.schedule_for(q.calendar) for q in queues.values()}
    desk = Desk(queues, policies, categories, schedules)
    built = [_build(plan, desk, now) for plan in plans]
    _write(built)
    # the installed base and contracts, then technicians with visits planned for the next days
    from clientela.service.demo_assets import add_demo_assets
    from clientela.service.demo_dispatch import add_demo_dispatch

    add_demo_assets(
        account_ids, seed, gold=gold, policy=policies[True], queue=queues[SUPPORT], now=now
    )
    add_demo_dispatch(admin, seed, now=now)
    # articles and FAQs, one of them made from an answered demo ticket
    from clientela.service.demo_kb import build_demo_kb

    build_demo_kb(admin, seed)
    return len(built)
