"""The rules engine: from events and scans to ``RuleRun`` rows, and from rows to actions.

The rows are the truth, as with webhook deliveries (decision 0006): a matching event or scan
writes a run, then enqueues a task for it; ``sweep`` enqueues every run that is due and not
queued. A run takes a lease, evaluates the conditions against the record as it is now, and runs
the actions from ``step``; each action and the step after it commit together, so a retry never
repeats a finished step (an outside effect such as a webhook call is at least once). The
``platform.wait`` action ends the attempt with the run WAITING until ``next_attempt_at``.

Loop guard: while a run's actions work, ``CHAIN`` holds the rule ids that led here; the events
their writes emit carry it (``events.emit`` keeps the emitting context), a rule never fires again
from its own chain, and a chain stops at ``MAX_CHAIN`` rules. See decision 0007.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import events
from clientela.platform.models import Rule, RuleRun, RunStatus
from clientela.platform.rules import conditions, triggers

logger = logging.getLogger(__name__)

CHAIN: ContextVar[tuple[int, ...]] = ContextVar("clientela_rule_chain", default=())
MAX_CHAIN = 5
DUE = (RunStatus.PENDING, RunStatus.RETRYING, RunStatus.WAITING)
LEASE = timedelta(minutes=5)  # longer than any action may take
SWEEP_BATCH = 500
LOCAL_TTL = 2.0
VERSION_KEY = "clientela:rules:version"


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# --- the active rules, cached per process -----------------------------------------------------


@dataclass
class _Local:
    version: str = ""
    checked: float = 0.0
    by_type: dict[str, list[Rule]] | None = None


_local = _Local()


def _version() -> str:
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, str(time.time_ns()), timeout=None)
        value = cache.get(VERSION_KEY)
    return str(value)


def changed() -> None:
    """Call after any change to the rules: every process reloads them (within ``LOCAL_TTL``)."""
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)
    forget()


def forget() -> None:
    _local.by_type, _local.version, _local.checked = None, "", 0.0


def active_rules(object_type: str) -> list[Rule]:
    """The active event-triggered rules of a record type, in their order."""
    now = time.monotonic()
    if now - _local.checked > LOCAL_TTL:
        current = _version()
        if current != _local.version:
            _local.by_type, _local.version = None, current
        _local.checked = now
    if _local.by_type is None:
        by_type: dict[str, list[Rule]] = {}
        rows = Rule.objects.filter(is_active=True, trigger__in=triggers.EVENT_TRIGGERS)
        for rule in rows.only("id", "object_type", "trigger", "trigger_config").order_by(
            "position", "id"
        ):
            by_type.setdefault(rule.object_type, []).append(rule)
        _local.by_type = by_type
    return _local.by_type.get(object_type, [])


# --- from events to runs ---------------------------------------------------------------------


@contextmanager
def chain(rule_ids: Iterable[int]) -> Iterator[None]:
    token = CHAIN.set(tuple(rule_ids))
    try:
        yield
    finally:
        CHAIN.reset(token)


def _stopped(rule: Rule, record_id: Any, event: str, cause: list[int]) -> RuleRun:
    """A run that does not happen because of the loop guard, kept in the log as such."""
    run = triggers.new_run(rule, record_id, event, {})
    run.chain, run.status, run.next_attempt_at = cause, RunStatus.SKIPPED, None
    run.finished_at = timezone.now()
    if rule.pk in cause:
        run.error = _("Not run: this rule's own action caused the change (loop guard).")
    else:
        run.error = _("Not run: %(n)d rules in a row already fired (loop guard).") % {
            "n": len(cause)
        }
    return run


def record_runs(event: events.Event) -> list[Any]:
    """A run row for each active rule the event triggers; the ids of those to run."""
    rows = _runs_for(event)
    RuleRun.objects.bulk_create(rows)
    return [r.pk for r in rows if r.status == RunStatus.PENDING]


def _runs_for(event: events.Event) -> list[RuleRun]:
    object_type, verb, changes = triggers.event_target(event)
    if not verb:
        return []
    record_id = event.payload.get("id")
    cause = list(CHAIN.get())
    rows = []
    for rule in active_rules(object_type):
        if not triggers.matches(rule, verb, changes, event):
            continue
        if rule.pk in cause or len(cause) >= MAX_CHAIN:
            rows.append(_stopped(rule, record_id, event.name, cause))
            continue
        context = {"changes": changes} if changes else {}
        if verb == "inbound":
            context["hook"] = event.payload.get("hook", "")
        run = triggers.new_run(rule, record_id, event.name, context)
        run.chain = cause
        rows.append(run)
    return rows


def on_event(event: events.Event) -> None:
    """Subscribed to every event: the rows first (the truth), then a task each (a speed-up)."""
    enqueue(record_runs(event))


def on_events(batch: list[events.Event]) -> None:
    """Many events (``events.emit_many``): every run row in one insert."""
    with conditions.catalogs_kept():
        rows = [run for event in batch for run in _runs_for(event)]
    RuleRun.objects.bulk_create(rows)
    enqueue([r.pk for r in rows if r.status == RunStatus.PENDING])


# runs handed to one task when many come at once (a sweep's late tickets, a catch-up): one
# task insert per run cost 1.7 ms each, 169 s for 100,000 runs
TASK_CHUNK = 50


def enqueue(ids: Iterable[Any], now: datetime | None = None) -> int:
    """Mark the runs queued and enqueue tasks for them (a run alone gets its own task, many go
    ``TASK_CHUNK`` to a task); a failed enqueue is left for the sweep."""
    from clientela.platform.tasks import run_rule, run_rules

    ids = list(ids)
    if not ids:
        return 0
    RuleRun.objects.filter(pk__in=ids).update(queued_at=now or timezone.now())
    done = 0
    for chunk in itertools.batched(ids, TASK_CHUNK):
        names = [str(run_id) for run_id in chunk]
        try:
            if len(names) == 1:
                run_rule.enqueue(names[0])
            else:
                run_rules.enqueue(names)
        except Exception:
            logger.exception("could not enqueue rule runs %s", names)
            RuleRun.objects.filter(pk__in=chunk).update(queued_at=None)
        else:
            done += len(names)
    return done


def sweep(now: datetime | None = None) -> int:
    """Enqueue the runs that are due and not queued (or queued long ago and not run)."""
    now = now or timezone.now()
    requeue_after = timedelta(seconds=_setting("RULES_REQUEUE_AFTER_SECONDS", 300))
    due = (
        RuleRun.objects.filter(status__in=DUE, next_attempt_at__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - requeue_after))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)
    )
    return enqueue(list(due[:SWEEP_BATCH]), now)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: base * 2^(n-1), plus up to 25 % jitter."""
    base = _setting("RULES_RETRY_BASE_SECONDS", 60)
    seconds = min(base * 2 ** max(attempts - 1, 0), 6 * 3600)
    return timedelta(seconds=seconds * (1 + random.random() / 4))


