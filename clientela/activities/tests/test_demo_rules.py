"""The demo's rules (``clientela demo``) act on the leads people create after it: a web lead
gets its call, a qualified lead its manager's review."""

from __future__ import annotations

import pytest

from clientela import cli
from clientela.activities.models import Activity
from clientela.customers.services.leads import lead_create, lead_set_status
from clientela.platform.models import Rule, RuleRun, RunStatus, User
from clientela.platform.rules import runner

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_rules_act_on_the_next_web_lead_and_qualified_lead(
    capsys, django_capture_on_commit_callbacks
):
    assert cli.main(["demo", "--accounts", "20", "--seed", "1"]) == 0
    capsys.readouterr()
    assert set(Rule.objects.values_list("name", flat=True)) == {
        "Web leads: call within two hours",
        "Qualified leads: manager review",
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
