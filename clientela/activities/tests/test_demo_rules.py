"""The demo's rules (``clientela demo``) act on the leads people create after it: a web lead
gets its call, a qualified lead its manager's review; a third watches the deals (the sales app's
``test_review_rule.py`` and ``test_demo_sales.py`` run it on opportunities)."""

from __future__ import annotations

import pytest

from clientela import cli
from clientela.activities.models import Activity
from clientela.customers.services.leads import lead_create, lead_set_status
from clientela.platform.models import Rule, RuleRun, RunStatus, User
from clientela.platform.rules import conditions, runner

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_rules_act_on_the_next_web_lead_and_qualified_lead(
    capsys, django_capture_on_commit_callbacks
):
    assert cli.main(["demo", "--accounts", "20", "--seed", "1"]) == 0
    capsys.readouterr()
    assert set(Rule.objects.values_list("name", flat=True)) == {
        "Web leads: call within two hours",
        "Qualified leads: manager review",
        "Large USD deals at the RFP: sales manager review",
    }
    assert not RuleRun.objects.exists()  # the demo's own leads came before the rules
    rep = User.objects.filter(role__slug="sales-rep").order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(
            actor=rep,
            values={
                "first_name": "Rita",
                "last_name": "Lee",
                "company": "Mutantes",
                "source": "web_form",
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        lead_set_status(actor=rep, lead_id=lead.pk, status="working")
    with django_capture_on_commit_callbacks(execute=True):
        lead_set_status(actor=rep, lead_id=lead.pk, status="qualified")
    for run_id in RuleRun.objects.filter(status=RunStatus.PENDING).values_list("id", flat=True):
        runner.attempt(run_id)

    call = Activity.objects.get(subject="Call Rita (Mutantes)")
    assert call.kind == "call" and call.owner == rep
    review = Activity.objects.get(subject="Review the qualified lead Rita Lee")
    manager = rep.teams.order_by("id").first().manager
    assert review.owner == manager
    web_run = RuleRun.objects.get(rule__name="Web leads: call within two hours")
    assert web_run.status == RunStatus.WAITING  # the letter comes a week later


def test_demo_review_rule_watches_usd_deals_above_50000_entering_the_rfp_stage(capsys):
    assert cli.main(["demo", "--accounts", "20", "--seed", "1"]) == 0
    capsys.readouterr()

    rule = Rule.objects.get(name="Large USD deals at the RFP: sales manager review")
    assert (rule.object_type, rule.trigger, rule.is_active) == (
        "sales.opportunity",
        "status_entered",
        True,
    )
    stages = dict(conditions.field_catalog("sales.opportunity")["stage"].choices)
    assert rule.trigger_config["field"] == "stage"
    assert [stages[pk] for pk in rule.trigger_config["to"]] == ["Sales: RFP received"]
    assert rule.conditions == {
        "all": [
            {"field": "currency", "op": "eq", "value": "USD"},
            {"field": "amount", "op": "gt", "value": "50000"},
        ]
    }
    [action] = rule.actions
    assert action["type"] == "activities.create"
    params = action["params"]
    assert (params["kind"], params["assign_to"], params["role"]) == (
        "task",
        "role",
        "sales-manager",
    )
    assert (params["due_in"], params["due_unit"]) == (1, "days")
    assert rule.run_as.username == "admin"
    assert not RuleRun.objects.filter(rule=rule).exists()  # the demo's deals came before it
