"""The demo's automation: three rules that show what rules do on the leads and deals people
create next.

- a lead from the web form gets a call task for its owner due within two hours, and a week
  later, if it is still being worked, a reminder to send a letter (seed 003: "a prospect
  downloads a document → call within two hours → letter afterwards");
- a lead that becomes qualified gets a review task for the owner's manager;
- an opportunity above 50,000 USD that reaches the default pipeline's "RFP received" stage
  (moved there, or created there) gets a review task for a sales manager, the sales managers
  taking turns (seed 003's review by a senior manager).

They are made after the demo's leads and deals, so they act only on what happens from then on.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from clientela.platform.models import Rule, User

WEB_LEADS = "Web leads: call within two hours"
QUALIFIED = "Qualified leads: manager review"
RFP_REVIEW = "Large USD deals at the RFP: sales manager review"
REVIEW_ABOVE = "50000"  # USD


def _web_leads(admin: User) -> dict[str, Any]:
    return {
        "name": WEB_LEADS,
        "description": "Call every lead from the web form quickly; send a letter a week later.",
        "object_type": "customers.lead",
        "trigger": "created",
        "run_as": admin.pk,
        "conditions": {"all": [{"field": "source", "op": "eq", "value": "web_form"}]},
        "actions": [
            {
                "type": "activities.create",
                "params": {
                    "kind": "call",
                    "subject": 'Call {{ first_name | "the lead" }} ({{ company | "no company" }})',
                    "due_in": 2,
                    "due_unit": "hours",
                    "assign_to": "owner",
                },
            },
            {"type": "platform.wait", "params": {"minutes": 7 * 24 * 60}},
            {
                "type": "activities.create",
                "params": {
                    "kind": "task",
                    "subject": "Send a letter to {{ first_name }} {{ last_name }}",
                    "due_in": 1,
                    "due_unit": "days",
                    "assign_to": "owner",
                },
            },
        ],
    }


def _qualified(admin: User) -> dict[str, Any]:
    return {
        "name": QUALIFIED,
        "description": "A qualified lead is worth a second look before it is converted.",
        "object_type": "customers.lead",
        "trigger": "status_entered",
        "trigger_config": {"field": "status", "to": ["qualified"]},
        "run_as": admin.pk,
        "actions": [
            {
                "type": "activities.create",
                "params": {
                    "kind": "task",
                    "subject": "Review the qualified lead {{ first_name }} {{ last_name }}",
                    "due_in": 1,
                    "due_unit": "days",
                    "assign_to": "owner_manager",
                },
            }
        ],
    }


def rfp_stage_id() -> int | None:
    """The default pipeline's "RFP received" stage (named in the install's language), if it
    still has one."""
    from clientela.sales.services import default_pipeline

    with translation.override(settings.LANGUAGE_CODE):
        name = _("RFP received")
    stage = default_pipeline().stages.filter(name=name).first()
    return None if stage is None else int(stage.pk)


def _rfp_review(admin: User, stage_id: int) -> dict[str, Any]:
    return {
        "name": RFP_REVIEW,
        "description": "An RFP for more than 50,000 USD is reviewed by a senior manager.",
        "object_type": "sales.opportunity",
        "trigger": "status_entered",
        "trigger_config": {"field": "stage", "to": [str(stage_id)]},
        "run_as": admin.pk,
        "conditions": {
            "all": [
                {"field": "currency", "op": "eq", "value": "USD"},
                {"field": "amount", "op": "gt", "value": REVIEW_ABOVE},
            ]
        },
        "actions": [
            {
                "type": "activities.create",
                "params": {
                    "kind": "task",
                    "subject": "Review the RFP for {{ name }} ({{ currency }} {{ amount }})",
                    "description": "Account: {{ account.name }}. Owner: {{ owner.name }}.",
                    "due_in": 1,
                    "due_unit": "days",
                    "assign_to": "role",
                    "role": "sales-manager",
                },
            }
        ],
    }


def add_rules(admin: User) -> int:
    """Create the demo rules that are not there yet (by name); how many were made. The RFP
    review is left out when the default pipeline has no "RFP received" stage any more."""
    from clientela.platform.services.rules import rule_create

    rules = [_web_leads(admin), _qualified(admin)]
    stage_id = rfp_stage_id()
    if stage_id is not None:
        rules.append(_rfp_review(admin, stage_id))
    made = 0
    for values in rules:
        if not Rule.objects.filter(name=values["name"]).exists():
            rule_create(actor=admin, values=values)
            made += 1
    return made
