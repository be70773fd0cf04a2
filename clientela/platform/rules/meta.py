"""What a rule editor may offer for a record type: triggers with the fields they can watch,
condition fields with their type, choices and operators, and action types (switched-off
plugins' left out). Plain data for pages, the API and scripts."""

from __future__ import annotations

from typing import Any

from clientela.platform.models import RuleTrigger
from clientela.platform.rules import conditions, registry, runner, triggers
from clientela.platform.rules.registry import FieldInfo


def _field(info: FieldInfo) -> dict[str, Any]:
    return {
        "path": info.path,
        "label": str(info.label),
        "type": info.type,
        "choices": [{"value": str(v), "label": str(label)} for v, label in info.choices],
    }


def trigger_choices(object_type: str) -> list[dict[str, Any]]:
    """Each trigger with the fields its settings may name (empty list: it takes none)."""
    fields = {
        RuleTrigger.FIELD_CHANGED: triggers.watchable_fields(object_type),
        RuleTrigger.STATUS_ENTERED: triggers.status_fields(object_type),
        RuleTrigger.DATE_RELATIVE: triggers.date_fields(object_type),
    }
    return [
        {
            "key": value,
            "label": str(label),
            "fields": [_field(f) for f in fields.get(RuleTrigger(value), [])],
        }
        for value, label in RuleTrigger.choices
        if value != RuleTrigger.STATUS_ENTERED or fields[RuleTrigger.STATUS_ENTERED]
    ]


def condition_fields(object_type: str) -> list[dict[str, Any]]:
    """Built-in, related and custom fields with the operators valid for their type."""
    return [
        {**_field(f), "ops": list(conditions.OPS_BY_TYPE.get(f.type, ()))}
        for f in conditions.field_catalog(object_type).values()
    ]


def action_choices(object_type: str) -> list[dict[str, Any]]:
    """The action types a rule on ``object_type`` may use, with their settings' JSON schema."""
    return [
        {
            "key": a.key,
            "label": str(a.label),
            "plugin": a.plugin,
            "params_schema": a.params.model_json_schema(),
        }
        for a in registry.action_types(object_type)
        if runner.plugin_enabled(a.plugin)
    ]


def object_types() -> list[dict[str, str]]:
    return [{"key": t.key, "label": str(t.label)} for t in registry.targets()]
