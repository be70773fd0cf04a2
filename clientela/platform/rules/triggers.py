"""Rule triggers: their settings, which events they match, and the periodic scans of the
date-relative and scheduled ones (decision 0007).

Event triggers (created, updated, field changed, status entered, inbound) match the events the
services emit after commit. Date-relative rules are found by a scan every minute over the window
since the rule's ``scanned_until`` (one query per rule; a new or re-activated rule starts at
"now", so old records never flood it). Scheduled rules fire on their cron slot, once per
matching record, up to ``SCHEDULE_LIMIT`` records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from croniter import croniter
from django.db import connection, models, transaction
from django.db.models import lookups
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import customfields, events
from clientela.platform.models import Rule, RuleRun, RuleTrigger, RunStatus
from clientela.platform.rules import conditions, registry
from clientela.platform.rules.registry import FieldInfo

INBOUND_EVENT = "platform.inbound.received"
MAX_OFFSET_MINUTES = 366 * 24 * 60
MAX_TO = 50
SCHEDULE_LIMIT = 1000  # records one scheduled firing runs on; the rest is logged
SCAN_BATCH = 500
UPDATE_VERBS = ("updated", "status_changed")
EVENT_TRIGGERS = (
    RuleTrigger.CREATED,
    RuleTrigger.UPDATED,
    RuleTrigger.FIELD_CHANGED,
    RuleTrigger.STATUS_ENTERED,
    RuleTrigger.INBOUND,
)
Errors = dict[str, list[str]]


# --- settings ------------------------------------------------------------------------------


def date_fields(object_type: str) -> list[FieldInfo]:
    """Paths a date-relative trigger may watch: the target's dates and date custom fields."""
    catalog = conditions.field_catalog(object_type)
    named = list(registry.target(object_type).date_fields)
    named += [p for p, f in catalog.items() if p.startswith("custom.") and f.type in _DATES]
    return [catalog[p] for p in named if p in catalog]


def status_fields(object_type: str) -> list[FieldInfo]:
    catalog = conditions.field_catalog(object_type)
    named = list(registry.target(object_type).status_fields)
    named += [p for p, f in catalog.items() if p.startswith("custom.") and f.type == "choice"]
    return [catalog[p] for p in named if p in catalog]


def watchable_fields(object_type: str) -> list[FieldInfo]:
    """Fields a "field changed" trigger may watch: the record's own (no related paths)."""
    return [
        f
        for f in conditions.field_catalog(object_type).values()
        if "." not in f.path or f.path.startswith("custom.")
    ]


_DATES = ("date", "datetime")


def _values(raw: Any, info: FieldInfo, path: str, errors: Errors, required: bool) -> list[Any]:
    if raw in (None, []) and not required:
        return []
    if not isinstance(raw, list) or not raw or len(raw) > MAX_TO:
        errors[path] = [_("Give a list of 1 to %(n)d values.") % {"n": MAX_TO}]
        return []
    try:
        return [conditions.plain(conditions.coerce(v, info)) for v in raw]
    except conditions.Unfit as exc:
        errors[path] = [str(exc)]
        return []


def _field(config: Mapping[str, Any], offered: list[FieldInfo], errors: Errors) -> FieldInfo | None:
    by_path = {f.path: f for f in offered}
    name = config.get("field")
    info = by_path.get(name) if isinstance(name, str) else None
    if info is None:
        errors["trigger_config.field"] = [_("Choose one of the offered fields.")]
    return info


