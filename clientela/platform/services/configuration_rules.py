"""Rules in configuration documents (``services.configuration``): their export, and their
install after the custom fields their conditions may name.

A rule is known by its record type and name. Installed rules run as the installing
administrator (``run_as`` never travels: user ids differ between installations). Format::

    rules:
      - name: {en: Call hot leads, pt-br: Ligar para leads quentes}   # or a plain string
        object_type: customers.lead
        trigger: status_entered
        trigger_config: {field: rating, to: [hot]}
        conditions: {all: [{field: custom.budget, op: gte, value: "10000"}]}
        actions: [{type: platform.notify, params: {title: Call now}}]
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from clientela.platform.errors import ValidationFailed
from clientela.platform.models import Rule, User
from clientela.platform.services import rules as services

RULE_KEYS = (
    *("name", "description", "object_type", "trigger", "trigger_config", "conditions"),
    *("actions", "is_active", "position"),
)


def rules_export() -> list[dict[str, Any]]:
    return [
        {
            k: getattr(rule, k)
            for k in RULE_KEYS
            if k not in ("description", "position") or getattr(rule, k)
        }
        for rule in Rule.objects.order_by("object_type", "position", "id")
    ]


def _values(entry: Any, where: str, translated: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ValidationFailed(errors={where: [_("A rule must be a mapping of its settings.")]})
    unknown = sorted(set(entry) - set(RULE_KEYS))
    if unknown:
        raise ValidationFailed(
            errors={where: [_("Unknown settings: %(names)s.") % {"names": ", ".join(unknown)}]}
        )
    values = dict(entry)
    for key in ("name", "description"):
        if key in values:
            values[key] = translated(values[key])
    return values


def _same(rule: Rule, cleaned: dict[str, Any]) -> bool:
    return all(getattr(rule, k) == cleaned[k] for k in RULE_KEYS if k in cleaned)


def rules_install(actor: User, entries: Any, report: Any, translated: Any) -> None:
    """Create or update each rule of the document; the first bad one stops the install."""
    if entries is None:
        return
    if not isinstance(entries, list):
        raise ValidationFailed(errors={"rules": [_("“rules” must be a list of rules.")]})
    for index, entry in enumerate(entries):
        where = f"rules.{index}"
        values = _values(entry, where, translated)
        name = f"{values.get('object_type')}: {values.get('name')}"
        existing = Rule.objects.filter(
            object_type=str(values.get("object_type") or ""), name=str(values.get("name") or "")
        ).first()
        try:
            if existing is None:
                services.rule_create(actor=actor, values={**values, "run_as": actor})
                report.created.append(name)
            elif _same(existing, services.clean_rule(values, existing)):
                report.unchanged.append(name)
            else:
                services.rule_update(
                    actor=actor, rule_id=existing.pk, values={**values, "run_as": actor}
                )
                report.updated.append(name)
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("The rule %(name)s is not valid; nothing was installed.") % {"name": name},
                errors={f"{where}.{k}": v for k, v in exc.errors.items()},
            ) from None
