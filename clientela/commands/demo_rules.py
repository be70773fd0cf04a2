"""The demo's automation: two rules that show what rules do on the leads people create next.

- a lead from the web form gets a call task for its owner due within two hours, and a week
  later, if it is still being worked, a reminder to send a letter (seed 003: "a prospect
  downloads a document → call within two hours → letter afterwards");
- a lead that becomes qualified gets a review task for the owner's manager.

They are made after the demo leads, so they act only on what happens from then on. The seed's
50,000 USD review rule needs opportunities and arrives with the sales app.
"""

from __future__ import annotations

from typing import Any

from clientela.platform.models import Rule, User

WEB_LEADS = "Web leads: call within two hours"
QUALIFIED = "Qualified leads: manager review"


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


def add_rules(admin: User) -> int:
    """Create the demo rules that are not there yet (by name); how many were made."""
    from clientela.platform.services.rules import rule_create

    made = 0
    for values in (_web_leads(admin), _qualified(admin)):
        if not Rule.objects.filter(name=values["name"]).exists():
            rule_create(actor=admin, values=values)
            made += 1
    return made
