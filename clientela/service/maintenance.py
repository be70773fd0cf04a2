"""Planned (preventive) service: maintenance plans and the generator that opens their tickets.

A plan serves one asset, or a contract's assets (those it names, else every asset of the
account that is not retired). Every day the generator opens, ``lead_days`` before a visit falls
due, one ticket per asset and records a ``MaintenanceVisit`` per (plan, asset, due date): the
row is inserted before the ticket is opened, in a savepoint, so a second run, or a run at the
same moment on another worker, finds it taken and opens nothing. The plan's row is locked while
its visits are made and its next due date then moves on by the interval; months are calendar
months, a 31st falling on the last day of a shorter month (31 January → 28 February, and from
then on the 28th).

Catch-up: a plan whose due date passed long ago (switched off for a year, say) does not open a
ticket for each visit it missed: it jumps to the latest due date not after today, opens that
one visit, and goes on from there.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions
from clientela.platform.errors import ValidationFailed, not_found_on
from clientela.platform.models import User
from clientela.service.contracts import Errors, _number, _ref, _text, clean_date
from clientela.service.models import Queue, TicketCategory
from clientela.service.models_assets import (
    Asset,
    AssetStatus,
    Every,
    MaintenancePlan,
    MaintenanceVisit,
    ServiceContract,
)

KEY = "service.maintenance"
MAX_INTERVAL = {Every.DAYS: 3660, Every.MONTHS: 120}
MAX_LEAD_DAYS = 365


def add_interval(day: dt.date, interval: int, unit: str) -> dt.date:
    """``interval`` days or calendar months after ``day`` (the 31st clamped to a month's end)."""
    if unit == Every.DAYS:
        return day + dt.timedelta(days=interval)
    year, month = divmod(day.month - 1 + interval, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def catch_up(due: dt.date, interval: int, unit: str, today: dt.date) -> dt.date:
    """The latest due date of the series not after ``today`` (``due`` itself if it is later)."""
    if unit == Every.DAYS and due < today:
        return due + dt.timedelta(days=(today - due).days // interval * interval)
    while (following := add_interval(due, interval, unit)) <= today:
        due = following
    return due


# --- plans ---------------------------------------------------------------------------------


def _visible(actor: User, model: Any, pk: Any, name: str) -> Any:
    if pk in (None, ""):
        return None
    if isinstance(pk, model):
        return pk
    return not_found_on(
        name, lambda: permissions.get_visible(actor, model._default_manager.all(), pk)
    )


def _clean_plan(
    actor: User, raw: dict[str, Any], current: MaintenancePlan | None
) -> dict[str, Any]:
    errors: Errors = {}
    merged: dict[str, Any] = {}
    if current is not None:
        merged = {
            f.name: getattr(current, f.attname) for f in MaintenancePlan._meta.concrete_fields
        }
    merged |= raw
    cleaned: dict[str, Any] = {"name": _text(merged, "name", errors, 200, True)}
    cleaned["asset"] = _visible(actor, Asset, merged.get("asset"), "asset")
    cleaned["contract"] = _visible(actor, ServiceContract, merged.get("contract"), "contract")
    asset, contract = cleaned["asset"], cleaned["contract"]
    if asset is None and contract is None:
        errors["asset"] = [_("Choose the asset, or the contract, the plan serves.")]
    elif asset is not None and contract is not None and asset.account_id != contract.account_id:
        errors["contract"] = [_("The contract must be of the asset's account.")]
    unit = merged.get("unit") or Every.MONTHS
    if unit not in Every.values:
        errors["unit"] = [_("Choose one of the listed values.")]
        unit = Every.MONTHS
    cleaned["unit"] = unit
    interval = _number(merged.get("interval"), "interval", errors)
    if "interval" not in errors and not 1 <= (interval or 0) <= MAX_INTERVAL[unit]:
        errors["interval"] = [_("Enter a number from 1 to %(n)d.") % {"n": MAX_INTERVAL[unit]}]
    cleaned["interval"] = interval
    cleaned["next_due_on"] = clean_date(
        merged.get("next_due_on"), "next_due_on", errors, required=True
    )
    lead = _number(merged.get("lead_days", 14), "lead_days", errors)
    if lead is not None and lead > MAX_LEAD_DAYS:
        errors["lead_days"] = [_("Enter a number from 0 to %(n)d.") % {"n": MAX_LEAD_DAYS}]
    cleaned["lead_days"] = lead or 0
    queue = _ref(Queue, merged.get("queue"), "queue", errors)
    if queue is None and "queue" not in errors:
        errors["queue"] = [_("Choose the queue its tickets go to.")]
    cleaned["queue"] = queue
    cleaned["category"] = _ref(TicketCategory, merged.get("category"), "category", errors)
    minutes = _number(merged.get("visit_minutes", 60), "visit_minutes", errors)
    if minutes is not None and not 1 <= minutes <= 24 * 60:
        errors["visit_minutes"] = [_("Enter minutes from 1 to %(n)d.") % {"n": 24 * 60}]
    cleaned["visit_minutes"] = minutes or 60
    cleaned["active"] = bool(merged.get("active", True))
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def plan_save(*, actor: User, values: dict[str, Any], plan_id: Any = None) -> MaintenancePlan:
    """Create a plan, or change the fields sent of one."""
    from clientela.service.selectors_assets import plan_get

    permissions.require(actor, KEY, "edit" if plan_id else "create")
    current = plan_get(actor, plan_id) if plan_id else None
    cleaned = _clean_plan(actor, values, current)
    plan = current or MaintenancePlan()
    before = {} if current is None else audit.snapshot(plan)
    for name, value in cleaned.items():
        setattr(plan, name, value)
    with transaction.atomic():
        plan.save()
        changes = audit.diff(before, audit.snapshot(plan))
        if changes:
            action = "create" if current is None else "update"
            audit.record(actor=actor, action=action, obj=plan, changes=changes, object_type=KEY)
    return plan


def plan_delete(*, actor: User, plan_id: Any) -> None:
    """Its visits go with it; the tickets it opened stay."""
    from clientela.service.selectors_assets import plan_get

    permissions.require(actor, KEY, "delete")
    plan = plan_get(actor, plan_id)
    before, pk = audit.snapshot(plan), plan.pk
    with transaction.atomic():
        plan.delete()
        plan.pk = pk
        changes = audit.diff(before, {})
        audit.record(actor=actor, action="delete", obj=plan, changes=changes, object_type=KEY)


def plan_run_now(*, actor: User, plan_id: Any, today: dt.date | None = None) -> int:
    """Open the next visit's tickets now, whatever its lead time; the plan moves on."""
    from clientela.service.selectors_assets import plan_get

    permissions.require(actor, KEY, "edit")
    plan = plan_get(actor, plan_id)
    return run_plan(plan.pk, today or timezone.localdate(), force=True)


# --- the generator -------------------------------------------------------------------------


def assets_of(plan: MaintenancePlan) -> list[Asset]:
    if plan.asset_id is not None:
        return list(Asset.objects.filter(pk=plan.asset_id).select_related("account", "contact"))
    rows = Asset.objects.select_related("account", "contact").exclude(status=AssetStatus.RETIRED)
    named = rows.filter(contracts=plan.contract_id)
    if named.exists():
        return list(named.order_by("id"))
    assert plan.contract is not None  # a plan has an asset or a contract
    return list(rows.filter(account_id=plan.contract.account_id).order_by("id"))


def _locked(plan_id: int) -> MaintenancePlan | None:
    rows = MaintenancePlan.objects.filter(pk=plan_id, active=True)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)  # another worker has it: skip
    plan = rows.first()
    if plan is not None:
        plan = MaintenancePlan.objects.select_related("contract", "queue", "category").get(
            pk=plan.pk
        )
    return plan


def _visit(plan: MaintenancePlan, asset: Asset, due: dt.date) -> int:
    """The visit's row first (taken: nothing to do), then its ticket."""
    from clientela.service.services import ticket_open

    try:
        with transaction.atomic():
            visit = MaintenanceVisit.objects.create(plan=plan, asset=asset, due_on=due)
    except IntegrityError:
        return 0
    subject = _("Preventive maintenance: %(asset)s (due %(date)s)") % {
        "asset": asset,
        "date": due.isoformat(),
    }
    values = {
        "subject": subject[:500],
        "queue": plan.queue,
        "category": plan.category,
        "account": asset.account,
        "contact": asset.contact,
        "asset": asset,
        "contract": plan.contract,
        "priority": "normal",
    }
    visit.ticket = ticket_open(actor=None, values=values, channel="manual", planned=True)
    visit.save(update_fields=["ticket"])
    return 1


def run_plan(plan_id: int, today: dt.date, *, force: bool = False) -> int:
    """One plan's current visit (when its lead time has come, or ``force``): the tickets
    opened; the plan then moves on by its interval."""
    with transaction.atomic():
        plan = _locked(plan_id)
        if plan is None:
            return 0
        if not force and plan.next_due_on - dt.timedelta(days=plan.lead_days) > today:
            return 0  # another run has moved it on already
        due = catch_up(plan.next_due_on, plan.interval, plan.unit, today)
        opened = sum(_visit(plan, asset, due) for asset in assets_of(plan))
        plan.next_due_on = add_interval(due, plan.interval, plan.unit)
        plan.save(update_fields=["next_due_on"])
    return opened


def generate(today: dt.date | None = None) -> dict[str, int]:
    """The daily job: every active plan whose next visit is within its lead time."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=MAX_LEAD_DAYS)
    rows = MaintenancePlan.objects.filter(active=True, next_due_on__lte=horizon)
    plans, opened = 0, 0
    for pk, due, lead in rows.values_list("pk", "next_due_on", "lead_days").order_by("id"):
        if due - dt.timedelta(days=lead) <= today:
            plans += 1
            opened += run_plan(pk, today)
    return {"plans": plans, "tickets": opened}
