"""The installed base through the API: assets with warranties, serial numbers unique per
product, parents in the same account and without cycles, contracts with their entitlement,
tickets naming an asset and a contract with the coverage shown, time logged, maintenance plans
run now; another team's records are 404, bad input 422 and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clientela.customers.services import account_create
from clientela.service.models import Queue, Ticket
from clientela.service.models_assets import Asset, MaintenancePlan, ServiceContract, Warranty


@pytest.fixture
def world(make_user, make_team):
    team = make_team("Field")
    agent = make_user("service-agent", teams=[team])
    stranger = make_user("service-agent", teams=[make_team("South")])
    queue = Queue.objects.create(name="Field", lead=agent, team=team)
    account = account_create(actor=agent, values={"name": "Loja Azul", "team": team})
    return agent, stranger, queue, account


def refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json().get("errors", {})


def test_assets_and_warranties_round_trip_with_their_rules(world, api_as, admin_user):
    agent, stranger, _queue, account = world
    api = api_as(agent)
    today = timezone.localdate()
    made = api.post(
        "/api/v1/service/assets",
        {
            "account": account.pk,
            "product_name": "POS terminal",
            "product_code": "POS-9",
            "serial_number": "S-1",
            "installed_on": "2025-03-01",
            "location": "Counter 1",
        },
    )
    assert made.status_code == 201, made.content
    pos = made.json()
    assert (pos["owner_id"], pos["team_id"], pos["warranty_state"]) == (
        agent.pk,
        account.team_id,
        "none",
    )
    # the same serial for the same product: a clear 422, not a 500; for another product, fine
    taken = api.post(
        "/api/v1/service/assets",
        {
            "account": account.pk,
            "product_name": "POS",
            "product_code": "POS-9",
            "serial_number": "S-1",
        },
    )
    assert "serial_number" in refused(taken)
    printer = api.post(
        "/api/v1/service/assets",
        {
            "account": account.pk,
            "product_name": "Receipt printer",
            "product_code": "PR-1",
            "serial_number": "S-1",
            "parent": pos["id"],
        },
    ).json()
    assert printer["parent_id"] == pos["id"]
    # a cycle is refused
    cycle = api.patch(f"/api/v1/service/assets/{pos['id']}", {"parent": printer["id"]})
    assert "parent" in refused(cycle)
    # a warranty, then the asset shows it; an end before the start is refused
    bad = api.post(
        f"/api/v1/service/assets/{pos['id']}/warranties",
        {"name": "Maker", "starts_on": "2026-01-02", "ends_on": "2026-01-01"},
    )
    assert "ends_on" in refused(bad)
    added = api.post(
        f"/api/v1/service/assets/{pos['id']}/warranties",
        {
            "name": "Maker",
            "starts_on": str(today - dt.timedelta(days=10)),
            "ends_on": str(today + dt.timedelta(days=20)),
        },
    )
    assert added.status_code == 201
    one = api.get(f"/api/v1/service/assets/{pos['id']}").json()
    assert (one["warranty_state"], one["warranty_until"]) == (
        "covered",
        str(today + dt.timedelta(days=20)),
    )
    warranty_id = added.json()["id"]
    changed = api.patch(f"/api/v1/service/warranties/{warranty_id}", {"coverage": "parts"})
    assert changed.json()["coverage"] == "parts"
    listed = api.get(
        "/api/v1/service/assets", {"account": account.pk, "q": "POS", "order": "serial"}
    )
    assert [a["id"] for a in listed.json()["items"]] == [pos["id"]]
    # another team sees nothing and changes nothing
    other = api_as(stranger)
    assert other.get(f"/api/v1/service/assets/{pos['id']}").status_code == 404
    assert other.delete(f"/api/v1/service/warranties/{warranty_id}").status_code == 404
    assert Warranty.objects.count() == 1
    assert api.delete(f"/api/v1/service/warranties/{warranty_id}").status_code == 204
    # an agent may not delete assets (403, nothing gone); an administrator may
    assert api.delete(f"/api/v1/service/assets/{printer['id']}").status_code == 403
    assert Asset.objects.count() == 2
    assert api_as(admin_user).delete(f"/api/v1/service/assets/{printer['id']}").status_code == 204
    assert list(Asset.objects.values_list("pk", flat=True)) == [pos["id"]]


def test_a_contract_ticket_shows_its_coverage_and_uses_its_entitlement(world, api_as):
    agent, stranger, queue, account = world
    api = api_as(agent)
    today = timezone.localdate()
    pos = api.post("/api/v1/service/assets", {"account": account.pk, "product_name": "POS"}).json()
    made = api.post(
        "/api/v1/service/contracts",
        {
            "account": account.pk,
            "name": "Care",
            "starts_on": str(today),
            "ends_on": str(today + dt.timedelta(days=90)),
            "incidents_included": 1,
            "hours_included": "2",
            "assets": [pos["id"]],
            "channels": ["api"],
        },
    )
    assert made.status_code == 201, made.content
    contract = made.json()
    assert contract["asset_ids"] == [pos["id"]]
    bad = api.post(
        "/api/v1/service/contracts",
        {
            "account": account.pk,
            "name": "",
            "starts_on": str(today),
            "ends_on": str(today - dt.timedelta(days=1)),
        },
    )
    assert set(refused(bad)) == {"name", "ends_on"}
    ticket = api.post(
        "/api/v1/tickets", {"subject": "Card reader dead", "queue": queue.pk, "asset": pos["id"]}
    )
    assert ticket.status_code == 201, ticket.content
    body = ticket.json()
    assert (body["account_id"], body["contract_id"], body["coverage"]) == (
        account.pk,
        contract["id"],
        "contract",
    )
    # a second one, naming the contract: no incident left, so opened but not covered, and why
    second = api.post(
        "/api/v1/tickets",
        {"subject": "Again", "queue": queue.pk, "asset": pos["id"], "contract": contract["id"]},
    ).json()
    assert (second["coverage"], second["contract_id"]) == ("none", contract["id"])
    detail = api.get(f"/api/v1/tickets/{second['id']}").json()
    assert detail["coverage_warning"] == "The contract has no incidents left."
    logged = api.post(f"/api/v1/tickets/{body['id']}/work-logs", {"minutes": 90, "note": "Swap"})
    assert logged.status_code == 201
    assert (logged.json()["contract_id"], logged.json()["billable"]) == (contract["id"], False)
    assert [w["minutes"] for w in api.get(f"/api/v1/tickets/{body['id']}/work-logs").json()] == [90]
    seen = api.get(f"/api/v1/service/contracts/{contract['id']}").json()["entitlement"]
    assert (
        seen["incidents_used"],
        seen["incidents_left"],
        seen["hours_used"],
        seen["hours_left"],
    ) == (1, 0, "1.50", "0.50")
    assert api.delete(f"/api/v1/service/work-logs/{logged.json()['id']}").status_code == 204
    patched = api.patch(f"/api/v1/service/contracts/{contract['id']}", {"incidents_included": 5})
    assert patched.json()["entitlement"]["incidents_left"] == 4
    listed = api.get("/api/v1/service/contracts", {"account": account.pk, "status": "active"})
    assert [c["id"] for c in listed.json()["items"]] == [contract["id"]]
    # another team: 404 on the contract, and naming it on a ticket is a 404 too
    other = api_as(stranger)
    assert other.get(f"/api/v1/service/contracts/{contract['id']}").status_code == 404
    hidden = other.post(
        "/api/v1/tickets", {"subject": "x", "queue": queue.pk, "contract": contract["id"]}
    )
    assert "contract" in refused(hidden, 404)
    cancelled = api.post(f"/api/v1/service/contracts/{contract['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/service/contracts/{contract['id']}/cancel")
    assert refused(again, 409) == {}
    assert ServiceContract.objects.get().status == "cancelled"
    assert Ticket.objects.count() == 2


def test_maintenance_plans_through_the_api(world, api_as, admin_user):
    agent, stranger, queue, account = world
    api = api_as(agent)
    pos = api.post(
        "/api/v1/service/assets",
        {"account": account.pk, "product_name": "Fridge", "serial_number": "F-1"},
    ).json()
    bad = api.post(
        "/api/v1/service/maintenance-plans",
        {"name": "Clean", "interval": 1, "next_due_on": "2030-01-01", "queue": queue.pk},
    )
    assert "asset" in refused(bad)
    made = api.post(
        "/api/v1/service/maintenance-plans",
        {
            "name": "Clean",
            "asset": pos["id"],
            "interval": 1,
            "unit": "months",
            "next_due_on": "2030-01-31",
            "queue": queue.pk,
        },
    )
    assert made.status_code == 201, made.content
    plan_id = made.json()["id"]
    assert (
        api.patch(f"/api/v1/service/maintenance-plans/{plan_id}", {"lead_days": 3}).json()[
            "lead_days"
        ]
        == 3
    )
    ran = api.post(f"/api/v1/service/maintenance-plans/{plan_id}/run").json()
    assert ran == {"tickets": 1, "next_due_on": "2030-02-28"}
    assert [p["id"] for p in api.get("/api/v1/service/maintenance-plans").json()["items"]] == [
        plan_id
    ]
    assert api.get(f"/api/v1/service/maintenance-plans/{plan_id}").json()["name"] == "Clean"
    assert api_as(stranger).get(f"/api/v1/service/maintenance-plans/{plan_id}").status_code == 404
    assert api.delete(f"/api/v1/service/maintenance-plans/{plan_id}").status_code == 403
    assert (
        api_as(admin_user).delete(f"/api/v1/service/maintenance-plans/{plan_id}").status_code == 204
    )
    assert MaintenancePlan.objects.count() == 0
    assert Ticket.objects.get().subject == "Preventive maintenance: Fridge (F-1) (due 2030-01-31)"


def test_the_contract_list_reads_a_fixed_number_of_queries(world, api_as):
    """Each contract's entitlement (incidents and hours used) is read for the whole page."""
    agent, _stranger, _queue, account = world
    api = api_as(agent)
    today = timezone.localdate()

    def contract(n: int) -> None:
        values = {"name": f"Care {n}", "starts_on": str(today), "ends_on": str(today)}
        made = api.post("/api/v1/service/contracts", {"account": account.pk, **values})
        assert made.status_code == 201, made.content

    def listed() -> tuple[int, list[dict]]:
        with CaptureQueriesContext(connection) as queries:
            items = api.get("/api/v1/service/contracts").json()["items"]
        return len(queries), items

    contract(1)
    few, items = listed()
    for n in range(2, 7):
        contract(n)
    many, items = listed()
    assert len(items) == 6
    assert all(c["entitlement"]["incidents_used"] == 0 for c in items)
    assert many == few
