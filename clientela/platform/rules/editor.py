"""What the rule pages show: the editor's metadata for ``rules.js`` (fields with their operators,
action types with their settings' JSON schema, pickers), and rules and runs in words.

Pages only: nothing here writes or decides whether a rule fires.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.platform.models import (
    InboundHook,
    Role,
    Rule,
    RuleTrigger,
    Team,
    User,
    WebhookEndpoint,
)
from clientela.platform.rules import conditions
from clientela.platform.rules import registry as rules_registry
from clientela.platform.rules.registry import FieldInfo

SAMPLES = 20  # recent records offered for the dry run


def fields(object_type: str) -> list[FieldInfo]:
    return list(conditions.field_catalog(object_type).values())


def offered_actions(object_type: str) -> list[rules_registry.ActionType]:
    """The action types a rule on ``object_type`` may use: switched-off plugins' left out."""
    try:
        from clientela.platform.plugins import is_enabled
    except ImportError:  # the plugin registry is optional for the editor
        return rules_registry.action_types(object_type)
    return [
        a for a in rules_registry.action_types(object_type) if not a.plugin or is_enabled(a.plugin)
    ]


def _translated(schema: Any) -> Any:
    """The settings schema with its titles and descriptions in the reader's language (action
    modules mark them with ``gettext_noop``)."""
    if isinstance(schema, dict):
        return {
            k: (
                _(v)
                if k in {"title", "description"} and isinstance(v, str) and v
                else _translated(v)
            )
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_translated(v) for v in schema]
    return schema


def _users() -> list[list[Any]]:
    return [
        [u.pk, u.display_name] for u in User.objects.filter(is_active=True).order_by("username")
    ]