def _clean_changed(object_type: str, config: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    info = _field(config, watchable_fields(object_type), errors)
    if info is None:
        return {}
    cleaned: dict[str, Any] = {"field": info.path}
    for side in ("from", "to"):
        values = _values(config.get(side), info, f"trigger_config.{side}", errors, False)
        if values:
            cleaned[side] = values
    return cleaned


def _clean_status(object_type: str, config: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    info = _field(config, status_fields(object_type), errors)
    if info is None:
        return {}
    values = _values(config.get("to"), info, "trigger_config.to", errors, True)
    return {"field": info.path, "to": values}


def _clean_date(object_type: str, config: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    info = _field(config, date_fields(object_type), errors)
    offset = config.get("offset_minutes", 0)
    if isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > MAX_OFFSET_MINUTES:
        errors["trigger_config.offset_minutes"] = [
            _("Enter whole minutes between -%(n)d and %(n)d.") % {"n": MAX_OFFSET_MINUTES}
        ]
        return {}
    return {"field": info.path, "offset_minutes": offset} if info else {}


def _clean_schedule(config: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    cron = config.get("cron")
    if not isinstance(cron, str) or len(cron) > 100 or not croniter.is_valid(cron.strip()):
        errors["trigger_config.cron"] = [
            _("Enter a schedule of five fields: minute hour day month weekday (0 8 * * 1).")
        ]
        return {}
    if len(cron.split()) != 5:
        errors["trigger_config.cron"] = [_("Use five fields: minute hour day month weekday.")]
        return {}
    return {"cron": " ".join(cron.split())}


def _clean_inbound(config: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    hook = config.get("hook", "")
    if not isinstance(hook, str) or len(hook) > 32:
        errors["trigger_config.hook"] = [_("Choose one of the inbound webhooks, or any.")]
        return {}
    if hook:
        from clientela.platform.models import InboundHook

        if not InboundHook.objects.filter(public_id=hook).exists():
            errors["trigger_config.hook"] = [_("Choose one of the inbound webhooks, or any.")]
    return {"hook": hook}


def clean_config(object_type: str, trigger: str, config: Any, errors: Errors) -> dict[str, Any]:
    """The trigger's settings checked for ``object_type``; problems go to ``errors``."""
    if config in (None, ""):
        config = {}
    if not isinstance(config, dict):
        errors["trigger_config"] = [_("Give the trigger's settings as an object.")]
        return {}
    if trigger == RuleTrigger.FIELD_CHANGED:
        return _clean_changed(object_type, config, errors)
    if trigger == RuleTrigger.STATUS_ENTERED:
        return _clean_status(object_type, config, errors)
    if trigger == RuleTrigger.DATE_RELATIVE:
        return _clean_date(object_type, config, errors)
    if trigger == RuleTrigger.SCHEDULE:
        return _clean_schedule(config, errors)
    if trigger == RuleTrigger.INBOUND:
        return _clean_inbound(config, errors)
    return {}


def next_slot(cron: str, after: dt.datetime) -> dt.datetime:
    return croniter(cron, after).get_next(dt.datetime)


# --- events ----------------------------------------------------------------------------------


def event_target(event: events.Event) -> tuple[str, str, dict[str, Any]]:
    """(record type, verb, changes) of an event; verb is "" for events rules ignore."""
    if event.name == INBOUND_EVENT:
        return str(event.payload.get("object_type", "")), "inbound", {}
    object_type, _dot, verb = event.name.rpartition(".")
    changes = event.payload.get("changes")
    if verb == "status_changed" and not isinstance(changes, dict):
        changes = {"status": [event.payload.get("from"), event.payload.get("to")]}
    if verb not in ("created", *UPDATE_VERBS):
        return object_type, "", {}
    return object_type, verb, changes if isinstance(changes, dict) else {}


def _same(info: FieldInfo | None, value: Any, wanted: list[Any]) -> bool:
    if info is None:
        return False
    try:
        value = conditions.plain(conditions.coerce(value, info)) if value is not None else None
    except conditions.Unfit:
        return False
    folded = [w.casefold() if isinstance(w, str) else w for w in wanted]
    return (value.casefold() if isinstance(value, str) else value) in folded


def matches(rule: Rule, verb: str, changes: Mapping[str, Any], event: events.Event) -> bool:
    """Whether ``rule`` (whose record type is the event's) fires for this event."""
    trigger, config = rule.trigger, rule.trigger_config or {}
    if trigger == RuleTrigger.CREATED:
        return verb == "created"
    if trigger == RuleTrigger.UPDATED:
        return verb in UPDATE_VERBS
    if trigger == RuleTrigger.INBOUND:
        return verb == "inbound" and config.get("hook", "") in ("", event.payload.get("hook"))
    if trigger not in (RuleTrigger.FIELD_CHANGED, RuleTrigger.STATUS_ENTERED):
        return False
    name = str(config.get("field", ""))
    if trigger == RuleTrigger.STATUS_ENTERED and verb == "created":
        return _created_in(rule, name, config.get("to") or [], event)
    if verb not in UPDATE_VERBS or name not in changes:
        return False
    old, new = changes[name]
    info = conditions.field_catalog(rule.object_type).get(name)
    if config.get("from") and not _same(info, old, config["from"]):
        return False
    return not config.get("to") or _same(info, new, config["to"])


def _created_in(rule: Rule, name: str, wanted: list[Any], event: events.Event) -> bool:
    """A record created already in the status has entered it too (an opportunity created in
    the RFP stage): its value is read, one query per such rule and new record."""
    try:
        target = registry.target(rule.object_type)
    except KeyError:
        return False
    record = target.load(event.payload.get("id"))
    if record is None:
        return False
    value = read(target, record, name)
    if not wanted:
        return value not in (None, "")
    return _same(conditions.field_catalog(rule.object_type).get(name), value, wanted)


# --- scans -----------------------------------------------------------------------------------


def _locked(trigger: str, now: dt.datetime, due_field: str | None = None) -> list[Rule]:
    rules = Rule.objects.filter(is_active=True, trigger=trigger)
    if due_field:
        rules = rules.filter(**{f"{due_field}__lte": now})
    if connection.features.has_select_for_update_skip_locked:
        rules = rules.select_for_update(skip_locked=True)
    else:
        rules = rules.select_for_update()
    return list(rules)


def _custom_between(
    info: customfields.Definition, low: dt.datetime, high: dt.datetime
) -> list[lookups.Lookup[Any]]:
    """Records whose custom date(-time) lies in (low, high], compared as the stored text."""
    value = customfields.StoredValue(info)
    if info.field_type == "datetime":
        fmt = customfields.DATETIME_FORMAT
        return [
            lookups.GreaterThan(value, low.astimezone(dt.UTC).strftime(fmt)),
            lookups.LessThanOrEqual(value, high.astimezone(dt.UTC).strftime(fmt)),
        ]
    first, last = _day_range(low, high)
    return [
        lookups.GreaterThanOrEqual(value, first.isoformat()),
        lookups.LessThanOrEqual(value, last.isoformat()),
    ]


def _day_range(low: dt.datetime, high: dt.datetime) -> tuple[dt.date, dt.date]:
    """The dates whose local midnight lies in (low, high]."""
    return timezone.localdate(low) + dt.timedelta(days=1), timezone.localdate(high)


def _due_between(rule: Rule, low: dt.datetime, high: dt.datetime) -> models.QuerySet[Any]:
    """Records whose watched date plus the offset lies in (low, high]: one query."""
    target = registry.target(rule.object_type)
    config = rule.trigger_config
    offset = dt.timedelta(minutes=int(config.get("offset_minutes", 0)))
    low, high = low - offset, high - offset
    path: str = config["field"]
    records = target.queryset()
    if path.startswith("custom."):
        item = customfields.definition(rule.object_type, path.removeprefix("custom."))
        if item is None or item.field_type not in _DATES:
            return records.none()
        return records.filter(*_custom_between(item, low, high))
    column = path.replace(".", "__")
    field = records.model._meta.get_field(path.split(".")[0])
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        first, last = _day_range(low, high)
        return records.filter(**{f"{column}__gte": first, f"{column}__lte": last})
    return records.filter(**{f"{column}__gt": low, f"{column}__lte": high})


def new_run(rule: Rule, record_id: Any, event: str, context: dict[str, Any]) -> RuleRun:
    return RuleRun(
        rule=rule,
        object_type=rule.object_type,
        record_id=str(record_id),
        event=event,
        context=context,
        next_attempt_at=timezone.now(),
    )


def scan_dates(now: dt.datetime | None = None) -> list[Any]:
    """Runs for every record whose date plus offset passed since the last scan; their ids."""
    now = now or timezone.now()
    created: list[Any] = []
    with transaction.atomic():
        for rule in _locked(RuleTrigger.DATE_RELATIVE, now):
            low = rule.scanned_until or now
            if low < now:
                ids = _due_between(rule, low, now).order_by("pk").values_list("pk", flat=True)
                context = {"window": [low.isoformat(), now.isoformat()]}
                runs = [new_run(rule, pk, "date_relative", context) for pk in ids.iterator()]
                RuleRun.objects.bulk_create(runs, batch_size=SCAN_BATCH)
                created += [r.pk for r in runs]
            Rule.objects.filter(pk=rule.pk).update(scanned_until=now)
    return created


def _scheduled_runs(rule: Rule, slot: str) -> list[RuleRun]:
    target = registry.target(rule.object_type)
    fields = conditions.field_catalog(rule.object_type)
    runs: list[RuleRun] = []
    skipped = 0
    for record in target.queryset().order_by("pk").iterator(chunk_size=SCAN_BATCH):
        outcome = conditions.evaluate(rule.conditions, fields, _reader(target, record))
        if not outcome.matched:
            continue
        if len(runs) >= SCHEDULE_LIMIT:
            skipped += 1
            continue
        runs.append(new_run(rule, record.pk, "schedule", {"slot": slot}))
    if skipped:
        runs.append(_capped(rule, slot, skipped))
    return runs


def _capped(rule: Rule, slot: str, skipped: int) -> RuleRun:
    """A finished run in the rule's log saying how many records the cap left out."""
    run = new_run(rule, "", "schedule", {"slot": slot, "left_out": skipped})
    run.status, run.next_attempt_at, run.finished_at = RunStatus.SKIPPED, None, timezone.now()
    run.error = _(
        "%(n)d more records matched; a scheduled rule runs on at most %(limit)d at a time."
    ) % {"n": skipped, "limit": SCHEDULE_LIMIT}
    return run


def scan_schedules(now: dt.datetime | None = None) -> list[Any]:
    """Fire every scheduled rule whose slot came; the due runs' ids."""
    now = now or timezone.now()
    created: list[Any] = []
    with transaction.atomic():
        for rule in _locked(RuleTrigger.SCHEDULE, now, "next_run_at"):
            slot = rule.next_run_at.isoformat() if rule.next_run_at else now.isoformat()
            runs = _scheduled_runs(rule, slot)
            RuleRun.objects.bulk_create(runs, batch_size=SCAN_BATCH)
            created += [r.pk for r in runs if r.status == RunStatus.PENDING]
            next_at = next_slot(rule.trigger_config["cron"], now)
            Rule.objects.filter(pk=rule.pk).update(next_run_at=next_at, scanned_until=now)
    return created


def _reader(target: registry.Target, record: Any) -> Callable[[str], Any]:
    return lambda path: read(target, record, path)


def read(target: registry.Target, record: Any, path: str) -> Any:
    """A record's value at ``path``: custom fields from its JSON column, the rest by the target."""
    if path.startswith("custom."):
        return (getattr(record, customfields.COLUMN, None) or {}).get(path.removeprefix("custom."))
    return target.read(record, path)