def claim(run_id: Any, now: datetime) -> bool:
    """Take the run for one attempt if it is still due; the lease makes a dead attempt due
    again, and a second task for the same run finds nothing to do."""
    return bool(
        RuleRun.objects.filter(pk=run_id, status__in=DUE, next_attempt_at__lte=now).update(
            attempts=F("attempts") + 1, next_attempt_at=now + LEASE, queued_at=None
        )
    )


def retry(run: RuleRun, now: datetime | None = None) -> None:
    """Make a failed run due again from the step it stopped at (the caller enqueues it)."""
    RuleRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RETRYING,
        attempts=0,
        next_attempt_at=now or timezone.now(),
        finished_at=None,
        queued_at=None,
    )


@dataclass
class DryRun:
    """What a rule would do to a record now: whether it fires, why, and each action's
    description. Nothing is written."""

    matched: bool
    explanation: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def dry_run(rule_or_values: Rule | dict[str, Any], record: Any) -> DryRun:
    from clientela.platform.rules import runner

    return runner.dry_run(rule_or_values, record)


def connect() -> None:
    """Called from ``PlatformConfig.ready()``: the rule record types, the built-in actions and
    the subscription to every event."""
    from django.utils.translation import gettext_lazy

    from clientela.platform import registry
    from clientela.platform.rules import builtin

    registry.register(
        registry.ObjectType("platform.rule", gettext_lazy("Rules"), Rule, "platform", owned=False)
    )
    registry.register(
        registry.ObjectType(
            "platform.rulerun",
            gettext_lazy("Rule runs"),
            RuleRun,
            "platform",
            owned=False,
            actions=("view",),
        )
    )
    builtin.register()
    events.subscribe("*", on_event, batch=on_events)
