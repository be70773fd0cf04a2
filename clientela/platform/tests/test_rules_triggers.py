"""Each trigger kind end to end on real records: created, updated, field changed (from/to),
status entered, a time relative to a date (built-in and custom), a schedule, an inbound webhook.

Scans are driven with an explicit clock; runs go through the worker's own loop (``settle``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from clientela.customers.models import Lead
from clientela.customers.services.leads import lead_create, lead_set_status, lead_update
from clientela.platform.models import Notification, Rule, RuleRun, User
from clientela.platform.rules import engine, triggers
from clientela.platform.services import inbound_hooks
from clientela.platform.services.customfields import field_create
from clientela.platform.services.rules import rule_update
from clientela.platform.tests.rules_support import make_rule, settle


@pytest.fixture
def capture(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    return django_capture_on_commit_callbacks


def new_lead(actor: User, capture: Callable[..., Any], **values: Any) -> Lead:
    with capture(execute=True):
        return lead_create(actor=actor, values={"last_name": "Souza", **values})


def fired(rule: Rule) -> list[tuple[str, str]]:
    return sorted(RuleRun.objects.filter(rule=rule).values_list("record_id", "status"))


def test_created_and_updated_fire_on_their_events(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    on_create = make_rule(admin_user, trigger="created")
    on_update = make_rule(admin_user, trigger="updated")
    lead = new_lead(admin_user, capture)
    settle(capture)
    assert fired(on_create) == [(str(lead.pk), "done")]
    assert fired(on_update) == []
    with capture(execute=True):
        lead_update(actor=admin_user, lead_id=lead.pk, values={"company": "ACME"})
    settle(capture)
    assert fired(on_create) == [(str(lead.pk), "done")]
    assert fired(on_update) == [(str(lead.pk), "done")]
    run = RuleRun.objects.get(rule=on_update)
    assert run.context == {"changes": {"company": ["", "ACME"]}}
    assert run.event == "customers.lead.updated"


def test_field_changed_honours_from_and_to(admin_user: User, capture: Callable[..., Any]) -> None:
    rule = make_rule(
        admin_user,
        trigger="field_changed",
        trigger_config={"field": "rating", "from": ["warm"], "to": ["hot"], "x": 1},
    )
    assert rule.trigger_config == {"field": "rating", "from": ["warm"], "to": ["hot"]}
    cold = new_lead(admin_user, capture, rating="cold")
    warm = new_lead(admin_user, capture, rating="warm")
    with capture(execute=True):
        lead_update(actor=admin_user, lead_id=cold.pk, values={"rating": "hot"})
        lead_update(actor=admin_user, lead_id=warm.pk, values={"rating": "hot"})
        lead_update(actor=admin_user, lead_id=warm.pk, values={"company": "X"})
    settle(capture)
    assert fired(rule) == [(str(warm.pk), "done")]


def test_status_entered_fires_on_a_lead_status_move(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    rule = make_rule(
        admin_user,
        trigger="status_entered",
        trigger_config={"field": "status", "to": ["qualified"]},
    )
    lead = new_lead(admin_user, capture)
    with capture(execute=True):
        lead_set_status(actor=admin_user, lead_id=lead.pk, status="working")
    settle(capture)
    assert fired(rule) == []
    with capture(execute=True):
        lead_set_status(actor=admin_user, lead_id=lead.pk, status="qualified")
    settle(capture)
    assert fired(rule) == [(str(lead.pk), "done")]
    run = RuleRun.objects.get(rule=rule)
    assert run.event == "customers.lead.status_changed"
    assert run.context["changes"]["status"] == ["working", "qualified"]


def test_status_entered_fires_for_a_record_created_in_that_status(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    rule = make_rule(
        admin_user,
        trigger="status_entered",
        trigger_config={"field": "rating", "to": ["hot"]},
    )
    hot = new_lead(admin_user, capture, rating="hot")
    new_lead(admin_user, capture, rating="cold")
    new_lead(admin_user, capture)
    settle(capture)
    assert fired(rule) == [(str(hot.pk), "done")]
    assert RuleRun.objects.get(rule=rule).event == "customers.lead.created"


def test_date_relative_on_creation_starts_now_and_fires_once(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    # given an old lead, then a rule "two hours after creation", then a new lead
    old = new_lead(admin_user, capture, company="Old")
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    rule = make_rule(
        admin_user,
        trigger="date_relative",
        trigger_config={"field": "created_at", "offset_minutes": 120},
    )
    start = rule.scanned_until
    assert start is not None
    lead = new_lead(admin_user, capture)
    # when the scan runs before and after the two hours
    assert triggers.scan_dates(start + timedelta(minutes=60)) == []
    later = timezone.now() + timedelta(minutes=121)
    created = triggers.scan_dates(later)
    assert len(created) == 1
    engine.enqueue(created)
    settle(capture)
    # then only the new lead's run happened, once, and the window moved on
    assert fired(rule) == [(str(lead.pk), "done")]
    assert triggers.scan_dates(later + timedelta(minutes=1)) == []
    rule.refresh_from_db()
    assert rule.scanned_until == later + timedelta(minutes=1)


def test_date_relative_on_a_custom_date_before_it(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    field_create(
        actor=admin_user,
        values={
            "object_type": "customers.lead",
            "key": "contract_end",
            "label": "Contract end",
            "field_type": "date",
        },
    )
    rule = make_rule(
        admin_user,
        trigger="date_relative",
        trigger_config={"field": "custom.contract_end", "offset_minutes": -7 * 24 * 60},
    )
    today = timezone.localdate()
    due = new_lead(admin_user, capture, custom={"contract_end": str(today + timedelta(days=7))})
    new_lead(admin_user, capture, custom={"contract_end": str(today + timedelta(days=8))})
    new_lead(admin_user, capture)
    midnight = timezone.make_aware(datetime.combine(today, time()))
    Rule.objects.filter(pk=rule.pk).update(scanned_until=midnight - timedelta(minutes=1))
    created = triggers.scan_dates(midnight + timedelta(minutes=1))
    assert [RuleRun.objects.get(pk=pk).record_id for pk in created] == [str(due.pk)]


def test_schedule_fires_on_its_slot_for_matching_records_capped(
    admin_user: User, capture: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(triggers, "SCHEDULE_LIMIT", 2)
    rule = make_rule(
        admin_user,
        trigger="schedule",
        trigger_config={"cron": "0 8 * * 1"},
        conditions={"all": [{"field": "rating", "op": "eq", "value": "hot"}]},
    )
    assert rule.next_run_at is not None and rule.next_run_at.weekday() == 0
    hot = [new_lead(admin_user, capture, rating="hot") for _ in range(3)]
    new_lead(admin_user, capture, rating="cold")
    # before the slot nothing happens
    assert triggers.scan_schedules(rule.next_run_at - timedelta(minutes=1)) == []
    # at the slot, two hot leads get a run and the log says one more was left out
    at = rule.next_run_at
    created = triggers.scan_schedules(at)
    assert len(created) == 2
    engine.enqueue(created)
    settle(capture)
    assert fired(rule) == [
        ("", "skipped"),
        (str(hot[0].pk), "done"),
        (str(hot[1].pk), "done"),
    ]
    capped = RuleRun.objects.get(rule=rule, record_id="")
    assert capped.error == ("1 more records matched; a scheduled rule runs on at most 2 at a time.")
    rule.refresh_from_db()
    assert rule.next_run_at == at + timedelta(days=7)
    assert triggers.scan_schedules(at + timedelta(minutes=5)) == []


def test_inbound_fires_for_records_from_its_hook_only(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    hook, _secret = inbound_hooks.hook_create(
        actor=admin_user, values={"kind": "lead", "owner": admin_user.pk}
    )
    other, _secret = inbound_hooks.hook_create(
        actor=admin_user, values={"kind": "lead", "owner": admin_user.pk}
    )
    rule = make_rule(
        admin_user,
        trigger="inbound",
        trigger_config={"hook": hook.public_id},
        actions=[{"type": "platform.notify", "params": {"title": "From the site"}}],
    )
    with capture(execute=True):
        _kind, lead = inbound_hooks.receive(hook, {"last_name": "Web", "email": "w@example.com"})
        inbound_hooks.receive(other, {"last_name": "Other"})
    settle(capture)
    assert fired(rule) == [(str(lead.pk), "done")]
    assert RuleRun.objects.get(rule=rule).context == {"hook": hook.public_id}
    assert Notification.objects.filter(title="From the site").count() == 1


def test_reactivating_a_date_rule_starts_its_window_again(
    admin_user: User, capture: Callable[..., Any]
) -> None:
    rule = make_rule(
        admin_user,
        is_active=False,
        trigger="date_relative",
        trigger_config={"field": "created_at", "offset_minutes": 0},
    )
    Rule.objects.filter(pk=rule.pk).update(scanned_until=timezone.now() - timedelta(days=30))
    new_lead(admin_user, capture)
    before = timezone.now()
    rule = rule_update(actor=admin_user, rule_id=rule.pk, values={"is_active": True})
    assert rule.scanned_until is not None and rule.scanned_until >= before
