"""The rules engine end to end on real records: runs written and run by the worker's own loop,
conditions on custom fields and related records, sequences with a wait, retries then failure,
the loop guard, the dry run, and a rule whose user lost the right.

Tasks run through the real database backend (``drain`` uses the worker's ``run_one``); the
after-commit callbacks (the events) run as a real commit would. Retries are driven with a zero
back-off and an explicit clock, never by sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pydantic import BaseModel

from clientela.customers.models import Lead
from clientela.customers.services.accounts import account_create
from clientela.customers.services.contacts import contact_create
from clientela.customers.services.leads import lead_create, lead_update
from clientela.platform.models import (
    AuditEntry,
    Notification,
    Role,
    RuleRun,
    RunStatus,
    User,
)
from clientela.platform.rules import engine, registry
from clientela.platform.rules.registry import ActionCall, ActionType
from clientela.platform.services.customfields import field_create
from clientela.platform.services.rules import rule_test
from clientela.platform.tests.rules_support import drain, make_rule, notify, settle


@pytest.fixture
def capture(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    return django_capture_on_commit_callbacks


def new_lead(actor: User, capture: Callable[..., Any], **values: Any) -> Lead:
    with capture(execute=True):
        return lead_create(actor=actor, values={"last_name": "Souza", **values})


def test_a_created_lead_notifies_its_owner_through_the_worker(
    admin_user: User, make_user: Callable[..., User], capture: Callable[..., Any]
) -> None:
    # given a rule on new leads and a rep who owns one
    rule = make_rule(admin_user, actions=[notify("New lead: {{ last_name }}")])
    rep = make_user("sales-rep")
    # when a lead is created for the rep and the worker runs
    lead = new_lead(admin_user, capture, owner=rep.pk)
    assert settle(capture) == 1
    # then the rep got the notification and the run says what it did
    [note] = Notification.objects.filter(user=rep)
    assert note.title == "New lead: Souza"
    assert note.url == f"/leads/{lead.pk}/" or note.url.endswith(f"/{lead.pk}/")
    [run] = RuleRun.objects.filter(rule=rule)
    assert (run.status, run.step, run.record_id, run.event) == (
        "done",
        1,
        str(lead.pk),
        "customers.lead.created",
    )
    assert run.finished_at is not None and run.error == ""
    assert [e["kind"] for e in run.log] == ["action"]
    assert run.log[0]["result"] == {"notification": note.pk, "user": rep.pk}


def test_conditions_read_custom_fields_and_the_related_account(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    # given a budget custom field on contacts and a rule for big budgets at banks
    field_create(
        actor=admin_user,
        values={
            "object_type": "customers.contact",
            "key": "budget",
            "label": "Budget",
            "field_type": "decimal",
        },
    )
    rule = make_rule(
        admin_user,
        object_type="customers.contact",
        conditions={
            "all": [
                {"field": "custom.budget", "op": "gte", "value": "10000.50"},
                {"field": "account.industry", "op": "eq", "value": "banking"},
            ]
        },
    )
    bank = account_create(actor=admin_user, values={"name": "Banco Sul", "industry": "banking"})
    shop = account_create(actor=admin_user, values={"name": "Loja", "industry": "retail"})
    # when three contacts are created
    with capture(execute=True):
        rich = contact_create(
            actor=admin_user,
            values={"first_name": "Ana", "account": bank.pk, "custom": {"budget": "20000"}},
        )
        contact_create(
            actor=admin_user,
            values={"first_name": "Bia", "account": bank.pk, "custom": {"budget": "10000.49"}},
        )
        contact_create(
            actor=admin_user,
            values={"first_name": "Caio", "account": shop.pk, "custom": {"budget": "90000"}},
        )
    settle(capture)
    # then only the rich bank contact's run acted; the others are skipped with the reason
    runs = {r.record_id: r for r in RuleRun.objects.filter(rule=rule)}
    assert runs[str(rich.pk)].status == "done"
    assert sorted(r.status for r in runs.values()) == ["done", "skipped", "skipped"]
    skipped = [r for r in runs.values() if r.status == "skipped"]
    assert {r.error for r in skipped} == {"The conditions are not met."}
    leaves = runs[str(rich.pk)].log[0]["leaves"]
    assert [(x["field"], x["actual"], x["result"]) for x in leaves] == [
        ("custom.budget", "20000", True),
        ("account.industry", "banking", True),
    ]
    assert Notification.objects.filter(user=admin_user).count() == 1


def test_a_sequence_waits_then_takes_its_next_step(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    # given a rule: notify, wait two hours, notify again
    rule = make_rule(
        admin_user,
        actions=[
            notify("Call within two hours"),
            {"type": "platform.wait", "params": {"minutes": 120}},
            notify("Send the letter"),
        ],
    )
    lead = new_lead(admin_user, capture)
    started = timezone.now()
    settle(capture)
    # then the first step ran and the run waits
    run = RuleRun.objects.get(rule=rule)
    assert (run.status, run.step) == ("waiting", 2)
    assert timedelta(minutes=119) < run.next_attempt_at - started < timedelta(minutes=121)
    assert list(Notification.objects.values_list("title", flat=True)) == ["Call within two hours"]
    # and the sweep before its time does nothing
    assert engine.sweep() == 0
    # when the time comes, the sweep enqueues it and the worker finishes it
    RuleRun.objects.filter(pk=run.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert engine.sweep() == 1
    settle(capture)
    run.refresh_from_db()
    assert (run.status, run.step, run.record_id) == ("done", 3, str(lead.pk))
    assert sorted(Notification.objects.values_list("title", flat=True)) == [
        "Call within two hours",
        "Send the letter",
    ]
    assert [e["kind"] for e in run.log] == ["action", "wait", "action"]


class NoParams(BaseModel):
    pass


@pytest.fixture
def flaky() -> Iterator[dict[str, int]]:
    """An action that fails the way an unreachable system does (a plugin's, say)."""
    calls = {"n": 0}

    def run(call: ActionCall) -> dict[str, Any]:
        calls["n"] += 1
        raise ConnectionError("ERP not answering")

    registry.register_action(
        ActionType("test.flaky", "Flaky", NoParams, run, lambda call: "Call the ERP")
    )
    yield calls
    registry.unregister_action("test.flaky")


def test_a_failing_action_is_retried_then_failed_visibly(
    admin_user: User, capture: Callable[..., Any], flaky: dict[str, int], settings: Any
) -> None:
    settings.RULES_RETRY_BASE_SECONDS = 0
    settings.RULES_MAX_ATTEMPTS = 3
    # given a rule whose first action works and whose second fails
    rule = make_rule(admin_user, actions=[notify("Before"), {"type": "test.flaky", "params": {}}])
    new_lead(admin_user, capture)
    settle(capture)
    run = RuleRun.objects.get(rule=rule)
    assert (run.status, run.attempts, run.step) == ("retrying", 1, 1)
    assert run.error == "ConnectionError: ERP not answering"
    # when the sweep brings it back twice more
    for _ in range(2):
        assert engine.sweep() == 1
        settle(capture)
    # then it failed after three attempts, never repeating the done step
    run.refresh_from_db()
    assert (run.status, run.attempts, run.step, flaky["n"]) == ("failed", 3, 1, 3)
    assert Notification.objects.filter(title="Before").count() == 1
    assert [e["kind"] for e in run.log] == ["action", "error", "error", "error"]
    assert run.finished_at is not None and engine.sweep() == 0
    # and the rule's creator was told
    told = Notification.objects.get(title="A rule failed: A rule")
    assert told.user == admin_user
    assert "ConnectionError: ERP not answering" in told.body


def test_two_rules_that_update_each_other_stop(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    # given two rules: a rating change writes the description, a description change the rating
    ping = make_rule(
        admin_user,
        name="ping",
        trigger="field_changed",
        trigger_config={"field": "rating"},
        actions=[{"type": "platform.update_fields", "params": {"values": {"description": "x"}}}],
    )
    pong = make_rule(
        admin_user,
        name="pong",
        trigger="field_changed",
        trigger_config={"field": "description"},
        actions=[{"type": "platform.update_fields", "params": {"values": {"rating": "cold"}}}],
    )
    lead = new_lead(admin_user, capture)
    # when a person sets the rating
    with capture(execute=True):
        lead_update(actor=admin_user, lead_id=lead.pk, values={"rating": "hot"})
    settle(capture)
    # then ping ran, pong ran, and ping was not run again from its own chain
    lead.refresh_from_db()
    assert (lead.rating, lead.description) == ("cold", "x")
    runs = list(RuleRun.objects.order_by("created_at", "pk"))
    assert [(r.rule_id, r.status, r.chain) for r in runs] == [
        (ping.pk, "done", []),
        (pong.pk, "done", [ping.pk]),
        (ping.pk, "skipped", [ping.pk, pong.pk]),
    ]
    assert "loop guard" in runs[2].error
    # and the writes were audited on the automation channel
    entries = AuditEntry.objects.filter(object_type="customers.lead", object_id=str(lead.pk))
    assert list(entries.order_by("seq").values_list("channel", flat=True))[-2:] == [
        "automation",
        "automation",
    ]


def test_a_chain_stops_at_its_depth_limit(admin_user: User, capture: Callable[..., Any]) -> None:
    # given six rules, each writing a field the next one watches
    watched = ["first_name", "last_name", "company", "job_title", "phone", "description", "website"]
    values = ["Ana", "Lima", "ACME", "CTO", "+5511999990000", "d", "https://example.com"]
    rules = [
        make_rule(
            admin_user,
            name=f"r{i}",
            trigger="field_changed",
            trigger_config={"field": watched[i]},
            actions=[
                {
                    "type": "platform.update_fields",
                    "params": {"values": {watched[i + 1]: values[i + 1]}},
                }
            ],
        )
        for i in range(6)
    ]
    lead = new_lead(admin_user, capture, last_name="Souza")
    with capture(execute=True):
        lead_update(actor=admin_user, lead_id=lead.pk, values={"first_name": "Ana"})
    settle(capture)
    runs = list(RuleRun.objects.order_by("created_at", "pk"))
    assert [r.status for r in runs] == ["done"] * 5 + ["skipped"]
    assert runs[-1].rule_id == rules[5].pk
    assert runs[-1].chain == [r.pk for r in rules[:5]]
    assert runs[-1].error == "Not run: 5 rules in a row already fired (loop guard)."


def test_the_dry_run_explains_and_writes_nothing(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    rule = make_rule(
        admin_user,
        is_active=False,
        conditions={"any": [{"field": "company", "op": "contains", "value": "acme"}]},
        actions=[
            notify("Hello {{ company }}"),
            {"type": "platform.wait", "params": {"minutes": 60}},
            {"type": "platform.update_fields", "params": {"values": {"rating": "hot"}}},
        ],
    )
    lead = new_lead(admin_user, capture, company="ACME Ltda")
    counts = (Notification.objects.count(), RuleRun.objects.count(), AuditEntry.objects.count())
    result = rule_test(actor=admin_user, rule_id=rule.pk, record_id=lead.pk)
    assert result.matched is True
    assert result.explanation == [
        {
            "path": "any.0",
            "field": "company",
            "op": "contains",
            "value": "acme",
            "actual": "ACME Ltda",
            "result": True,
        }
    ]
    assert [a["type"] for a in result.actions] == [
        "platform.notify",
        "platform.wait",
        "platform.update_fields",
    ]
    assert result.actions[0]["description"] == "Notify admin: Hello ACME Ltda"
    assert result.actions[1]["description"] == "Wait 60 minutes, then go on"
    after = (Notification.objects.count(), RuleRun.objects.count(), AuditEntry.objects.count())
    assert after == counts
    lead.refresh_from_db()
    assert lead.rating == ""


def test_a_rule_whose_user_lost_the_right_records_the_refusal(
    admin_user: User, make_user: Callable[..., User], capture: Callable[..., Any]
) -> None:
    # given a rule that runs as a manager and writes the lead's rating
    manager = make_user("sales-manager")
    rule = make_rule(
        admin_user,
        run_as=manager.pk,
        actions=[{"type": "platform.update_fields", "params": {"values": {"rating": "hot"}}}],
    )
    # when the manager becomes read-only before the rule runs
    manager.role = Role.objects.get(slug="read-only")
    manager.save()
    lead = new_lead(admin_user, capture)
    settle(capture)
    # then the run failed at once with the permission error and changed nothing
    run = RuleRun.objects.get(rule=rule)
    assert (run.status, run.attempts) == ("failed", 1)
    assert run.error.startswith("Not found.") or run.error.startswith(
        "You do not have permission"
    ), run.error
    lead.refresh_from_db()
    assert lead.rating == ""
    assert Notification.objects.filter(user=admin_user, title__startswith="A rule failed").exists()
    assert drain() == 0


def test_a_switched_off_rule_stops_its_waiting_runs(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    from clientela.platform.services.rules import rule_set_active

    rule = make_rule(
        admin_user,
        actions=[{"type": "platform.wait", "params": {"minutes": 1}}, notify("Later")],
    )
    new_lead(admin_user, capture)
    settle(capture)
    rule_set_active(actor=admin_user, rule_id=rule.pk, active=False)
    RuleRun.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    engine.sweep()
    settle(capture)
    run = RuleRun.objects.get(rule=rule)
    assert (run.status, run.error) == (RunStatus.SKIPPED, "The rule was switched off.")
    assert not Notification.objects.filter(title="Later").exists()
