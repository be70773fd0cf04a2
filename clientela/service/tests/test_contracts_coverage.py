"""What covers a ticket: the pure rules (warranty first, then the contract that covers, each
reason a named contract does not), and the same through the ticket services: the contract
chosen when exactly one covers, an incident used by linking, the warning when the named one
does not cover, the contract's SLA policy, and the policy picked again on a change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clientela.customers.services import account_create
from clientela.platform.errors import NotFound, ValidationFailed
from clientela.service import contracts, services
from clientela.service.contracts import Equipment, Terms, resolve, why_not
from clientela.service.installed_base import asset_create, warranty_add
from clientela.service.models import BusinessCalendar, Queue, SlaPolicy, Ticket

DAY = dt.date(2026, 5, 10)
HOUR = dt.timedelta(hours=1)


def terms(**changes) -> Terms:
    base = dict(
        id=1,
        account_id=7,
        status="active",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    return Terms(**{**base, **changes})


PRINTER = Equipment(3, 7, "HP-M404")


def test_each_reason_a_contract_does_not_cover():
    facts = {"account_id": 7, "asset": PRINTER, "channel": "phone", "day": DAY}
    assert why_not(terms(), **facts) == ""
    cases = {
        "other_account": terms(account_id=8),
        "not_active": terms(status="draft"),
        "not_started": terms(starts_on=dt.date(2026, 6, 1)),
        "expired": terms(ends_on=dt.date(2026, 5, 9)),
        "channel": terms(channels=frozenset({"email", "portal"})),
        "asset": terms(asset_ids=frozenset({4})),
        "incidents": terms(incidents_included=2, incidents_used=2),
    }
    assert {why_not(t, **facts) for t in cases.values()} == set(cases)
    for reason, t in cases.items():
        assert why_not(t, **facts) == reason
    # a product list covers the product; a planned visit uses no incident
    assert why_not(terms(product_codes=frozenset({"HP-M404"})), **facts) == ""
    assert why_not(terms(product_codes=frozenset({"EPSON"})), **facts) == "asset"
    assert why_not(terms(incidents_included=0), **facts, planned=True) == ""
    # a contract naming equipment does not cover a ticket about none
    assert why_not(terms(asset_ids=frozenset({3})), **{**facts, "asset": None}) == "asset"


def test_resolution_prefers_a_warranty_then_the_contract_that_covers():
    under = Equipment(3, 7, "HP-M404", ((dt.date(2026, 1, 1), dt.date(2026, 5, 10)),))
    facts = {"day": DAY, "channel": "phone", "account_id": 7}
    gold, silver = (
        terms(id=1, ends_on=dt.date(2026, 12, 31)),
        terms(id=2, ends_on=dt.date(2026, 9, 1)),
    )
    assert resolve(asset=under, contracts=[gold], **facts).coverage == "warranty"
    # the warranty ended the day before: the contract, the sooner to end of two
    after = {**facts, "day": DAY + dt.timedelta(days=1)}
    assert resolve(asset=under, contracts=[gold, silver], **after).contract_id == 2
    assert resolve(asset=PRINTER, contracts=[], **facts).coverage == "none"
    used_up = terms(incidents_included=1, incidents_used=1)
    named = resolve(asset=PRINTER, contracts=[], named=used_up, **facts)
    assert (named.coverage, named.contract_id, named.reason) == ("none", 1, "incidents")


@pytest.fixture
def desk(make_user, make_team):
    team = make_team("Field")
    agent = make_user("service-agent", teams=[team])
    queue = Queue.objects.create(name="Field", lead=agent, team=team)
    account = account_create(actor=agent, values={"name": "Padaria Central", "team": team})
    other = account_create(actor=agent, values={"name": "Mercado Sol", "team": team})
    printer = asset_create(
        actor=agent,
        values={
            "account": account.pk,
            "product_name": "Printer",
            "product_code": "HP-M404",
            "serial_number": "CN-1",
        },
    )
    return agent, queue, account, other, printer


def _ticket(agent, queue, **values) -> Ticket:
    values = {"subject": "Jammed", "queue": queue.pk, "channel": "phone", **values}
    return services.ticket_create(actor=agent, values=values)


def test_a_ticket_uses_the_one_covering_contract_until_its_incidents_run_out(desk):
    agent, queue, account, _other, printer = desk
    today = timezone.localdate()
    contract = contracts.contract_create(
        actor=agent,
        values={
            "account": account.pk,
            "name": "Gold care",
            "starts_on": today - dt.timedelta(days=30),
            "ends_on": today + dt.timedelta(days=300),
            "incidents_included": 2,
            "hours_included": "1.5",
            "channels": ["phone", "email"],
        },
    )
    first = _ticket(agent, queue, asset=printer.pk)  # the account comes from the asset
    assert (first.account_id, first.contract_id, first.coverage) == (
        account.pk,
        contract.pk,
        "contract",
    )
    second = _ticket(agent, queue, account=account.pk)
    assert second.coverage == "contract"
    third = _ticket(agent, queue, account=account.pk)
    assert (third.contract_id, third.coverage) == (None, "none")
    # named, it stays linked but uncovered, and the page can say why
    named = _ticket(agent, queue, account=account.pk, contract=contract.pk)
    assert (named.contract_id, named.coverage) == (contract.pk, "none")
    assert contracts.reason_for(named) == str(contracts.REASONS["incidents"])
    chat = _ticket(agent, queue, account=account.pk, contract=contract.pk, channel="chat")
    assert contracts.reason_for(chat) == str(contracts.REASONS["channel"])
    # two incidents used of two; the time logged on covered work uses the hours
    log = contracts.worklog_add(actor=agent, ticket_id=first.pk, values={"minutes": 95})
    assert (log.contract_id, log.billable) == (contract.pk, False)
    loose = contracts.worklog_add(actor=agent, ticket_id=third.pk, values={"minutes": 30})
    assert (loose.contract_id, loose.billable) == (None, True)
    used = contracts.entitlement(contract)
    assert (used.incidents_used, used.incidents_left, used.minutes_used) == (2, 0, 95)
    assert (used.hours_used, used.hours_left, used.hours_exhausted) == (
        Decimal("1.58"),
        Decimal("0.00"),
        True,
    )
    assert used.incidents_percent == 100


def test_an_asset_of_another_account_or_out_of_sight_is_refused(desk, make_user, make_team):
    agent, queue, _account, other, printer = desk
    before = Ticket.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _ticket(agent, queue, account=other.pk, asset=printer.pk)
    assert "asset" in refused.value.errors
    stranger = make_user("service-agent", teams=[make_team("South")])
    with pytest.raises(NotFound) as hidden:
        _ticket(stranger, queue, asset=printer.pk)
    assert "asset" in hidden.value.errors
    assert Ticket.objects.count() == before


def test_the_contract_sla_policy_applies_and_is_picked_again_on_a_change(desk):
    agent, queue, account, other, printer = desk
    targets = {"normal": {"first_response": 600, "resolution": 6000}}
    SlaPolicy.objects.create(name="Standard", targets=targets, position=5)
    fast = SlaPolicy.objects.create(
        name="Contract 1h",
        targets={"normal": {"first_response": 60, "resolution": 240}},
        position=9,
    )
    today = timezone.localdate()
    contract = contracts.contract_create(
        actor=agent,
        values={
            "account": account.pk,
            "name": "Fast",
            "starts_on": today,
            "sla_policy": fast.pk,
            "ends_on": today + dt.timedelta(days=10),
        },
    )
    ticket = _ticket(agent, queue, account=other.pk)
    assert ticket.sla_policy.name == "Standard"
    opened = ticket.first_response_due
    # another account, whose contract covers it: the contract's policy, the time used kept
    ticket = services.ticket_update(
        actor=agent, ticket_id=ticket.pk, values={"account": account.pk}
    )
    assert (ticket.contract_id, ticket.coverage, ticket.sla_policy_id) == (
        contract.pk,
        "contract",
        fast.pk,
    )
    assert ticket.first_response_due < opened
    assert ticket.first_response_due - ticket.created_at <= dt.timedelta(minutes=61)
    # the contract taken off (null sent): back to the standard policy
    ticket = services.ticket_update(actor=agent, ticket_id=ticket.pk, values={"contract": None})
    assert (ticket.contract_id, ticket.coverage, ticket.sla_policy.name) == (
        None,
        "none",
        "Standard",
    )
    # a warranty covers the work first: no contract is used
    warranty_add(
        actor=agent,
        asset_id=printer.pk,
        values={
            "name": "Manufacturer",
            "starts_on": today - dt.timedelta(days=1),
            "ends_on": today + dt.timedelta(days=365),
        },
    )
    ticket = services.ticket_update(actor=agent, ticket_id=ticket.pk, values={"asset": printer.pk})
    assert (ticket.coverage, ticket.contract_id) == ("warranty", None)


def test_the_clock_counts_the_hours_the_contract_bought(desk):
    """A covering contract's hours (24x7 here) set the SLA clock, over the queue's office hours."""
    agent, queue, account, other, _printer = desk
    sp = ZoneInfo("America/Sao_Paulo")
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    queue.calendar = BusinessCalendar.objects.create(
        name="Office", timezone="America/Sao_Paulo", hours={d: ["09:00-18:00"] for d in weekdays}
    )
    queue.save()
    always = BusinessCalendar.objects.create(
        name="Round the clock",
        timezone="America/Sao_Paulo",
        hours={d: ["00:00-24:00"] for d in (*weekdays, "sat", "sun")},
    )
    SlaPolicy.objects.create(name="Standard", targets={"normal": {"first_response": 60}})
    contracts.contract_create(
        actor=agent,
        values={
            "account": account.pk,
            "name": "24x7 care",
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2026, 12, 31),
            "calendar": always.pk,
        },
    )
    saturday = dt.datetime(2026, 5, 9, 10, 0, tzinfo=sp)

    def opened(customer) -> Ticket:
        values = {"subject": "Down", "queue": queue, "account": customer}
        return services.ticket_open(actor=None, values=values, channel="phone", now=saturday)

    covered, plain = opened(account), opened(other)
    assert (covered.coverage, covered.first_response_due) == ("contract", saturday + HOUR)
    assert (plain.coverage, plain.first_response_due) == (
        "none",
        dt.datetime(2026, 5, 11, 10, 0, tzinfo=sp),
    )
