"""Planned service: calendar-month arithmetic, the generator opening one ticket per asset ahead
of each visit, never twice (a second run, or a run that read the plan before the first moved it
on), the catch-up of a plan left behind, run now; and the renewal reminder sent once."""

from __future__ import annotations

import datetime as dt

import pytest

from clientela.customers.services import account_create
from clientela.platform.models import Notification
from clientela.service import contracts, maintenance
from clientela.service.installed_base import asset_create
from clientela.service.maintenance import add_interval, catch_up
from clientela.service.models import Queue, Ticket
from clientela.service.models_assets import MaintenancePlan, MaintenanceVisit, ServiceContract

D = dt.date


def test_months_are_calendar_months_and_the_31st_is_clamped():
    assert add_interval(D(2026, 1, 31), 1, "months") == D(2026, 2, 28)
    assert add_interval(D(2028, 1, 31), 1, "months") == D(2028, 2, 29)
    assert add_interval(D(2026, 8, 31), 6, "months") == D(2027, 2, 28)
    assert add_interval(D(2026, 11, 15), 3, "months") == D(2027, 2, 15)
    assert add_interval(D(2026, 12, 31), 12, "months") == D(2027, 12, 31)
    assert add_interval(D(2026, 2, 20), 10, "days") == D(2026, 3, 2)
    # catch-up: the latest due date not after today, else the date itself
    assert catch_up(D(2020, 1, 15), 3, "months", D(2026, 5, 10)) == D(2026, 4, 15)
    assert catch_up(D(2026, 1, 1), 7, "days", D(2026, 1, 20)) == D(2026, 1, 15)
    assert catch_up(D(2026, 6, 1), 1, "months", D(2026, 5, 10)) == D(2026, 6, 1)


@pytest.fixture
def site(make_user, make_team):
    team = make_team("Field")
    agent = make_user("service-agent", teams=[team])
    queue = Queue.objects.create(name="Field", lead=agent, team=team)
    account = account_create(actor=agent, values={"name": "Hotel Mar", "team": team})
    units = [
        asset_create(
            actor=agent,
            values={"account": account.pk, "product_name": "Air conditioner", "serial_number": s},
        )
        for s in ("AC-1", "AC-2")
    ]
    contract = contracts.contract_create(
        actor=agent,
        values={
            "account": account.pk,
            "name": "Cooling",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "incidents_included": 0,
        },
    )
    return agent, queue, account, units, contract


def test_the_generator_opens_one_ticket_per_asset_once_and_moves_on(site):
    agent, queue, _account, units, contract = site
    plan = maintenance.plan_save(
        actor=agent,
        values={
            "name": "Quarterly cleaning",
            "contract": contract.pk,
            "interval": 3,
            "unit": "months",
            "next_due_on": "2026-05-31",
            "lead_days": 14,
            "queue": queue.pk,
        },
    )
    assert maintenance.generate(D(2026, 5, 16)) == {"plans": 0, "tickets": 0}  # 15 days ahead
    assert maintenance.generate(D(2026, 5, 17)) == {"plans": 1, "tickets": 2}
    plan.refresh_from_db()
    assert plan.next_due_on == D(2026, 8, 31)
    tickets = list(Ticket.objects.filter(asset__in=units).order_by("asset_id"))
    assert [t.subject for t in tickets] == [
        "Preventive maintenance: Air conditioner (AC-1) (due 2026-05-31)",
        "Preventive maintenance: Air conditioner (AC-2) (due 2026-05-31)",
    ]
    # planned visits are part of the contract: covered, no incident used (it has none)
    assert {(t.contract_id, t.coverage, t.channel) for t in tickets} == {
        (contract.pk, "contract", "manual")
    }
    assert contracts.entitlement(contract).incidents_used == 0
    # run again the same day: nothing; a run that read the plan before it moved on: nothing
    assert maintenance.generate(D(2026, 5, 17))["tickets"] == 0
    MaintenancePlan.objects.filter(pk=plan.pk).update(next_due_on=D(2026, 5, 31))
    assert maintenance.run_plan(plan.pk, D(2026, 5, 17)) == 0
    assert Ticket.objects.count() == 2
    assert MaintenanceVisit.objects.filter(plan=plan).count() == 2


def test_a_plan_left_behind_opens_only_the_current_visit_and_run_now(site):
    agent, queue, _account, units, _contract = site
    plan = maintenance.plan_save(
        actor=agent,
        values={
            "name": "Filter",
            "asset": units[0].pk,
            "interval": 30,
            "unit": "days",
            "next_due_on": "2024-01-01",
            "lead_days": 0,
            "queue": queue.pk,
        },
    )
    assert maintenance.generate(D(2026, 5, 10)) == {"plans": 1, "tickets": 1}
    visit = MaintenanceVisit.objects.get(plan=plan)
    assert visit.due_on == D(2026, 4, 20)  # 2024-01-01 + 28 x 30 days, the last before today
    plan.refresh_from_db()
    assert plan.next_due_on == D(2026, 5, 20)
    # run now: the next visit at once, whatever its lead time
    assert maintenance.plan_run_now(actor=agent, plan_id=plan.pk, today=D(2026, 5, 10)) == 1
    plan.refresh_from_db()
    assert plan.next_due_on == D(2026, 6, 19)
    assert Ticket.objects.filter(asset=units[0]).count() == 2


def test_a_plan_needs_an_asset_or_a_contract_and_sane_numbers(site):
    agent, queue, _account, _units, _contract = site
    with pytest.raises(Exception) as refused:
        maintenance.plan_save(
            actor=agent,
            values={"name": "", "interval": 0, "next_due_on": "soon", "queue": queue.pk},
        )
    assert set(refused.value.errors) == {"name", "asset", "interval", "next_due_on"}
    assert MaintenancePlan.objects.count() == 0


def test_the_renewal_reminder_is_sent_once_to_the_owner_and_emitted(
    site, django_capture_on_commit_callbacks
):
    agent, _queue, _account, _units, contract = site
    ServiceContract.objects.filter(pk=contract.pk).update(renewal_notice_days=30)
    assert contracts.remind_renewals(D(2026, 11, 30)) == 0  # 31 days before
    with django_capture_on_commit_callbacks(execute=False) as emitted:
        assert contracts.remind_renewals(D(2026, 12, 1)) == 1
    assert emitted  # the event for the rules
    assert contracts.remind_renewals(D(2026, 12, 2)) == 0
    note = Notification.objects.get(user=agent)
    assert "Cooling" in note.title and "2026-12-31" in note.title
    contract.refresh_from_db()
    assert contract.renewal_reminded_on == D(2026, 12, 1)
    # renewed: the reminder is armed again for the new end
    contracts.contract_update(
        actor=agent, contract_id=contract.pk, values={"ends_on": "2027-12-31"}
    )
    contract.refresh_from_db()
    assert contract.renewal_reminded_on is None
