"""The sales API: opportunities (create, list, filter, pages, change, move, history, delete),
pipelines with their stages, the board's figures, and refusals as problem+json that write
nothing. Answers are checked against the OpenAPI document the API serves."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator

from clientela.activities.models import Activity
from clientela.customers.services import account_create, contact_create
from clientela.platform.models import AuditEntry
from clientela.platform.services.customfields import field_create
from clientela.sales.models import Opportunity, Pipeline, Stage, StageChange
from clientela.sales.services import default_pipeline, opportunity_create

DEALS = "/api/v1/opportunities"
PIPELINES = "/api/v1/pipelines"
RENEWALS = [
    {
        "name": "Contacted",
        "probability": 20,
        "rotting_days": 7,
        "guidance": [{"kind": "call", "subject": "Call the customer", "due_days": 1}],
    },
    {"name": "Negotiation", "probability": 60, "required_fields": ["amount", "account"]},
    {"name": "Renewed", "kind": "won", "probability": 100},
    {"name": "Churned", "kind": "lost"},
]


@pytest.fixture
def north(make_team):
    return make_team("North")


@pytest.fixture
def rep(make_user, north):
    return make_user("sales-rep", teams=[north])


@pytest.fixture
def stranger(make_user, make_team):
    return make_user("sales-rep", teams=[make_team("South")])


@pytest.fixture
def manager(make_user, north):
    return make_user("sales-manager", teams=[north])


@pytest.fixture
def account(rep):
    return account_create(actor=rep, values={"name": "Transportes Ideal"})


def stage(name: str) -> Stage:
    return default_pipeline().stages.get(name=name)


def deal(actor, name: str = "Frota", **values: Any) -> Opportunity:
    return opportunity_create(actor=actor, values={"name": name, **values})


def audit_count() -> int:
    return AuditEntry.objects.count()


def conforms(api, response, path: str, method: str = "get") -> Any:
    """The answer's body, checked against the schema the document gives for its status."""
    spec = api.get("/api/openapi.json").json()
    answer = spec["paths"][path][method]["responses"][str(response.status_code)]
    schema = answer["content"]["application/json"]["schema"]
    body = response.json()
    Draft202012Validator({**schema, "components": spec["components"]}).validate(body)
    return body


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- opportunities ------------------------------------------------------------------------


def test_an_opportunity_is_created_with_contacts_read_and_listed(rep, account, api_as):
    ana = contact_create(actor=rep, values={"first_name": "Ana"})
    bia = contact_create(actor=rep, values={"first_name": "Bia"})
    api = api_as(rep)

    created = api.post(
        "/api/v1/opportunities",
        {
            "name": " Frota 2027 ",
            "account_id": account.pk,
            "amount": "1200.505",
            "currency": "usd",
            "expected_close_date": "2027-03-31",
            "contacts": [
                {"contact": ana.pk, "role": "decision_maker"},
                {"contact": bia.pk},
            ],
        },
    )

    assert created.status_code == 201, created.content
    body = conforms(api, created, DEALS, "post")
    assert body["name"] == "Frota 2027"
    assert (body["amount"], body["currency"]) == ("1200.51", "USD")  # half up to cents
    assert (body["stage_name"], body["status"], body["probability"]) == ("Initiation", "open", 10)
    assert body["pipeline_id"] == default_pipeline().pk
    assert body["probability_typed"] is False
    assert body["contacts"] == [
        {"contact": ana.pk, "role": "decision_maker"},
        {"contact": bia.pk, "role": "other"},
    ]
    assert (body["owner_id"], body["team_id"]) == (rep.pk, rep.teams.get().pk)
    assert body["custom"] == {}
    fetched = api.get(f"/api/v1/opportunities/{body['id']}")
    assert conforms(api, fetched, "/api/v1/opportunities/{opportunity_id}") == body
    listed = api.get("/api/v1/opportunities")
    assert conforms(api, listed, DEALS)["items"] == [body]