def meta(object_type: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    catalog = conditions.field_catalog(object_type)  # built once: targets list every field
    return {
        "fields": [
            {
                "path": f.path,
                "label": capfirst(str(f.label)),
                "type": f.type,
                "choices": [[str(v), str(label)] for v, label in f.choices],
                "ops": list(conditions.OPS_BY_TYPE.get(f.type, conditions.OPS_BY_TYPE["text"])),
            }
            for f in catalog.values()
        ],
        "ops": {op: str(label) for op, label in conditions.OP_LABELS.items()},
        "actions": [
            {
                "key": a.key,
                "label": str(a.label),
                "schema": _translated(a.params.model_json_schema()),
            }
            for a in offered_actions(object_type)
        ],
        "choices": {
            "users": _users(),
            "teams": [[t.pk, t.name] for t in Team.objects.order_by("name")],
            "roles": [[r.slug, r.name] for r in Role.objects.order_by("name")],
            "endpoints": [
                [e.pk, e.description or e.url] for e in WebhookEndpoint.objects.order_by("id")
            ],
            "writable": [
                [p, capfirst(str(catalog[p].label))] for p in _writable(object_type) if p in catalog
            ],
        },
        "labels": _value_labels(),
        "errors": errors,
        "text": _texts(),
    }


def _writable(object_type: str) -> list[str]:
    target = rules_registry.target(object_type)
    custom = [f.path for f in conditions.custom_fields(object_type)]
    return [*target.writable_fields, *custom]


def _value_labels() -> dict[str, str]:
    """Words for the values the built-in actions' settings choose between."""
    return {
        "owner": _("The record's owner"),
        "owner_manager": _("The owner's manager"),
        "user": _("A user"),
        "role": _("Users with a role (in turn)"),
        "team_round_robin": _("A team's members (in turn)"),
        "record": _("The record's e-mail"),
        "address": _("An address"),
        "round_robin": _("In turn within a team"),
        "territory": _("By territory"),
        "minutes": _("minutes"),
        "hours": _("hours"),
        "days": _("days"),
        "call": _("Call"),
        "meeting": _("Meeting"),
        "task": _("Task"),
        "email": _("E-mail"),
        "note": _("Note"),
        "sms": _("SMS"),
        "contact": _("Contact"),
        "account": _("Account"),
        "account_role:decision_maker": _("Decision maker"),
        "account_role:influencer": _("Influencer"),
        "account_role:buyer": _("Buyer"),
        "account_role:user": _("User"),
    }


def _texts() -> dict[str, str]:
    return {
        "always": _("No conditions: the rule acts every time it is triggered."),
        "all": _("All of these are true"),
        "any": _("Any of these is true"),
        "match": _("Match"),
        "addCondition": _("Add a condition"),
        "addGroup": _("Add a group"),
        "remove": _("Remove"),
        "field": _("Field"),
        "operator": _("Comparison"),
        "value": _("Value"),
        "yes": _("Yes"),
        "no": _("No"),
        "several": _("Separate several values with commas"),
        "action": _("Action"),
        "addAction": _("Add an action"),
        "noActions": _("No actions yet: add at least one."),
        "addRow": _("Add a row"),
        "key": _("Key"),
    }


# --- rules and runs in words ---------------------------------------------------------------


def offset_words(minutes: int) -> str:
    amount = abs(minutes)
    if amount and amount % 1440 == 0:
        words = ngettext("%(n)d day", "%(n)d days", amount // 1440) % {"n": amount // 1440}
    elif amount and amount % 60 == 0:
        words = ngettext("%(n)d hour", "%(n)d hours", amount // 60) % {"n": amount // 60}
    else:
        words = ngettext("%(n)d minute", "%(n)d minutes", amount) % {"n": amount}
    return (_("%(time)s before") if minutes < 0 else _("%(time)s after")) % {"time": words}


def _field_label(object_type: str, path: str) -> str:
    info = conditions.field_catalog(object_type).get(path)
    return capfirst(str(info.label)) if info else path


def trigger_words(rule: Rule) -> str:
    config = rule.trigger_config or {}
    field = _field_label(rule.object_type, str(config.get("field", "")))
    if rule.trigger == RuleTrigger.FIELD_CHANGED:
        return _("%(field)s changes") % {"field": field}
    if rule.trigger == RuleTrigger.STATUS_ENTERED:
        values = ", ".join(str(v) for v in config.get("to") or [])
        return _("%(field)s becomes %(values)s") % {"field": field, "values": values}
    if rule.trigger == RuleTrigger.DATE_RELATIVE:
        offset = offset_words(int(config.get("offset_minutes") or 0))
        return _("%(offset)s %(field)s") % {"offset": offset, "field": field}
    if rule.trigger == RuleTrigger.SCHEDULE:
        return _("On the schedule “%(cron)s” (UTC)") % {"cron": config.get("cron", "")}
    if rule.trigger == RuleTrigger.INBOUND:
        hook = InboundHook.objects.filter(public_id=config.get("hook") or "-").first()
        return (
            _("Received by the inbound webhook “%(hook)s”") % {"hook": hook}
            if hook
            else _("Received by any inbound webhook")
        )
    return str(RuleTrigger(rule.trigger).label)


def action_words(rule: Rule) -> list[str]:
    labels = {a.key: str(a.label) for a in rules_registry.action_types()}
    return [labels.get(str(step.get("type")), str(step.get("type"))) for step in rule.actions or []]


def summary(rule: Rule) -> dict[str, Any]:
    return {"trigger_text": trigger_words(rule), "action_texts": action_words(rule)}


def sample_records(object_type: str) -> list[Model]:
    try:
        target = rules_registry.target(object_type)
    except KeyError:
        return []
    return list(target.queryset().order_by("-pk")[:SAMPLES])


def dry_run_view(rule: Rule, result: Any) -> dict[str, Any]:
    """The dry run with the fields and comparisons in words."""
    catalog = conditions.field_catalog(rule.object_type)
    leaves = []
    for leaf in result.explanation:
        info = catalog.get(str(leaf.get("field", "")))
        leaves.append(
            {
                **leaf,
                "field_label": capfirst(str(info.label)) if info else leaf.get("field", ""),
                "op_label": str(conditions.OP_LABELS.get(leaf.get("op", ""), leaf.get("op", ""))),
            }
        )
    return {
        "matched": result.matched,
        "leaves": leaves,
        "actions": result.actions,
        "errors": result.errors,
        "always": not rule.conditions,
    }
