"""One attempt of a rule run, and the dry run: the part of the engine that does things.

An attempt loads the record, checks the conditions as the record is now, then runs the actions
from ``step`` as the rule's ``run_as`` user, on the automation channel, inside the loop guard's
chain. Each action commits together with the step that follows it. A domain refusal (no
permission, a bad value) fails the run at once; anything else is retried with back-off, then
the run FAILED and the rule's creator told.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from pydantic import ValidationError as PydanticValidationError

from clientela.platform.context import use_channel
from clientela.platform.errors import DomainError
from clientela.platform.models import Channel, Rule, RuleRun, RunStatus, User
from clientela.platform.rules import conditions, engine, registry, triggers
from clientela.platform.rules.registry import ActionCall, ActionType
from clientela.platform.services.notifications import notification_create

logger = logging.getLogger(__name__)

WAIT = "platform.wait"
LOG_LIMIT = 200  # entries kept in one run's log
ERROR_LENGTH = 500


class Stop(Exception):
    """The run ends without failing: the record is gone, the conditions no longer hold…"""


class Refused(Exception):
    """A failure a retry cannot fix (no permission, bad settings): the run fails at once."""


def plugin_enabled(name: str) -> bool:
    if not name:
        return True
    try:
        from clientela.platform import plugins
    except ImportError:
        return True
    is_enabled = getattr(plugins, "is_enabled", None)
    return True if is_enabled is None else bool(is_enabled(name))


def _entry(kind: str, **data: Any) -> dict[str, Any]:
    return {"at": timezone.now().isoformat(), "kind": kind, **data}


def _append(run: RuleRun, entry: dict[str, Any]) -> None:
    run.log = [*(run.log or [])[-(LOG_LIMIT - 1) :], entry]


def _record(run: RuleRun, target: registry.Target) -> models.Model:
    record = target.load(run.record_id) if run.record_id else None
    if record is None:
        raise Stop(_("The record no longer exists."))
    return record


def _check_conditions(run: RuleRun, target: registry.Target, record: models.Model) -> None:
    rule = run.rule
    outcome = conditions.evaluate(
        rule.conditions,
        conditions.field_catalog(rule.object_type),
        lambda path: triggers.read(target, record, path),
        (run.context or {}).get("changes"),
    )
    if rule.conditions:
        _append(run, _entry("conditions", matched=outcome.matched, leaves=outcome.explanation()))
    if not outcome.matched:
        raise Stop(_("The conditions are not met."))


def _action_type(key: str, object_type: str) -> ActionType | None:
    try:
        action = registry.action_type(key)
    except KeyError:
        return None
    if action.object_types and object_type not in action.object_types:
        return None
    return action if plugin_enabled(action.plugin) else None


def _call(run: RuleRun, record: models.Model, step: dict[str, Any], action: ActionType) -> Any:
    try:
        params = action.params.model_validate(step.get("params") or {})
    except PydanticValidationError as exc:
        raise Refused(_("The action's settings are no longer valid: %(e)s") % {"e": exc}) from None
    return ActionCall(
        rule=run.rule,
        run=run,
        object_type=run.object_type,
        record=record,
        params=params,
        actor=run.rule.run_as,
        context=dict(run.context or {}),
    )


def _save(run: RuleRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    RuleRun.objects.filter(pk=run.pk).update(log=run.log, **fields)


def _do_step(run: RuleRun, record: models.Model, index: int, step: dict[str, Any]) -> None:
    """Run one action and move ``step`` past it, in one transaction."""
    key = str(step.get("type", ""))
    action = _action_type(key, run.object_type)
    with transaction.atomic():
        if action is None:
            result: dict[str, Any] = {}
            _append(
                run, _entry("skipped", step=index, action=key, message=_("Action unavailable."))
            )
        else:
            call = _call(run, record, step, action)
            with engine.chain([*run.chain, run.rule_id]), use_channel(Channel.AUTOMATION):
                result = action.run(call) or {}
            _append(run, _entry("action", step=index, action=key, result=result))
        _save(run, step=index + 1, attempts=1)  # this attempt goes on with the next step


def _steps(run: RuleRun, record: models.Model, now: datetime) -> str:
    actions = run.rule.actions or []
    for index in range(run.step, len(actions)):
        step = actions[index]
        if step.get("type") == WAIT:
            minutes = int((step.get("params") or {}).get("minutes", 0))
            resume = now + timedelta(minutes=minutes)
            _append(run, _entry("wait", step=index, until=resume.isoformat()))
            _save(
                run,
                step=index + 1,
                attempts=0,
                status=RunStatus.WAITING,
                next_attempt_at=resume,
            )
            return RunStatus.WAITING
        _do_step(run, record, index, step)
    _save(run, status=RunStatus.DONE, next_attempt_at=None, finished_at=timezone.now(), error="")
    return RunStatus.DONE


def _run_as(run: RuleRun) -> User:
    user = run.rule.run_as
    if not user.is_active:
        raise Refused(_("The user this rule runs as is switched off."))
    return user


def attempt(run_id: Any, now: datetime | None = None) -> str:
    """Run one due run as far as it goes; its new status ("skipped" when it was not due)."""
    now = now or timezone.now()
    if not engine.claim(run_id, now):
        return "skipped"
    run = RuleRun.objects.select_related("rule", "rule__run_as", "rule__created_by").get(pk=run_id)
    try:
        if not run.rule.is_active:
            raise Stop(_("The rule was switched off."))
        _run_as(run)
        target = registry.target(run.object_type)
        record = _record(run, target)
        _check_conditions(run, target, record)
        return _steps(run, record, now)
    except Stop as exc:
        _append(run, _entry("stopped", step=run.step, message=str(exc)))
        _finish(run, RunStatus.SKIPPED, str(exc))
        return RunStatus.SKIPPED
    except (Refused, DomainError) as exc:
        return _failed(run, exc, retryable=False)
    except Exception as exc:
        logger.exception("rule run %s failed", run_id)
        return _failed(run, exc, retryable=True)


def _finish(run: RuleRun, status: str, error: str) -> None:
    _save(
        run,
        status=status,
        next_attempt_at=None,
        finished_at=timezone.now(),
        error=error[:ERROR_LENGTH],
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        detail = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
        return f"{exc.message} {detail}".strip() if detail else str(exc.message)
    return f"{type(exc).__name__}: {exc}"


def _failed(run: RuleRun, exc: Exception, *, retryable: bool) -> str:
    message = _message(exc)[:ERROR_LENGTH]
    attempts = run.attempts  # counted when the attempt was claimed
    _append(run, _entry("error", step=run.step, attempt=attempts, message=message))
    max_attempts = int(engine._setting("RULES_MAX_ATTEMPTS", 5))
    if retryable and attempts < max_attempts:
        _save(
            run,
            status=RunStatus.RETRYING,
            error=message,
            next_attempt_at=timezone.now() + engine.backoff(attempts),
        )
        return RunStatus.RETRYING
    _finish(run, RunStatus.FAILED, message)
    _notify_failed(run)
    return RunStatus.FAILED


def _notify_failed(run: RuleRun) -> None:
    rule = run.rule
    user = rule.created_by if rule.created_by and rule.created_by.is_active else rule.run_as
    try:
        url = reverse("settings:rule_detail", args=[rule.pk])
    except NoReverseMatch:
        url = ""
    with override(user.language or settings.LANGUAGE_CODE):
        title = _("A rule failed: %(name)s") % {"name": rule.name}
        body = _("It could not finish on record %(record)s: %(error)s") % {
            "record": run.record_id or "—",
            "error": run.error,
        }
    notification_create(user=user, title=title, body=body, url=url)


# --- the dry run ------------------------------------------------------------------------------


def _unsaved(values: dict[str, Any]) -> Rule:
    from clientela.platform.services.rules import clean_rule

    cleaned = clean_rule(values, None)
    return Rule(**cleaned)


def _describe(rule: Rule, record: models.Model, actor: User) -> list[dict[str, Any]]:
    described = []
    for index, step in enumerate(rule.actions or []):
        key = str(step.get("type", ""))
        action = _action_type(key, rule.object_type)
        if action is None:
            text = _("Action unavailable.")
        else:
            try:
                params = action.params.model_validate(step.get("params") or {})
                call = ActionCall(rule, None, rule.object_type, record, params, actor)
                text = action.describe(call)
            except (PydanticValidationError, DomainError) as exc:
                text = _("Cannot run: %(e)s") % {"e": _message(exc)}
        described.append({"step": index, "type": key, "description": str(text)})
    return described


def dry_run(rule_or_values: Rule | dict[str, Any], record: models.Model) -> engine.DryRun:
    """What the rule would do to ``record`` now; everything runs in a transaction that is
    rolled back, so even an action whose ``describe`` reads through a writing helper leaves
    nothing behind."""
    rule = rule_or_values if isinstance(rule_or_values, Rule) else _unsaved(rule_or_values)
    target = registry.target(rule.object_type)
    with transaction.atomic():
        outcome = conditions.evaluate(
            rule.conditions,
            conditions.field_catalog(rule.object_type),
            lambda path: triggers.read(target, record, path),
        )
        actions = _describe(rule, record, rule.run_as)
        transaction.set_rollback(True)
    return engine.DryRun(outcome.matched, outcome.explanation(), actions)