def test_the_list_filters_by_every_parameter(rep, manager, account, api_as, admin_user):
    ana = contact_create(actor=rep, values={"first_name": "Ana"})
    other = account_create(actor=rep, values={"name": "Alfa Logística"})
    renewals = Pipeline.objects.get(
        pk=api_as(admin_user)
        .post("/api/v1/pipelines", {"name": "Renewals", "stages": RENEWALS})
        .json()["id"]
    )
    early = deal(rep, "Early", account=account.pk, expected_close_date="2027-01-10")
    late = deal(rep, "Late", expected_close_date="2027-06-30", contacts=[{"contact": ana.pk}])
    won = deal(rep, "Won one", stage=stage("Won").pk, account=other.pk)
    renewal = deal(rep, "Renewal", pipeline=renewals.pk)
    theirs = deal(manager, "Manager's")
    api = api_as(manager)

    assert ids(api.get("/api/v1/opportunities", {"pipeline": renewals.pk})) == [renewal.pk]
    assert ids(api.get("/api/v1/opportunities", {"stage": stage("Won").pk})) == [won.pk]
    assert ids(api.get("/api/v1/opportunities", {"status": "won"})) == [won.pk]
    assert ids(api.get("/api/v1/opportunities", {"owner": manager.pk})) == [theirs.pk]
    assert ids(api.get("/api/v1/opportunities", {"team": rep.teams.get().pk, "owner": rep.pk})) == [
        renewal.pk,
        won.pk,
        late.pk,
        early.pk,
    ]
    assert ids(api.get("/api/v1/opportunities", {"account": account.pk})) == [early.pk]
    assert ids(api.get("/api/v1/opportunities", {"contact": ana.pk})) == [late.pk]
    assert ids(
        api.get("/api/v1/opportunities", {"close_from": "2027-01-01", "close_to": "2027-01-10"})
    ) == [early.pk]
    assert ids(api.get("/api/v1/opportunities", {"close_from": "2027-01-11"})) == [late.pk]
    assert ids(api.get("/api/v1/opportunities", {"q": "logística"})) == [
        won.pk
    ]  # the account's name
    assert ids(api.get("/api/v1/opportunities", {"q": "RENEW"})) == [renewal.pk]
    for bad in ({"status": "maybe"}, {"close_from": "31/01/2027"}, {"owner": "me"}):
        refused = api.get("/api/v1/opportunities", bad)
        assert refused.status_code == 422, bad
        assert refused["Content-Type"] == "application/problem+json"
    assert (
        api.get("/api/v1/opportunities", {"owner": 2**70}).status_code == 422
    )  # beyond any key, not a 500


