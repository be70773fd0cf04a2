"""Rules (automation): create, change, switch, remove, test against a record; their runs.
Administrators only. The UI and the API call only these.

A rule's documents (trigger settings, conditions, actions) are checked here against the record
type's fields and the registered action types; errors name the bad part by path
(``conditions.all.1.value``, ``actions.0.params.title``). See decision 0007.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from clientela.platform import audit, permissions
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import Rule, RuleRun, RuleTrigger, RunStatus, User
from clientela.platform.rules import conditions, engine, registry, runner, triggers
from clientela.platform.services.webhooks import require_admin

KEY = "platform.rule"
RUN_KEY = "platform.rulerun"
MAX_ACTIONS = 20
AUDITED = (
    "name",
    "description",
    "object_type",
    "trigger",
    "trigger_config",
    "conditions",
    "actions",
    "is_active",
    "position",
    "run_as",
)
Errors = dict[str, list[str]]


def require_rules_admin(actor: User, action: str = "view") -> None:
    require_admin(actor, KEY, action)


def rule_list(actor: User) -> models.QuerySet[Rule]:
    require_rules_admin(actor)
    return Rule.objects.select_related("run_as").order_by("object_type", "position", "id")


def rule_get(actor: User, rule_id: Any) -> Rule:
    require_rules_admin(actor)
    try:
        return Rule.objects.select_related("run_as", "created_by").get(pk=int(rule_id))
    except (Rule.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- cleaning --------------------------------------------------------------------------------


def _clean_texts(values: dict[str, Any], errors: Errors) -> None:
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > 120:
        errors["name"] = [_("Enter at most %(n)d characters.") % {"n": 120}]
    description = str(values.get("description") or "").strip()
    if len(description) > 2000:
        errors["description"] = [_("Enter at most %(n)d characters.") % {"n": 2000}]
    values["name"], values["description"] = name, description


def _clean_head(values: dict[str, Any], errors: Errors) -> bool:
    """Record type and trigger; False when the rest cannot be checked against them."""
    object_type = values.get("object_type")
    known = {t.key for t in registry.targets()}
    if object_type not in known:
        errors["object_type"] = [_("Choose one of the offered record types.")]
    if values.get("trigger") not in RuleTrigger.values:
        errors["trigger"] = [_("Choose one of the offered triggers.")]
    return "object_type" not in errors and "trigger" not in errors


def _clean_flags(values: dict[str, Any], errors: Errors) -> None:
    values["is_active"] = bool(values.get("is_active", True))
    position = values.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 10_000:
        errors["position"] = [_("Enter a whole number from 0 to 10000.")]
    run_as = values.get("run_as")
    user = run_as if isinstance(run_as, User) else None
    if user is None and isinstance(run_as, int | str) and str(run_as).isdigit():
        user = User.objects.filter(pk=int(run_as), is_active=True).first()
    if user is None or not user.is_active:
        errors["run_as"] = [_("Choose an active user for the rule to act as.")]
    values["run_as"] = user


def _pydantic_errors(exc: PydanticValidationError, where: str, errors: Errors) -> None:
    for problem in exc.errors():
        path = ".".join([where, *(str(p) for p in problem["loc"])])
        errors.setdefault(path, []).append(_("Check this value: %(msg)s") % {"msg": problem["msg"]})


def _clean_action(object_type: str, step: Any, where: str, errors: Errors) -> dict[str, Any]:
    if not isinstance(step, dict) or set(step) - {"type", "params"}:
        errors[where] = [_("Write an action as {“type”, “params”}.")]
        return {}
    offered = {a.key: a for a in registry.action_types(object_type)}
    action = offered.get(step.get("type"))  # type: ignore[arg-type]
    if action is None or not runner.plugin_enabled(action.plugin):
        errors[f"{where}.type"] = [_("Choose one of the offered actions.")]
        return {}
    raw = step.get("params") or {}
    if not isinstance(raw, dict):
        errors[f"{where}.params"] = [_("Give the action's settings as an object.")]
        return {}
    try:
        params = action.params.model_validate(raw, context={"object_type": object_type})
    except PydanticValidationError as exc:
        _pydantic_errors(exc, f"{where}.params", errors)
        return {}
    return {"type": action.key, "params": params.model_dump(mode="json", exclude_none=True)}


def _clean_actions(values: dict[str, Any], errors: Errors) -> None:
    steps = values.get("actions")
    if not isinstance(steps, list) or not steps or len(steps) > MAX_ACTIONS:
        errors["actions"] = [_("Give 1 to %(n)d actions.") % {"n": MAX_ACTIONS}]
        return
    cleaned = [
        _clean_action(values["object_type"], step, f"actions.{i}", errors)
        for i, step in enumerate(steps)
    ]
    if all(cleaned) and all(s["type"] == runner.WAIT for s in cleaned):
        errors.setdefault("actions", []).append(_("Add at least one action besides waiting."))
    values["actions"] = cleaned


def _clean_documents(values: dict[str, Any], errors: Errors) -> None:
    object_type = values["object_type"]
    values["trigger_config"] = triggers.clean_config(
        object_type, values["trigger"], values.get("trigger_config"), errors
    )
    try:
        values["conditions"] = conditions.check(
            values.get("conditions"), conditions.field_catalog(object_type)
        )
    except ValidationFailed as exc:
        errors.update(exc.errors)
    _clean_actions(values, errors)


def clean_rule(values: dict[str, Any], current: Rule | None) -> dict[str, Any]:
    """The rule's settings checked whole (a partial change is merged with ``current`` first)."""
    values = {k: v for k, v in values.items() if k in AUDITED}
    if current is not None:
        values = {**{k: getattr(current, k) for k in AUDITED}, **values}
    errors: Errors = {}
    _clean_texts(values, errors)
    _clean_flags(values, errors)
    if _clean_head(values, errors):
        _clean_documents(values, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def _schedule(rule: Rule, fresh: bool) -> None:
    """Where the periodic scans start: now (no flood of old records), and the next slot."""
    if not fresh:
        return
    now = timezone.now()
    rule.scanned_until = now
    rule.next_run_at = (
        triggers.next_slot(rule.trigger_config["cron"], now)
        if rule.trigger == RuleTrigger.SCHEDULE
        else None
    )


# --- writing ---------------------------------------------------------------------------------


def rule_create(*, actor: User, values: dict[str, Any]) -> Rule:
    require_rules_admin(actor, "create")
    values = {"run_as": actor, **values}
    cleaned = clean_rule(values, None)
    rule = Rule(**cleaned, created_by=actor)
    _schedule(rule, True)
    with transaction.atomic():
        rule.save()
        audit.record(
            actor=actor,
            action="create",
            obj=rule,
            changes=audit.diff({}, audit.snapshot(rule, AUDITED)),
        )
    engine.changed()
    return rule


def _restarts(rule: Rule, cleaned: dict[str, Any]) -> bool:
    """Switching on or changing what a scan watches starts its window again at now."""
    return (cleaned["is_active"] and not rule.is_active) or any(
        cleaned[k] != getattr(rule, k) for k in ("trigger", "trigger_config", "object_type")
    )


def rule_update(*, actor: User, rule_id: Any, values: dict[str, Any]) -> Rule:
    require_rules_admin(actor, "edit")
    with transaction.atomic():
        rule = rule_get(actor, rule_id)
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        cleaned = clean_rule(values, rule)
        restart = _restarts(rule, cleaned)
        before = audit.snapshot(rule, AUDITED)
        for name, value in cleaned.items():
            setattr(rule, name, value)
        _schedule(rule, restart)
        rule.save()
        changes = audit.diff(before, audit.snapshot(rule, AUDITED))
        if changes:
            audit.record(actor=actor, action="update", obj=rule, changes=changes)
    engine.changed()
    return rule


def rule_set_active(*, actor: User, rule_id: Any, active: bool) -> Rule:
    return rule_update(actor=actor, rule_id=rule_id, values={"is_active": bool(active)})


def rule_delete(*, actor: User, rule_id: Any) -> None:
    require_rules_admin(actor, "delete")
    rule = rule_get(actor, rule_id)
    before = audit.snapshot(rule, AUDITED)
    with transaction.atomic():
        rule_pk = rule.pk
        rule.delete()
        rule.pk = rule_pk
        audit.record(actor=actor, action="delete", obj=rule, changes=audit.diff(before, {}))
    engine.changed()


def rule_test(*, actor: User, rule_id: Any, record_id: Any) -> engine.DryRun:
    """The dry run of a saved rule on one record the actor can see; writes nothing."""
    rule = rule_get(actor, rule_id)
    target = registry.target(rule.object_type)
    try:
        if not permissions.can(actor, rule.object_type, "view"):
            raise NotFound()
        record = permissions.get_visible(actor, target.queryset(), record_id)
    except NotFound:
        raise NotFound(errors={"record_id": [_("No such record.")]}) from None
    return engine.dry_run(rule, record)


# --- runs ------------------------------------------------------------------------------------


def run_list(
    actor: User,
    *,
    rule_id: Any = None,
    object_type: str | None = None,
    record_id: Any = None,
    status: str | None = None,
) -> models.QuerySet[RuleRun]:
    """Runs newest first, narrowed to a rule, a record type, a record, a status."""
    require_admin(actor, RUN_KEY, "view")
    rows = RuleRun.objects.select_related("rule").order_by("-created_at", "-pk")
    if rule_id is not None:
        rows = rows.filter(rule=rule_get(actor, rule_id))
    if object_type:
        rows = rows.filter(object_type=object_type)
    if record_id not in (None, ""):
        rows = rows.filter(record_id=str(record_id))
    if status:
        if status not in RunStatus.values:
            raise ValidationFailed(errors={"status": [_("Choose one of the offered values.")]})
        rows = rows.filter(status=status)
    return rows


def run_get(actor: User, run_id: Any) -> RuleRun:
    require_admin(actor, RUN_KEY, "view")
    try:
        return RuleRun.objects.select_related("rule").get(pk=run_id)
    except (RuleRun.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound() from None


def run_retry(*, actor: User, run_id: Any) -> RuleRun:
    """Run a failed run again from the step it stopped at (the steps it finished stay done)."""
    require_rules_admin(actor, "edit")
    run = run_get(actor, run_id)
    if run.status != RunStatus.FAILED:
        raise Conflict(_("Only a failed run can be retried."), code="not_failed")
    with transaction.atomic():
        engine.retry(run)
        audit.record(
            actor=actor,
            action="update",
            obj=run,
            changes={"status": [run.status, RunStatus.RETRYING]},
        )
    engine.enqueue([run.pk])
    run.refresh_from_db()
    return run
