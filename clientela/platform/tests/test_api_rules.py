"""The rules API's contract: every operation, exact error paths as problem+json, the dry run,
the runs per rule and per record with a retry, administrators only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from clientela.customers.services.leads import lead_create
from clientela.platform.models import AuditEntry, Notification, Rule, RuleRun, User
from clientela.platform.rules import registry
from clientela.platform.rules.registry import ActionCall, ActionType
from clientela.platform.tests.rules_support import settle

RULE = {
    "name": "Welcome new leads",
    "object_type": "customers.lead",
    "trigger": "created",
    "conditions": {"all": [{"field": "rating", "op": "eq", "value": "hot"}]},
    "actions": [{"type": "platform.notify", "params": {"title": "Hot lead"}}],
}


@pytest.fixture
def api(api_as: Callable[..., Any], admin_user: User) -> Any:
    return api_as(admin_user)


@pytest.fixture
def capture(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    return django_capture_on_commit_callbacks


def test_rule_crud_and_switching(api: Any, admin_user: User) -> None:
    created = api.post("/api/v1/rules", RULE)
    assert created.status_code == 201, created.content
    body = created.json()
    rule_id = body["id"]
    assert (body["run_as_id"], body["is_active"], body["trigger_config"]) == (
        admin_user.pk,
        True,
        {},
    )
    assert [r["id"] for r in api.get("/api/v1/rules").json()["items"]] == [rule_id]
    assert api.get(f"/api/v1/rules/{rule_id}").json()["name"] == "Welcome new leads"

    changed = api.patch(f"/api/v1/rules/{rule_id}", {"name": "Hot leads"})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["actions"]) == (
        "Hot leads",
        [{"type": "platform.notify", "params": {"to": "owner", "title": "Hot lead", "body": ""}}],
    )

    assert api.post(f"/api/v1/rules/{rule_id}/deactivate").json()["is_active"] is False
    assert api.post(f"/api/v1/rules/{rule_id}/activate").json()["is_active"] is True
    actions = list(
        AuditEntry.objects.filter(object_type="platform.rule")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "update", "update"]

    assert api.delete(f"/api/v1/rules/{rule_id}").status_code == 204
    assert not Rule.objects.exists()
    assert api.get(f"/api/v1/rules/{rule_id}").status_code == 404


def test_a_bad_rule_is_a_problem_naming_each_part(api: Any) -> None:
    answer = api.post(
        "/api/v1/rules",
        {
            **RULE,
            "conditions": {"all": [{"field": "rating", "op": "gt", "value": "hot"}]},
            "actions": [{"type": "platform.notify", "params": {"title": ""}}],
        },
    )
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert sorted(answer.json()["errors"]) == ["actions.0.params.title", "conditions.all.0.op"]
    assert not Rule.objects.exists()
    patched = api.patch("/api/v1/rules/999", {"name": "x"})
    assert patched.status_code == 404


def test_options_list_what_a_rule_may_use(api: Any) -> None:
    answer = api.get("/api/v1/rules/options?object_type=customers.contact")
    assert answer.status_code == 200
    body = answer.json()
    assert {"key": "customers.contact", "label": "Contacts"} in body["object_types"]
    fields = {f["path"]: f for f in body["fields"]}
    assert fields["account.industry"]["type"] == "choice"
    assert "contains" not in fields["account.industry"]["ops"]
    assert "platform.notify" in [a["key"] for a in body["actions"]]
    assert [t["key"] for t in body["triggers"]][:2] == ["created", "updated"]


def test_dry_run_through_the_api(api: Any, admin_user: User, capture: Any) -> None:
    rule_id = api.post("/api/v1/rules", RULE).json()["id"]
    with capture(execute=True):
        lead = lead_create(actor=admin_user, values={"last_name": "Lima", "rating": "cold"})
    tested = api.post(f"/api/v1/rules/{rule_id}/test", {"record_id": lead.pk})
    assert tested.status_code == 200
    assert tested.json()["matched"] is False
    assert tested.json()["explanation"][0]["actual"] == "cold"
    assert tested.json()["actions"] == [
        {"step": 0, "type": "platform.notify", "description": "Notify admin: Hot lead"}
    ]
    missing = api.post(f"/api/v1/rules/{rule_id}/test", {"record_id": 10**9})
    assert (missing.status_code, sorted(missing.json()["errors"])) == (404, ["record_id"])


class NoParams(BaseModel):
    pass


def test_runs_per_rule_and_record_and_a_retry(
    api: Any, admin_user: User, capture: Any, settings: Any
) -> None:
    settings.RULES_MAX_ATTEMPTS = 1
    broken = {"ok": False}

    def run(call: ActionCall) -> dict[str, Any]:
        if not broken["ok"]:
            raise ConnectionError("down")
        return {"sent": True}

    registry.register_action(ActionType("test.erp", "ERP", NoParams, run, lambda c: "ERP"))
    try:
        rule_id = api.post(
            "/api/v1/rules", {**RULE, "conditions": {}, "actions": [{"type": "test.erp"}]}
        ).json()["id"]
        with capture(execute=True):
            lead = lead_create(actor=admin_user, values={"last_name": "Lima"})
        settle(capture)
        runs = api.get(f"/api/v1/rules/{rule_id}/runs?status=failed").json()["items"]
        assert [(r["status"], r["error"], r["record_id"]) for r in runs] == [
            ("failed", "ConnectionError: down", str(lead.pk))
        ]
        per_record = api.get(
            f"/api/v1/rule-runs?object_type=customers.lead&record_id={lead.pk}"
        ).json()["items"]
        assert [r["id"] for r in per_record] == [runs[0]["id"]]
        assert api.get(f"/api/v1/rule-runs/{runs[0]['id']}").json()["attempts"] == 1
        # when the receiver is back and the run is retried
        broken["ok"] = True
        retried = api.post(f"/api/v1/rule-runs/{runs[0]['id']}/retry")
        assert (retried.status_code, retried.json()["status"]) == (200, "retrying")
        settle(capture)
        assert RuleRun.objects.get().status == "done"
        again = api.post(f"/api/v1/rule-runs/{runs[0]['id']}/retry")
        assert (again.status_code, again.json()["code"]) == (409, "not_failed")
    finally:
        registry.unregister_action("test.erp")
    assert Notification.objects.filter(title__startswith="A rule failed").count() == 1


def test_rules_are_for_administrators(
    api_as: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    manager = api_as(make_user("sales-manager"))
    assert manager.get("/api/v1/rules").status_code == 403
    assert manager.post("/api/v1/rules", RULE).status_code == 403
    assert manager.get("/api/v1/rule-runs").status_code == 403
    assert not Rule.objects.exists()
