"""The "create an activity" rule action on real rules and records, and the seed's sequence end
to end through the engine: a prospect appears → a call within two hours → a letter afterwards
(mail to the real SMTP sink, tasks run by the worker's own loop)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from clientela.activities.models import Activity
from clientela.activities.services import activity_create
from clientela.customers.models import Lead
from clientela.customers.services.accounts import account_create
from clientela.customers.services.contacts import contact_create
from clientela.customers.services.leads import lead_create
from clientela.platform.errors import PermissionDenied
from clientela.platform.models import RoundRobinTurn, Rule, RuleRun, Team, User
from clientela.platform.rules import engine, merge, registry
from clientela.platform.services.rules import rule_create, rule_test
from clientela.platform.tests.rules_support import settle

LEAD = "customers.lead"
CALL = {
    "kind": "call",
    "subject": "Call {{ first_name }} about the download",
    "description": "{{ company }} downloaded the guide.",
    "due_in": 2,
    "due_unit": "hours",
}


def rule_with(admin: User, params: dict[str, Any], **values: Any) -> Rule:
    """A switched-off rule saved through the service with one "create an activity" action."""
    return rule_create(
        actor=admin,
        values={
            "name": "Follow up",
            "object_type": LEAD,
            "trigger": "created",
            "is_active": False,
            "actions": [{"type": "activities.create", "params": params}],
            **values,
        },
    )


def call_of(rule: Rule, record: Any) -> registry.ActionCall:
    step = rule.actions[0]
    params = registry.action_type(step["type"]).params.model_validate(step["params"])
    return registry.ActionCall(rule, None, rule.object_type, record, params, rule.run_as)


def run(rule: Rule, record: Any) -> dict[str, Any]:
    return registry.action_type("activities.create").run(call_of(rule, record))


def describe(rule: Rule, record: Any) -> str:
    return registry.action_type("activities.create").describe(call_of(rule, record))


def refused(params: dict[str, Any], object_type: str = LEAD) -> dict[Any, str]:
    with pytest.raises(PydanticValidationError) as info:
        registry.action_type("activities.create").params.model_validate(
            params, context={"object_type": object_type}
        )
    return {error["loc"]: error["msg"] for error in info.value.errors()}


def new_lead(actor: User, **values: Any) -> Lead:
    values = {"first_name": "Ana", "last_name": "Lima", "company": "Lima Ltda", **values}
    return lead_create(actor=actor, values=values)


def test_a_call_due_in_two_hours_is_created_on_the_lead_for_its_owner(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    rep = make_user("sales-rep", first_name="Rui", last_name="Costa")
    rule = rule_with(admin_user, CALL)
    lead = new_lead(admin_user, owner=rep.pk)
    due = timezone.now() + timedelta(hours=2)
    assert describe(rule, lead) == (
        f"Create an activity (call) “Call Ana about the download” for Rui Costa, "
        f"due {merge.show(due)}"
    )
    assert not Activity.objects.exists()

    result = run(rule, lead)

    activity = Activity.objects.get()
    assert result == {"activity": activity.pk, "owner": rep.pk}
    assert (activity.kind, activity.subject, activity.body, activity.status) == (
        "call",
        "Call Ana about the download",
        "Lima Ltda downloaded the guide.",
        "planned",
    )
    assert (activity.lead_id, activity.account_id, activity.contact_id) == (lead.pk, None, None)
    assert activity.owner_id == rep.pk
    assert abs(activity.due_at - due) < timedelta(seconds=10)


def test_an_activity_rule_links_the_new_activity_to_the_same_records(admin_user: User) -> None:
    account = account_create(actor=admin_user, values={"name": "Lima Ltda"})
    contact = contact_create(actor=admin_user, values={"first_name": "Ana"})
    first = activity_create(
        actor=admin_user,
        values={
            "kind": "meeting",
            "subject": "Demo",
            "due_at": timezone.now() + timedelta(days=1),
            "account": account.pk,
            "contact": contact.pk,
        },
    )
    rule = rule_with(
        admin_user,
        {
            "kind": "task",
            "subject": "Send the minutes of {{ subject }}",
            "due_in": 1,
            "due_unit": "days",
        },
        object_type="activities.activity",
    )
    result = run(rule, first)
    follow_up = Activity.objects.get(pk=result["activity"])
    assert follow_up.subject == "Send the minutes of Demo"
    assert (follow_up.account_id, follow_up.contact_id, follow_up.lead_id) == (
        account.pk,
        contact.pk,
        None,
    )


def test_activities_go_to_a_teams_members_in_turn(
    admin_user: User, make_user: Callable[..., User], make_team: Callable[[str], Team]
) -> None:
    team = make_team("Inside sales")
    first, second = make_user("sales-rep", teams=[team]), make_user("sales-rep", teams=[team])
    rule = rule_with(admin_user, {**CALL, "assign_to": "team_round_robin", "team": team.pk})
    leads = [new_lead(admin_user, first_name=n) for n in ("Ana", "Bia", "Caio")]
    assert "for " + first.display_name in describe(rule, leads[0])
    assert not RoundRobinTurn.objects.exists()  # describing takes no turn
    owners = [run(rule, lead)["owner"] for lead in leads]
    assert owners == [first.pk, second.pk, first.pk]


def test_activity_settings_are_refused_with_their_paths(db: Any) -> None:
    assert refused({"kind": "task", "subject": "Do it"}) == {
        ("due_in",): "Meetings and tasks need a due date."
    }
    assert refused({**CALL, "due_in": 400, "due_unit": "days"}) == {
        ("due_in",): "Give at most a year."
    }
    assert refused({**CALL, "assign_to": "user"}) == {("user",): "Choose a user."}
    assert refused({**CALL, "assign_to": "team_round_robin", "team": 999999}) == {
        ("team",): "Unknown team."
    }
    assert refused({**CALL, "subject": "Call {{ nickname }}", "kind": "visit"}) == {
        ("kind",): "Input should be 'task', 'call', 'meeting', 'email', 'note' or 'sms'",
        ("subject",): "Value error, Unknown merge field: nickname.",
    }


def test_a_run_as_user_without_the_right_creates_nothing(
    admin_user: User, make_user: Callable[..., User]
) -> None:
    viewer = make_user("read-only")
    rule = rule_with(admin_user, CALL, run_as=viewer.pk)
    with pytest.raises(PermissionDenied):
        run(rule, new_lead(admin_user))
    assert not Activity.objects.exists()


def test_a_prospect_gets_a_call_within_two_hours_and_a_letter_afterwards(
    admin_user: User,
    make_user: Callable[..., User],
    smtp_server: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given the seed's sequence: call within two hours, wait, then a letter
    capture = django_capture_on_commit_callbacks
    rep = make_user("sales-rep")
    rule = rule_create(
        actor=admin_user,
        values={
            "name": "Document downloaded",
            "object_type": LEAD,
            "trigger": "created",
            "actions": [
                {"type": "activities.create", "params": CALL},
                {"type": "platform.wait", "params": {"minutes": 120}},
                {
                    "type": "platform.send_email",
                    "params": {
                        "subject": "Your guide, {{ first_name }}",
                        "body": "Dear {{ first_name }},\nwe hope the guide helps {{ company }}.",
                    },
                },
            ],
        },
    )
    # when a prospect downloads the document (a lead is created) and the worker runs
    with capture(execute=True):
        lead = new_lead(admin_user, owner=rep.pk, email="ana@lima.example")
    # (the rule's dry run says what it would do, and does none of it)
    dry = rule_test(actor=admin_user, rule_id=rule.pk, record_id=lead.pk)
    assert [a["description"] for a in dry.actions][1:] == [
        "Wait 120 minutes, then go on",
        "Send “Your guide, Ana” to ana@lima.example",
    ]
    assert dry.actions[0]["description"].startswith("Create an activity (call) “Call Ana")
    settle(capture)
    # then the call is planned for the rep and the run waits
    run_row = RuleRun.objects.get(rule=rule)
    assert (run_row.status, run_row.step) == ("waiting", 2)
    call = Activity.objects.get()
    assert (call.kind, call.lead_id, call.owner_id) == ("call", lead.pk, rep.pk)
    assert smtp_server.messages == []
    # when the wait is over, the sweep enqueues the run and the worker sends the letter
    RuleRun.objects.filter(pk=run_row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert engine.sweep() == 1
    settle(capture)
    run_row.refresh_from_db()
    assert (run_row.status, run_row.step) == ("done", 3)
    [letter] = smtp_server.messages
    assert (letter["To"], letter["Subject"]) == ("ana@lima.example", "Your guide, Ana")
    assert [entry["kind"] for entry in run_row.log] == ["action", "wait", "action"]
    assert run_row.log[0]["result"] == {"activity": call.pk, "owner": rep.pk}
    assert run_row.log[2]["result"]["email"] == "ana@lima.example"
    assert Activity.objects.count() == 1