def test_the_list_pages_with_a_cursor_in_either_order(rep, api_as):
    made = [deal(rep, f"D{n}").pk for n in range(7)]
    api = api_as(rep)

    def walk(sort: str) -> list[int]:
        seen: list[int] = []
        cursor = None
        for _ in range(5):
            params = {"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            body = conforms(api, api.get("/api/v1/opportunities", params), DEALS)
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        return seen

    assert walk("-created") == made[::-1]
    assert walk("created") == made
    newest_first = api.get("/api/v1/opportunities", {"limit": 3}).json()["next_cursor"]
    mixed = api.get("/api/v1/opportunities", {"sort": "created", "cursor": newest_first})
    assert mixed.status_code == 422
    assert list(mixed.json()["errors"]) == ["cursor"]
    assert api.get("/api/v1/opportunities", {"cursor": "nonsense"}).status_code == 422
    assert api.get("/api/v1/opportunities", {"cursor": "-created.bm9wZQ"}).status_code == 422
    assert api.get("/api/v1/opportunities", {"sort": "amount"}).status_code == 422
    assert api.get("/api/v1/opportunities", {"limit": 500}).status_code == 422


def test_patch_changes_only_the_fields_sent(rep, account, api_as):
    mine = deal(rep, amount="500", next_step="Send the proposal")
    api = api_as(rep)

    changed = api.patch(
        f"/api/v1/opportunities/{mine.pk}",
        {"name": "Frota 2028", "probability": 45, "account_id": account.pk},
    )

    body = conforms(api, changed, "/api/v1/opportunities/{opportunity_id}", "patch")
    assert (body["name"], body["amount"], body["next_step"]) == (
        "Frota 2028",
        "500.00",
        "Send the proposal",
    )
    assert (body["probability"], body["probability_typed"], body["account_id"]) == (
        45,
        True,
        account.pk,
    )
    back = api.patch(f"/api/v1/opportunities/{mine.pk}", {"probability": None}).json()
    assert (back["probability"], back["probability_typed"]) == (10, False)  # the stage's again
    assert (
        api.patch(f"/api/v1/opportunities/{mine.pk}", {"amount": 2.675}).json()["amount"] == "2.68"
    )
    cleared = api.patch(
        f"/api/v1/opportunities/{mine.pk}", {"account_id": None, "lost_reason": ""}
    ).json()
    assert cleared["account_id"] is None
    entry = AuditEntry.objects.filter(object_type="sales.opportunity").latest("seq")
    assert entry.action == "update"


def test_a_move_lists_the_missing_required_fields_then_succeeds_and_keeps_history(
    rep, account, api_as
):
    mine = deal(rep)
    api = api_as(rep)
    move = f"/api/v1/opportunities/{mine.pk}/move"
    rfp = stage("RFP received").pk

    refused = api.post(f"/api/v1/opportunities/{mine.pk}/move", {"stage": rfp})

    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    errors = refused.json()["errors"]
    assert set(errors) == {"account", "amount", "expected_close_date"}
    assert errors["amount"] == ["Required to enter the stage “RFP received”."]
    mine.refresh_from_db()
    assert mine.stage.name == "Initiation"
    assert StageChange.objects.filter(opportunity=mine).count() == 1

    moved = api.post(
        move,
        {
            "stage": rfp,
            "values": {
                "account": account.pk,
                "amount": 80000,
                "expected_close_date": "2027-03-31",
            },
        },
    )

    body = conforms(api, moved, "/api/v1/opportunities/{opportunity_id}/move", "post")
    assert (body["stage_name"], body["probability"], body["amount"]) == (
        "RFP received",
        50,
        "80000.00",
    )
    assert (body["account_id"], body["expected_close_date"]) == (account.pk, "2027-03-31")
    task = Activity.objects.get(link_type="sales.opportunity", link_id=mine.pk)
    assert (task.subject, task.owner_id) == ("Answer the RFP", rep.pk)

    lost = api.post(move, {"stage": stage("Lost").pk})
    assert lost.json()["errors"] == {"lost_reason": ["Required to enter the stage “Lost”."]}
    lost = api.post(move, {"stage": stage("Lost").pk, "values": {"lost_reason": "price"}}).json()
    assert (lost["status"], lost["probability"], lost["forecast_category"]) == (
        "lost",
        0,
        "omitted",
    )
    assert lost["closed_at"] is not None

    history = api.get(f"/api/v1/opportunities/{mine.pk}/history")
    moves = conforms(api, history, "/api/v1/opportunities/{opportunity_id}/history")
    assert [(m["from_name"], m["to_name"], m["to_kind"]) for m in moves] == [
        ("", "Initiation", "open"),
        ("Initiation", "RFP received", "open"),
        ("RFP received", "Lost", "lost"),
    ]
    assert [(m["amount"], m["probability"]) for m in moves] == [
        ("0.00", 10),
        ("80000.00", 50),
        ("80000.00", 0),
    ]
    assert {m["by_id"] for m in moves} == {rep.pk}
    assert moves[0]["from_stage_id"] is None and moves[1]["to_stage_id"] == rfp


def test_a_move_to_an_unknown_stage_or_with_bad_values_changes_nothing(rep, api_as):
    mine = deal(rep)
    api = api_as(rep)
    move = f"/api/v1/opportunities/{mine.pk}/move"
    before = audit_count()

    unknown = api.post(move, {"stage": 2**62})
    bad_amount = api.post(move, {"stage": stage("Identification").pk, "values": {"amount": "x"}})
    bad_type = api.post(move, {"stage": "Won"})

    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["stage"]
    assert bad_amount.json()["errors"] == {"amount": ["Enter an amount such as 1234.56."]}
    assert bad_type.status_code == 422
    mine.refresh_from_db()
    assert (mine.stage.name, mine.amount) == ("Initiation", 0)
    assert audit_count() == before
    assert StageChange.objects.filter(opportunity=mine).count() == 1


def test_delete_needs_the_right_and_then_removes(rep, manager, api_as):
    mine = deal(rep)

    refused = api_as(rep).delete(f"/api/v1/opportunities/{mine.pk}")
    deleted = api_as(manager).delete(f"/api/v1/opportunities/{mine.pk}")

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert deleted.status_code == 204
    assert not Opportunity.objects.exists()
    assert api_as(manager).get(f"/api/v1/opportunities/{mine.pk}").status_code == 404


def test_another_teams_opportunity_answers_404_everywhere_and_is_untouched(rep, stranger, api_as):
    theirs = deal(stranger, "Deles", amount="10")
    their_account = account_create(actor=stranger, values={"name": "Conta deles"})
    api = api_as(rep)
    before = audit_count()
    path = f"/api/v1/opportunities/{theirs.pk}"

    answers = [
        api.get(path),
        api.patch(path, {"name": "Meu"}),
        api.delete(path),
        api.post(f"{path}/move", {"stage": stage("Identification").pk}),
        api.get(f"{path}/history"),
    ]
    link = api.post("/api/v1/opportunities", {"name": "Meu", "account_id": their_account.pk})

    assert [a.status_code for a in answers] == [404] * 5
    assert {a.json()["code"] for a in answers} == {"not_found"}
    assert link.status_code == 404 and list(link.json()["errors"]) == ["account"]
    assert ids(api.get("/api/v1/opportunities")) == []
    theirs.refresh_from_db()
    assert (theirs.name, theirs.stage.name) == ("Deles", "Initiation")
    assert Opportunity.objects.count() == 1
    assert audit_count() == before


def test_bad_input_is_problem_json_and_writes_nothing(rep, api_as):
    api = api_as(rep)
    before = audit_count()
    payloads = [
        {"name": "x", "amount": True},  # a boolean is no amount
        {"name": "x", "amount": [1]},
        {"name": "x", "probability": "high"},
        {"name": "x", "probability": True},
        {"name": ["x"]},
        {"amount": "1"},  # no name
        {"name": "x", "expected_close_date": "31/02/2027"},
        {"name": "x", "currency": "REAIS"},
        {"name": "x", "contacts": "Ana"},
        {"name": "x", "contacts": [{"contact": 1}] * 51},
        {"name": "x", "account_id": 2**70},
        {"name": "x", "description": "a" * 20_001},
        {"name": "x", "custom": ["not", "an", "object"]},
    ]
    for payload in payloads:
        response = api.post("/api/v1/opportunities", payload)
        assert response.status_code == 422, (payload, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"], payload

    assert list(
        api.post("/api/v1/opportunities", {"name": "x", "amount": False}).json()["errors"]
    ) == ["payload.amount"]
    by_service = api.post(
        "/api/v1/opportunities",
        {
            "name": " ",
            "amount": "12,5 reais",
            "currency": "XYZ",
            "probability": 140,
            "forecast_category": "maybe",
            "lead_source": "fair",
        },
    )
    assert set(by_service.json()["errors"]) == {
        "name",
        "amount",
        "currency",
        "probability",
        "forecast_category",
        "lead_source",
    }
    assert by_service.json()["errors"]["currency"] == [
        "Enter a currency code such as BRL, USD or EUR."
    ]
    negative = api.post("/api/v1/opportunities", {"name": "x", "amount": "-1"})
    assert negative.json()["errors"] == {
        "amount": ["Enter an amount from 0 to 99,999,999,999,999.99."]
    }
    huge = api.post("/api/v1/opportunities", {"name": "x", "description": "a" * 6_000_000})
    assert (huge.status_code, huge.json()["code"]) == (413, "too_large")
    unreadable = api.client.post(
        "/api/v1/opportunities", "{not json", content_type="application/json", headers=api.headers
    )
    assert unreadable.status_code in (400, 422)
    assert unreadable["Content-Type"] == "application/problem+json"
    assert not Opportunity.objects.exists()
    assert audit_count() == before


def test_a_read_only_token_and_a_role_without_sales_rights_cannot_write(rep, make_user, api_as):
    agent = make_user("service-agent")

    read_only = api_as(rep, read_only=True).post("/api/v1/opportunities", {"name": "x"})
    no_rights = api_as(agent).post("/api/v1/opportunities", {"name": "x"})

    assert (read_only.status_code, no_rights.status_code) == (403, 403)
    assert api_as(agent).get("/api/v1/opportunities").json()["items"] == []
    assert not Opportunity.objects.exists()


def test_custom_fields_go_in_and_out_as_the_document_describes(rep, admin_user, api_as):
    field_create(
        actor=admin_user,
        values={
            "object_type": "sales.opportunity",
            "key": "discount",
            "label": "Discount",
            "field_type": "decimal",
        },
    )
    api = api_as(rep)

    created = api.post("/api/v1/opportunities", {"name": "Frota", "custom": {"discount": "12.5"}})
    wrong = api.post("/api/v1/opportunities", {"name": "Frota", "custom": {"discount": "lots"}})

    assert conforms(api, created, DEALS, "post")["custom"] == {"discount": "12.5"}
    assert wrong.status_code == 422 and list(wrong.json()["errors"]) == ["custom.discount"]
    spec = api.get("/api/openapi.json").json()["components"]["schemas"]
    assert spec["OpportunityOut"]["properties"]["custom"]["$ref"].endswith("OpportunityCustomOut")
    assert "discount" in spec["OpportunityCustomOut"]["properties"]
    assert Opportunity.objects.count() == 1


def test_the_list_costs_the_same_queries_for_3_or_30_opportunities(rep, api_as):
    ana = contact_create(actor=rep, values={"first_name": "Ana"})
    api = api_as(rep)
    api.get("/api/v1/opportunities")  # the token's first use writes last_used_at

    def queries_for(n: int) -> int:
        while Opportunity.objects.count() < n:
            deal(rep, contacts=[{"contact": ana.pk, "role": "user"}])
        with CaptureQueriesContext(connection) as captured:
            assert len(api.get("/api/v1/opportunities").json()["items"]) == n
        return len(captured)

    assert queries_for(3) == queries_for(30)


# --- pipelines ----------------------------------------------------------------------------


def test_pipelines_are_created_listed_read_and_changed(admin_user, rep, api_as):
    admin = api_as(admin_user)

    created = admin.post("/api/v1/pipelines", {"name": "Renewals", "stages": RENEWALS})

    assert created.status_code == 201, created.content
    body = conforms(admin, created, PIPELINES, "post")
    assert (body["name"], body["is_default"], body["active"]) == ("Renewals", False, True)
    stages = {s["name"]: s for s in body["stages"]}
    assert [s["name"] for s in body["stages"]] == ["Contacted", "Negotiation", "Renewed", "Churned"]
    assert [s["position"] for s in body["stages"]] == [0, 1, 2, 3]
    assert stages["Negotiation"]["required_fields"] == ["account", "amount"]
    assert stages["Contacted"]["guidance"] == [
        {"kind": "call", "subject": "Call the customer", "due_days": 1}
    ]
    assert (stages["Contacted"]["rotting_days"], stages["Churned"]["kind"]) == (7, "lost")

    listed = api_as(rep).get("/api/v1/pipelines")  # a rep reads pipelines to file and move deals
    assert [p["name"] for p in conforms(admin, listed, PIPELINES)["items"]] == [
        default_pipeline().name,
        "Renewals",
    ]
    path = f"/api/v1/pipelines/{body['id']}"
    assert api_as(rep).get(path).json() == body

    changed = admin.patch(
        path,
        {
            "name": "Renewals 2027",
            "stages": [
                {"id": stages["Negotiation"]["id"], "name": "Negotiating", "probability": 65},
                {"id": stages["Contacted"]["id"], "name": "Contacted", "probability": 25},
                {"name": "Signed", "kind": "won", "probability": 100},
            ],
        },
    )

    after = conforms(admin, changed, "/api/v1/pipelines/{pipeline_id}", "patch")
    assert after["name"] == "Renewals 2027"
    assert [(s["name"], s["probability"]) for s in after["stages"]] == [
        ("Negotiating", 65),
        ("Contacted", 25),
        ("Signed", 100),
    ]
    assert after["stages"][0]["id"] == stages["Negotiation"]["id"]
    assert after["stages"][0]["required_fields"] == []  # each listed stage is given whole
    assert not Stage.objects.filter(pk=stages["Churned"]["id"]).exists()
    retired = admin.patch(path, {"active": False}).json()
    assert retired["active"] is False
    assert [p["name"] for p in api_as(rep).get("/api/v1/pipelines").json()["items"]] == [
        default_pipeline().name
    ]
    everything = api_as(rep).get("/api/v1/pipelines", {"include_inactive": True}).json()["items"]
    assert [p["name"] for p in everything][-1] == "Renewals 2027"


def test_pipeline_changes_need_the_settings_right_and_bad_stages_are_refused(
    admin_user, rep, make_user, api_as
):
    default = default_pipeline()
    admin, mine, agent = api_as(admin_user), api_as(rep), api_as(make_user("service-agent"))
    before = Pipeline.objects.count(), Stage.objects.count(), audit_count()

    by_rep = mine.post("/api/v1/pipelines", {"name": "Mine", "stages": RENEWALS})
    rep_change = mine.patch(f"/api/v1/pipelines/{default.pk}", {"name": "Mine"})
    by_agent = agent.get("/api/v1/pipelines")
    taken = admin.post("/api/v1/pipelines", {"name": default.name.upper(), "stages": RENEWALS})
    bad = admin.post(
        "/api/v1/pipelines",
        {
            "name": "Bad",
            "stages": [
                {"name": "Open", "probability": 140, "rotting_days": 0},
                {"name": "Done", "kind": "maybe", "required_fields": ["budget"]},
            ],
        },
    )
    no_open = admin.post(
        "/api/v1/pipelines", {"name": "Closed", "stages": [{"name": "W", "kind": "won"}]}
    )
    no_stages = admin.post("/api/v1/pipelines", {"name": "Empty", "stages": []})
    too_many = admin.post("/api/v1/pipelines", {"name": "Long", "stages": [{"name": "s"}] * 31})
    wrong_type = admin.post(
        "/api/v1/pipelines", {"name": "X", "stages": [{"name": "A", "probability": "1"}]}
    )

    assert (by_rep.status_code, rep_change.status_code, by_agent.status_code) == (403, 403, 403)
    assert taken.json()["errors"] == {"name": ["A pipeline with this name exists."]}
    assert set(bad.json()["errors"]) == {
        "stages.0.probability",
        "stages.1.kind",
        "stages.1.required_fields",
    }
    assert no_open.json()["errors"] == {"stages": ["A pipeline needs at least one open stage."]}
    for refused in (no_stages, too_many, wrong_type):
        assert refused.status_code == 422
        assert refused["Content-Type"] == "application/problem+json"
    assert (Pipeline.objects.count(), Stage.objects.count(), audit_count()) == before
    default.refresh_from_db()
    assert default.name != "Mine"


def test_refused_deletes_leave_pipelines_and_stages_in_place(admin_user, rep, api_as):
    admin = api_as(admin_user)
    renewals = admin.post("/api/v1/pipelines", {"name": "Renewals", "stages": RENEWALS}).json()
    spare = admin.post("/api/v1/pipelines", {"name": "Spare", "stages": [{"name": "Open"}]}).json()
    contacted = renewals["stages"][0]
    deal(rep, stage=contacted["id"])
    before = Pipeline.objects.count(), Stage.objects.count()

    default = admin.delete(f"/api/v1/pipelines/{default_pipeline().pk}")
    with_deals = admin.delete(f"/api/v1/pipelines/{renewals['id']}")
    # dropping the stage the deal is in from the list
    stage_in_use = admin.patch(
        f"/api/v1/pipelines/{renewals['id']}", {"stages": [{"name": "Only", "probability": 5}]}
    )
    by_rep = api_as(rep).delete(f"/api/v1/pipelines/{spare['id']}")

    assert (default.status_code, default.json()["code"]) == (409, "conflict")
    assert default.json()["title"] == "The default pipeline cannot be deleted."
    assert with_deals.status_code == 409
    # the service refuses a stage removal as a validation error, not a conflict
    assert stage_in_use.status_code == 422
    assert stage_in_use.json()["errors"] == {
        "stages": ["Opportunities are in the stage “Contacted”; move them first."]
    }
    assert by_rep.status_code == 403
    assert (Pipeline.objects.count(), Stage.objects.count()) == before
    assert [
        s["name"] for s in admin.get(f"/api/v1/pipelines/{renewals['id']}").json()["stages"]
    ] == [
        "Contacted",
        "Negotiation",
        "Renewed",
        "Churned",
    ]

    deleted = admin.delete(f"/api/v1/pipelines/{spare['id']}")
    assert deleted.status_code == 204
    assert admin.get(f"/api/v1/pipelines/{spare['id']}").status_code == 404
    assert admin.delete(f"/api/v1/pipelines/{spare['id']}").status_code == 404


# --- the board ----------------------------------------------------------------------------


def test_the_board_sums_each_stage_in_the_company_currency(rep, manager, stranger, api_as):
    b = deal(rep, "B", amount="250.50", expected_close_date="2027-01-05")
    a = deal(rep, "A", amount="100", expected_close_date="2027-01-10")
    c = deal(rep, "C", amount="333.33", probability=33)
    usd = deal(rep, "USD", amount="9", currency="USD")
    qualified = account_create(actor=rep, values={"name": "Ideal"})
    deal(rep, "D", amount="1000", stage=stage("Qualification").pk, account=qualified.pk)
    deal(rep, "W", amount="7", stage=stage("Won").pk)
    m = deal(manager, "M", amount="50")  # a teammate's: on the board
    deal(stranger, "S", amount="5000")  # another team's: not on the rep's board
    board = f"/api/v1/pipelines/{default_pipeline().pk}/board"
    api = api_as(rep)

    response = api.get(f"/api/v1/pipelines/{default_pipeline().pk}/board")

    body = conforms(api, response, "/api/v1/pipelines/{pipeline_id}/board")
    columns = {c["stage_name"]: c for c in body["columns"]}
    assert [c["stage_name"] for c in body["columns"]] == [
        "Initiation",
        "Identification",
        "Qualification",
        "RFP received",
        "Quote sent",
        "Won",
        "Lost",
    ]
    first = columns["Initiation"]
    # 100 + 250.50 + 333.33 + 50; the USD deal counts but is not summed
    assert (first["count"], first["total"]) == (5, "733.83")
    # (100 + 250.50 + 50) * 10% + 333.33 * 33% = 40.05 + 109.9989
    assert first["weighted"] == "150.05"
    # by expected close date, the undated last by id
    assert [card["id"] for card in first["cards"]] == [b.pk, a.pk, c.pk, usd.pk, m.pk]
    assert (first["cards"][3]["amount"], first["cards"][3]["currency"]) == ("9.00", "USD")
    assert first["more"] == 0
    assert (columns["Qualification"]["total"], columns["Qualification"]["weighted"]) == (
        "1000.00",
        "300.00",
    )
    assert (columns["Won"]["count"], columns["Won"]["weighted"]) == (1, "7.00")
    assert (columns["Lost"]["count"], columns["Lost"]["total"]) == (0, "0.00")
    assert (body["currency"], body["other_currencies"]) == ("BRL", True)
    assert (body["count"], body["total"], body["weighted"]) == (7, "1740.83", "457.05")

    by_owner = api_as(manager).get(board, {"owner": manager.pk}).json()
    assert (by_owner["count"], by_owner["total"]) == (1, "50.00")
    early = api.get(board, {"close_from": "2027-01-01", "close_to": "2027-01-07"}).json()
    assert [(c["stage_name"], c["count"]) for c in early["columns"] if c["count"]] == [
        ("Initiation", 1)
    ]
    assert api.get(board, {"close_from": "soon"}).status_code == 422
    assert api.get(f"/api/v1/pipelines/{2**62}/board").status_code == 404


def test_the_board_costs_the_same_queries_for_3_or_30_opportunities(rep, api_as):
    api = api_as(rep)
    board = f"/api/v1/pipelines/{default_pipeline().pk}/board"
    api.get(board)

    def queries_for(n: int) -> int:
        while Opportunity.objects.count() < n:
            deal(rep, amount="10")
        with CaptureQueriesContext(connection) as captured:
            assert api.get(board).json()["count"] == n
        return len(captured)

    assert queries_for(3) == queries_for(30)


def test_every_sales_field_and_parameter_is_described_in_the_document(api_as, rep):
    spec = api_as(rep).get("/api/openapi.json").json()
    undescribed = []
    for path, operations in spec["paths"].items():
        if not path.startswith((DEALS, PIPELINES)):
            continue
        for method, operation in operations.items():
            undescribed += [
                f"{method} {path} ?{p['name']}"
                for p in operation.get("parameters", [])
                if p["in"] == "query" and not p.get("description")
            ]
    sales_schemas = (
        "Opportunity",
        "ContactRole",
        "Move",
        "StageChange",
        "Stage",
        "Guidance",
        "Pipeline",
        "Board",
    )
    for name, schema in spec["components"]["schemas"].items():
        if name.startswith(sales_schemas) and "Custom" not in name:
            undescribed += [
                f"{name}.{prop}"
                for prop, value in schema.get("properties", {}).items()
                if not value.get("description")
            ]
    assert not undescribed
