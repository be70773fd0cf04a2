"""The rule editor's form (Settings → Rules): the trigger's settings as plain inputs, the
conditions and actions as JSON documents (written by the editors in ``rules.js``, or by hand
without JavaScript). The rules service checks everything; this form only shapes the input."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clientela.platform.models import InboundHook, Rule, RuleTrigger, User
from clientela.platform.rules import registry as rules_registry

UNITS = {"minutes": 1, "hours": 60, "days": 1440}
DOCUMENT_LIMIT = 64 * 1024  # characters of a conditions or actions document


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _offset_parts(minutes: int) -> tuple[int, str, str]:
    direction = "before" if minutes < 0 else "after"
    minutes = abs(minutes)
    for unit in ("days", "hours"):
        if minutes and minutes % UNITS[unit] == 0:
            return minutes // UNITS[unit], unit, direction
    return minutes, "minutes", direction


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    object_type = forms.ChoiceField(label=_("Record type"))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    run_as = forms.ModelChoiceField(
        label=_("Run as"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        help_text=_("The rule's actions are done with this user's rights and in their name."),
    )
    trigger = forms.ChoiceField(label=_("When"), choices=RuleTrigger.choices)
    changed_field = forms.ChoiceField(label=_("Field"), required=False)
    from_values = forms.CharField(
        label=_("Changed from"),
        required=False,
        max_length=500,
        help_text=_("Leave empty for any value; separate several values with commas."),
    )
    to_values = forms.CharField(
        label=_("Changed to"),
        required=False,
        max_length=500,
        help_text=_("Leave empty for any value; separate several values with commas."),
    )
    status_field = forms.ChoiceField(label=_("Status field"), required=False)
    status_to = forms.MultipleChoiceField(label=_("Entered"), required=False)
    date_field = forms.ChoiceField(label=_("Date field"), required=False)
    offset_amount = forms.IntegerField(label=_("Amount"), min_value=0, initial=0, required=False)
    offset_unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))],
        required=False,
    )
    offset_direction = forms.ChoiceField(
        label=_("Before or after"),
        choices=[("after", _("after")), ("before", _("before"))],
        required=False,
    )
    cron = forms.CharField(
        label=_("Schedule (cron, UTC)"),
        required=False,
        max_length=120,
        help_text=_("Five fields: minute hour day month weekday. “0 8 * * 1” is Mondays at 08:00."),
    )
    hook = forms.ChoiceField(label=_("Inbound webhook"), required=False)
    conditions = forms.CharField(
        label=_("Conditions (JSON)"),
        required=False,
        max_length=DOCUMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4, "class": "code"}),
    )
    actions = forms.CharField(
        label=_("Actions (JSON)"),
        max_length=DOCUMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6, "class": "code"}),
    )

    def __init__(self, *args: Any, object_type: str, fields: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target = rules_registry.target(object_type)
        self._choices("object_type", [(t.key, t.label) for t in rules_registry.targets()])
        by_path = {f.path: f for f in fields}
        self._choices("changed_field", [("", "—"), *((f.path, f.label) for f in fields)])
        self._choices("status_field", [(p, by_path[p].label) for p in self.target.status_fields])
        self.status_groups = [
            {"path": p, "label": by_path[p].label, "choices": list(by_path[p].choices)}
            for p in self.target.status_fields
            if p in by_path
        ]
        self._choices(
            "status_to",
            [(f"{g['path']}={v}", label) for g in self.status_groups for v, label in g["choices"]],
        )
        self._choices("date_field", [(p, by_path[p].label) for p in self.target.date_fields])
        hooks = InboundHook.objects.order_by("id")
        self._choices(
            "hook", [("", _("Any inbound webhook")), *((h.public_id, str(h)) for h in hooks)]
        )

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, capfirst(str(label))) for value, label in choices]

    @classmethod
    def initial_for(cls, rule: Rule) -> dict[str, Any]:
        config = rule.trigger_config or {}
        initial: dict[str, Any] = {
            "name": rule.name,
            "description": rule.description,
            "object_type": rule.object_type,
            "is_active": rule.is_active,
            "run_as": rule.run_as_id,
            "trigger": rule.trigger,
            "conditions": json.dumps(rule.conditions or {}, ensure_ascii=False),
            "actions": json.dumps(rule.actions or [], ensure_ascii=False),
            "cron": config.get("cron", ""),
            "hook": config.get("hook", ""),
        }
        field = config.get("field", "")
        if rule.trigger == RuleTrigger.FIELD_CHANGED:
            initial["changed_field"] = field
            initial["from_values"] = ", ".join(str(v) for v in config.get("from") or [])
            initial["to_values"] = ", ".join(str(v) for v in config.get("to") or [])
        elif rule.trigger == RuleTrigger.STATUS_ENTERED:
            initial["status_field"] = field
            initial["status_to"] = [f"{field}={v}" for v in config.get("to") or []]
        elif rule.trigger == RuleTrigger.DATE_RELATIVE:
            amount, unit, direction = _offset_parts(int(config.get("offset_minutes") or 0))
            initial.update(
                date_field=field, offset_amount=amount, offset_unit=unit, offset_direction=direction
            )
        return initial

    def _document(self, name: str, empty: Any) -> Any:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return empty
        try:
            return json.loads(text)
        except ValueError:
            self.add_error(name, _("This is not valid JSON."))
            return empty

    def _trigger_config(self) -> dict[str, Any]:
        data, trigger = self.cleaned_data, self.cleaned_data.get("trigger")
        if trigger == RuleTrigger.FIELD_CHANGED:
            config: dict[str, Any] = {"field": data.get("changed_field", "")}
            if _split(data.get("from_values", "")):
                config["from"] = _split(data["from_values"])
            if _split(data.get("to_values", "")):
                config["to"] = _split(data["to_values"])
            return config
        if trigger == RuleTrigger.STATUS_ENTERED:
            field = data.get("status_field", "")
            prefix = f"{field}="
            chosen = [v[len(prefix) :] for v in data.get("status_to") or [] if v.startswith(prefix)]
            return {"field": field, "to": chosen}
        if trigger == RuleTrigger.DATE_RELATIVE:
            unit = str(data.get("offset_unit") or "minutes")
            minutes = (data.get("offset_amount") or 0) * UNITS.get(unit, 1)
            sign = -1 if data.get("offset_direction") == "before" else 1
            return {"field": data.get("date_field", ""), "offset_minutes": sign * minutes}
        if trigger == RuleTrigger.SCHEDULE:
            return {"cron": data.get("cron", "").strip()}
        if trigger == RuleTrigger.INBOUND:
            return {"hook": data.get("hook", "")}
        return {}

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "object_type": data["object_type"],
            "is_active": bool(data.get("is_active")),
            "run_as": data["run_as"].pk,
            "trigger": data["trigger"],
            "trigger_config": self._trigger_config(),
            "conditions": self._document("conditions", {}),
            "actions": self._document("actions", []),
        }

    def field_for(self, path: str) -> str | None:
        """The input that shows a service error keyed ``path`` (``trigger_config.cron``)."""
        if path in self.fields:
            return path
        trigger = self.data.get("trigger", "")
        part = path.removeprefix("trigger_config.").split(".")[0]
        by_trigger = {
            RuleTrigger.FIELD_CHANGED: {"field": "changed_field", "from": "from_values"},
            RuleTrigger.STATUS_ENTERED: {"field": "status_field", "to": "status_to"},
            RuleTrigger.DATE_RELATIVE: {"field": "date_field", "offset_minutes": "offset_amount"},
            RuleTrigger.SCHEDULE: {"cron": "cron"},
            RuleTrigger.INBOUND: {"hook": "hook"},
        }
        names = by_trigger.get(trigger, {})  # type: ignore[call-overload]
        if part == "to" and trigger == RuleTrigger.FIELD_CHANGED:
            return "to_values"
        return names.get(part)
