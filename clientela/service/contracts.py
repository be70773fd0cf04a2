"""Service contracts, what they entitle a customer to, and what covers a ticket's work.

Coverage is decided by a pure function (``resolve``) over plain terms, so every rule is tested
without a database: a warranty in force on the ticket's day covers it first; else a contract of
the ticket's account that is active, in date, covers the asset (or product) and the channel and
has incidents left. A contract the caller names that does not cover the ticket stays linked, so
the ticket page can say why, but the ticket is "not covered" and uses nothing.

The entitlement is counted, never stored (see ``models_assets``): the incidents used are the
tickets linked with coverage "contract" (planned maintenance visits are part of the contract and
use none), the hours used are the minutes of the work logs booked on the contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.customers.models import Account
from clientela.platform import audit, events, permissions
from clientela.platform.errors import Conflict, ValidationFailed, not_found_on
from clientela.platform.models import User
from clientela.service.models import (
    BusinessCalendar,
    SlaPolicy,
    Ticket,
    TicketChannel,
    TicketCoverage,
)
from clientela.service.models_assets import (
    Asset,
    ContractStatus,
    MaintenanceVisit,
    ServiceContract,
    Warranty,
    WorkLog,
)

KEY = "service.contract"
Errors = dict[str, list[str]]
MAX_LOG_MINUTES = 24 * 60

# why a contract does not cover a ticket, as the ticket page says it
REASONS = {
    "other_account": gettext_lazy("The contract belongs to another account."),
    "not_active": gettext_lazy("The contract is not active (draft or cancelled)."),
    "not_started": gettext_lazy("The contract has not started yet on the ticket's date."),
    "expired": gettext_lazy("The contract had ended on the ticket's date."),
    "channel": gettext_lazy("The contract does not cover this channel."),
    "asset": gettext_lazy("The contract does not cover this asset or product."),
    "incidents": gettext_lazy("The contract has no incidents left."),
}


# --- the pure rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What a contract promises, and how many incidents it has used (this ticket not counted)."""

    id: int
    account_id: int
    status: str
    starts_on: dt.date
    ends_on: dt.date
    asset_ids: frozenset[int] = frozenset()  # empty: every asset of the account
    product_codes: frozenset[str] = frozenset()  # empty: every product
    channels: frozenset[str] = frozenset()  # empty: every channel
    incidents_included: int | None = None  # None: unlimited
    incidents_used: int = 0


@dataclass(frozen=True)
class Equipment:
    id: int
    account_id: int
    product_code: str = ""
    warranties: tuple[tuple[dt.date, dt.date], ...] = ()  # (starts, ends)


@dataclass(frozen=True)
class Resolution:
    coverage: str  # "warranty", "contract" or "none"
    contract_id: int | None = None
    reason: str = ""  # a key of REASONS when a named contract does not cover


def why_not(
    terms: Terms,
    *,
    account_id: int | None,
    asset: Equipment | None,
    channel: str,
    day: dt.date,
    planned: bool = False,
) -> str:
    """ "" when the contract covers the ticket, else the first reason it does not."""
    if terms.account_id != account_id:
        return "other_account"
    if terms.status != ContractStatus.ACTIVE:
        return "not_active"
    if day < terms.starts_on:
        return "not_started"
    if day > terms.ends_on:
        return "expired"
    if terms.channels and channel not in terms.channels:
        return "channel"
    if not _covers_equipment(terms, asset):
        return "asset"
    left = terms.incidents_included is None or terms.incidents_used < terms.incidents_included
    return "" if planned or left else "incidents"


def _covers_equipment(terms: Terms, asset: Equipment | None) -> bool:
    """A contract naming no asset and no product covers any (or no) equipment of the account;
    one naming them covers only those, so not a ticket about none."""
    if asset is None:
        return not (terms.asset_ids or terms.product_codes)
    if terms.asset_ids and asset.id not in terms.asset_ids:
        return False
    return not terms.product_codes or asset.product_code in terms.product_codes


def resolve(
    *,
    day: dt.date,
    channel: str,
    account_id: int | None,
    asset: Equipment | None,
    contracts: Sequence[Terms],
    named: Terms | None = None,
    planned: bool = False,
) -> Resolution:
    """What covers a ticket on ``day``: a warranty, a contract (the named one, else the one
    that covers, the soonest to end when several do) or nothing."""
    if asset is not None and any(start <= day <= end for start, end in asset.warranties):
        return Resolution("warranty", named.id if named else None)
    facts = {"account_id": account_id, "asset": asset, "channel": channel, "day": day}
    if named is not None:
        reason = why_not(named, planned=planned, **facts)  # type: ignore[arg-type]
        return Resolution("none" if reason else "contract", named.id, reason)
    covering = [t for t in contracts if not why_not(t, planned=planned, **facts)]  # type: ignore[arg-type]
    if not covering:
        return Resolution("none")
    chosen = min(covering, key=lambda t: (t.ends_on, t.id))
    return Resolution("contract", chosen.id)


# --- reading terms from the database -------------------------------------------------------


def incidents_used(contract_ids: Iterable[int], *, exclude: int | None = None) -> dict[int, int]:
    """Per contract: the tickets that used one of its incidents (planned visits do not)."""
    planned = MaintenanceVisit.objects.filter(ticket__isnull=False).values("ticket_id")
    rows = Ticket.objects.filter(contract_id__in=list(contract_ids), coverage="contract")
    rows = rows.exclude(pk__in=planned)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    counted = rows.values("contract_id").annotate(n=Count("id")).order_by()
    return {r["contract_id"]: r["n"] for r in counted}


def terms_of(contracts: Sequence[ServiceContract], *, exclude: int | None = None) -> list[Terms]:
    used = incidents_used([c.pk for c in contracts], exclude=exclude)
    links = ServiceContract.assets.through.objects.filter(
        servicecontract_id__in=[c.pk for c in contracts]
    ).values_list("servicecontract_id", "asset_id")
    assets: dict[int, set[int]] = {}
    for contract_id, asset_id in links:
        assets.setdefault(contract_id, set()).add(asset_id)
    return [
        Terms(
            c.pk,
            c.account_id,
            c.status,
            c.starts_on,
            c.ends_on,
            frozenset(assets.get(c.pk, ())),
            frozenset(c.product_codes or ()),
            frozenset(c.channels or ()),
            c.incidents_included,
            used.get(c.pk, 0),
        )
        for c in contracts
    ]


def equipment_of(asset: Asset) -> Equipment:
    spans = Warranty.objects.filter(asset=asset).values_list("starts_on", "ends_on")
    return Equipment(asset.pk, asset.account_id, asset.product_code, tuple(spans))


def apply_coverage(
    ticket: Ticket, *, named: bool, day: dt.date | None = None, planned: bool = False
) -> Resolution:
    """Set the ticket's account (from its asset), contract and coverage; ``named``: the
    caller chose ``ticket.contract`` (None for none), else it is chosen here. The candidate
    contracts' rows are locked, so two tickets cannot both take a last incident."""
    asset = ticket.asset
    if asset is not None:
        if ticket.account_id is None:
            ticket.account = Account.objects.filter(pk=asset.account_id).first()
        elif asset.account_id != ticket.account_id:
            message = _("This asset belongs to another account than the ticket's.")
            raise ValidationFailed(errors={"asset": [message]})
    day = day or timezone.localdate()
    locked = ServiceContract.objects.select_for_update()
    chosen = ticket.contract if named else None
    if named:  # the one wanted, or none at all
        candidates = list(locked.filter(pk=chosen.pk)) if chosen is not None else []
    elif ticket.account_id is None:  # no account, no contract to look for
        candidates = []
    else:
        candidates = list(locked.filter(account_id=ticket.account_id, status="active"))
    terms = terms_of(candidates, exclude=ticket.pk)
    result = resolve(
        day=day,
        channel=ticket.channel,
        account_id=ticket.account_id,
        asset=equipment_of(asset) if asset is not None else None,
        contracts=terms,
        named=terms[0] if named and terms else None,
        planned=planned,
    )
    if not named:
        ticket.contract = next((c for c in candidates if c.pk == result.contract_id), None)
    ticket.coverage = result.coverage
    return result


def reason_for(ticket: Ticket) -> str:
    """Why the ticket's contract does not cover it (as of the day it was opened), or ""."""
    contract = ticket.contract
    if contract is None or ticket.coverage != TicketCoverage.NONE:
        return ""
    terms = terms_of([contract], exclude=ticket.pk)[0]
    asset = equipment_of(ticket.asset) if ticket.asset is not None else None
    day = timezone.localdate(ticket.created_at) if ticket.created_at else timezone.localdate()
    facts = {"account_id": ticket.account_id, "asset": asset, "channel": ticket.channel}
    key = why_not(terms, day=day, **facts)  # type: ignore[arg-type]
    return str(REASONS[key]) if key else ""


# --- the entitlement -----------------------------------------------------------------------


@dataclass(frozen=True)
class Entitlement:
    incidents_used: int
    incidents_included: int | None
    minutes_used: int
    hours_included: Decimal | None

    @property
    def incidents_left(self) -> int | None:
        if self.incidents_included is None:
            return None
        return max(self.incidents_included - self.incidents_used, 0)

    @property
    def hours_used(self) -> Decimal:
        return (Decimal(self.minutes_used) / 60).quantize(Decimal("0.01"))

    @property
    def hours_left(self) -> Decimal | None:
        if self.hours_included is None:
            return None
        return max(self.hours_included - self.hours_used, Decimal("0.00"))

    @property
    def hours_exhausted(self) -> bool:
        return self.hours_included is not None and self.hours_used >= self.hours_included

    @staticmethod
    def _percent(used: Decimal | int, included: Decimal | int | None) -> int | None:
        if not included:
            return None
        return min(round(100 * Decimal(used) / Decimal(included)), 100)

    @property
    def incidents_percent(self) -> int | None:
        return self._percent(self.incidents_used, self.incidents_included)

    @property
    def hours_percent(self) -> int | None:
        return self._percent(self.hours_used, self.hours_included)


def entitlements(contracts: Sequence[ServiceContract]) -> dict[int, Entitlement]:
    """Per contract, in two queries whatever their number."""
    ids = [c.pk for c in contracts]
    used = incidents_used(ids)
    logged = WorkLog.objects.filter(contract_id__in=ids).values("contract_id")
    minutes = {r["contract_id"]: r["m"] or 0 for r in logged.annotate(m=Sum("minutes")).order_by()}
    return {
        c.pk: Entitlement(
            used.get(c.pk, 0), c.incidents_included, minutes.get(c.pk, 0), c.hours_included
        )
        for c in contracts
    }


def entitlement(contract: ServiceContract) -> Entitlement:
    return entitlements([contract])[contract.pk]


# --- contracts -----------------------------------------------------------------------------


def _text(values: dict[str, Any], name: str, errors: Errors, size: int, required: bool) -> str:
    text = " ".join(str(values.get(name) or "").split())
    if required and not text:
        errors[name] = [_("This field is required.")]
    elif len(text) > size:
        errors[name] = [_("Use at most %(n)d characters.") % {"n": size}]
    return text


def clean_date(value: Any, name: str, errors: Errors, *, required: bool) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors[name] = [_("This field is required.")]
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = [_("Enter a date (YYYY-MM-DD).")]
        return None


def _number(value: Any, name: str, errors: Errors, *, decimal: bool = False) -> Any:
    """A whole number (or a decimal with two places) from 0 to 999,999; None when empty."""
    if value in (None, ""):
        return None
    number: Any = None
    if not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip()) if decimal else int(str(value).strip())
        except (ValueError, ArithmeticError):
            number = None
    if number is None or (decimal and not number.is_finite()):
        errors[name] = [_("Enter a number.")]
        return None
    if not 0 <= number <= 999_999:
        errors[name] = [_("Enter a number from 0 to 999,999.")]
        return None
    return number.quantize(Decimal("0.01")) if decimal else number


def _list(values: dict[str, Any], name: str, allowed: Any, errors: Errors) -> list[str]:
    raw = values.get(name) or []
    items = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        errors[name] = [_("Give a list.")]
        return []
    cleaned = sorted({str(i).strip() for i in items if str(i).strip()})
    if allowed is not None and any(i not in allowed for i in cleaned):
        errors[name] = [_("Choose one of the listed values.")]
    if any(len(i) > 64 for i in cleaned):
        errors[name] = [_("Use at most %(n)d characters.") % {"n": 64}]
    return cleaned


def _ref(model: Any, value: Any, name: str, errors: Errors) -> Any:
    if value in (None, ""):
        return None
    try:
        found = model._default_manager.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors[name] = [_("Choose one of the listed values.")]
    return found


def _clean_contract(
    actor: User, values: dict[str, Any], current: ServiceContract | None
) -> tuple[dict[str, Any], list[Asset] | None]:
    errors: Errors = {}
    merged = {**(_as_values(current) if current else {}), **values}
    cleaned: dict[str, Any] = {
        "name": _text(merged, "name", errors, 200, True),
        "number": _text(merged, "number", errors, 40, False),
        "notes": str(merged.get("notes") or "").strip()[:5000],
    }
    account = merged.get("account")
    if current is None or "account" in values:
        account = not_found_on(
            "account", lambda: permissions.get_visible(actor, Account.objects.all(), account)
        )
    cleaned["account"] = account
    status = merged.get("status") or ContractStatus.ACTIVE
    if status not in ContractStatus.values:
        errors["status"] = [_("Choose one of the listed values.")]
    cleaned["status"] = status
    cleaned["starts_on"] = clean_date(merged.get("starts_on"), "starts_on", errors, required=True)
    cleaned["ends_on"] = clean_date(merged.get("ends_on"), "ends_on", errors, required=True)
    start, end = cleaned["starts_on"], cleaned["ends_on"]
    if start and end and end < start:
        errors["ends_on"] = [_("The end cannot be before the start.")]
    cleaned["channels"] = _list(merged, "channels", set(TicketChannel.values), errors)
    cleaned["product_codes"] = _list(merged, "product_codes", None, errors)
    cleaned["calendar"] = _ref(BusinessCalendar, merged.get("calendar"), "calendar", errors)
    cleaned["sla_policy"] = _ref(SlaPolicy, merged.get("sla_policy"), "sla_policy", errors)
    cleaned["incidents_included"] = _number(
        merged.get("incidents_included"), "incidents_included", errors
    )
    cleaned["hours_included"] = _number(
        merged.get("hours_included"), "hours_included", errors, decimal=True
    )
    notice = _number(merged.get("renewal_notice_days", 30), "renewal_notice_days", errors)
    if notice is not None and notice > 365:
        errors["renewal_notice_days"] = [_("Enter a number of days from 0 to 365.")]
    cleaned["renewal_notice_days"] = 30 if notice is None else notice
    assets = None
    if current is None or "assets" in values:
        assets = _covered_assets(values.get("assets") or [], account, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned, assets


def _as_values(contract: ServiceContract) -> dict[str, Any]:
    names = (
        *("name", "number", "notes", "status", "starts_on", "ends_on", "channels"),
        *("product_codes", "incidents_included", "hours_included", "renewal_notice_days"),
    )
    values: dict[str, Any] = {n: getattr(contract, n) for n in names}
    values |= {"account": contract.account, "calendar": contract.calendar_id}
    values["sla_policy"] = contract.sla_policy_id
    return values


def _covered_assets(ids: Any, account: Account | None, errors: Errors) -> list[Asset]:
    if not isinstance(ids, list | tuple):
        errors["assets"] = [_("Give a list of assets.")]
        return []
    wanted = {int(i) for i in ids if str(i).isdigit()}
    if len(wanted) != len(ids):
        errors["assets"] = [_("Give a list of assets.")]
        return []
    found = list(Asset.objects.filter(pk__in=wanted, account=account)) if account else []
    if len(found) != len(wanted):
        errors["assets"] = [_("Choose assets of the contract's account.")]
    return found


def _write(
    actor: User,
    contract: ServiceContract,
    cleaned: dict[str, Any],
    assets: list[Asset] | None,
    verb: str,
) -> ServiceContract:
    creating = contract.pk is None
    before = {} if creating else audit.snapshot(contract)
    old_assets = [] if creating else sorted(contract.assets.values_list("pk", flat=True))
    if not creating and cleaned["ends_on"] != contract.ends_on:
        contract.renewal_reminded_on = None  # renewed: remind again before the new end
    for name, value in cleaned.items():
        setattr(contract, name, value)
    with transaction.atomic():
        contract.save()
        if assets is not None:
            contract.assets.set(assets)
        changes = audit.diff(before, audit.snapshot(contract))
        new_assets = sorted(contract.assets.values_list("pk", flat=True))
        if new_assets != old_assets:
            changes["assets"] = [old_assets, new_assets]
        if changes:
            action = "create" if creating else "update"
            audit.record(actor=actor, action=action, obj=contract, changes=changes, object_type=KEY)
    payload = {"id": contract.pk, "fields": sorted(changes), "changes": changes}
    events.emit(events.Event(f"{KEY}.{verb}", actor.pk, payload))
    return contract


def contract_create(*, actor: User, values: dict[str, Any]) -> ServiceContract:
    """A contract of an account the actor sees; it is owned like the account."""
    permissions.require(actor, KEY, "create")
    cleaned, assets = _clean_contract(actor, values, None)
    account = cleaned["account"]
    contract = ServiceContract(owner_id=account.owner_id, team_id=account.team_id)
    return _write(actor, contract, cleaned, assets, "created")


def contract_update(*, actor: User, contract_id: Any, values: dict[str, Any]) -> ServiceContract:
    """Only the fields sent change; a new end date arms the renewal reminder again."""
    with transaction.atomic():
        contract = permissions.get_for_action(
            actor, ServiceContract.objects.select_for_update(), contract_id, "edit"
        )
        cleaned, assets = _clean_contract(actor, values, contract)
        return _write(actor, contract, cleaned, assets, "updated")


def contract_cancel(*, actor: User, contract_id: Any) -> ServiceContract:
    """Cancelled: it covers no new ticket; its tickets keep what they used."""
    with transaction.atomic():
        contract = permissions.get_for_action(
            actor, ServiceContract.objects.select_for_update(), contract_id, "edit"
        )
        if contract.status == ContractStatus.CANCELLED:
            raise Conflict(_("This contract is already cancelled."), code="already_cancelled")
        cleaned, _assets = _clean_contract(actor, {"status": ContractStatus.CANCELLED}, contract)
        return _write(actor, contract, cleaned, None, "updated")


# --- time logged on tickets ----------------------------------------------------------------


def worklog_add(*, actor: User, ticket_id: Any, values: dict[str, Any]) -> WorkLog:
    """Time spent on a ticket; under a contract that covers it, it uses the contract's hours.
    Billable unless said otherwise when the work is not covered."""
    from clientela.service.services import KEY as TICKET

    ticket = permissions.get_for_action(actor, Ticket.objects.all(), ticket_id, "edit")
    errors: Errors = {}
    minutes = _number(values.get("minutes"), "minutes", errors)
    if "minutes" not in errors and not 1 <= (minutes or 0) <= MAX_LOG_MINUTES:
        errors["minutes"] = [_("Enter minutes from 1 to %(n)d.") % {"n": MAX_LOG_MINUTES}]
    day = clean_date(values.get("worked_on"), "worked_on", errors, required=False)
    note = _text(values, "note", errors, 300, False)
    if errors:
        raise ValidationFailed(errors=errors)
    covered = ticket.coverage in (TicketCoverage.WARRANTY, TicketCoverage.CONTRACT)
    billable = values.get("billable")
    log = WorkLog(
        ticket=ticket,
        contract_id=ticket.contract_id if ticket.coverage == TicketCoverage.CONTRACT else None,
        user=actor,
        minutes=minutes,
        note=note,
        worked_on=day or timezone.localdate(),
        billable=(not covered) if billable in (None, "") else bool(billable),
    )
    with transaction.atomic():
        log.save()
        audit.record(
            actor=actor,
            action="update",
            obj=ticket,
            changes={"work_logged": [None, f"{log.minutes} min"]},
            object_type=TICKET,
        )
    return log


def worklog_delete(*, actor: User, worklog_id: Any) -> int:
    """Remove time logged; answers the ticket's id."""
    from clientela.service.services import KEY as TICKET

    log = WorkLog.objects.filter(pk=worklog_id if str(worklog_id).isdigit() else 0).first()
    ticket = permissions.get_for_action(
        actor, Ticket.objects.all(), log.ticket_id if log else 0, "edit"
    )
    assert log is not None  # get_for_action raised NotFound otherwise
    with transaction.atomic():
        log.delete()
        audit.record(
            actor=actor,
            action="update",
            obj=ticket,
            changes={"work_logged": [f"{log.minutes} min", None]},
            object_type=TICKET,
        )
    return ticket.pk


def worklogs(ticket: Ticket) -> list[WorkLog]:
    return list(WorkLog.objects.filter(ticket=ticket).select_related("user"))


# --- renewal reminders ----------------------------------------------------------------------


def remind_renewals(today: dt.date | None = None) -> int:
    """Tell each active contract's owner, once, ``renewal_notice_days`` before it ends, and
    emit ``service.contract.updated`` (``renewal_reminded_on`` changed) for the rules. The
    conditional update marks a contract once however many workers run at the same time."""
    from clientela.platform.services.notifications import notification_create

    today = today or timezone.localdate()
    due = ServiceContract.objects.filter(
        status=ContractStatus.ACTIVE, renewal_reminded_on__isnull=True, ends_on__gte=today
    ).filter(ends_on__lte=today + dt.timedelta(days=366))
    sent = 0
    for contract in due.select_related("owner", "account").order_by("ends_on", "id"):
        if contract.ends_on - dt.timedelta(days=contract.renewal_notice_days) > today:
            continue
        with transaction.atomic():
            marked = ServiceContract.objects.filter(
                pk=contract.pk, renewal_reminded_on__isnull=True
            ).update(renewal_reminded_on=today)
            if not marked:
                continue
            facts = {"name": str(contract), "account": contract.account.name}
            facts["date"] = contract.ends_on.isoformat()
            notification_create(
                user=contract.owner,
                title=_("Contract %(name)s of %(account)s ends on %(date)s") % facts,
                body=_("Time to talk about its renewal."),
                url=reverse("service_assets:contract", args=[contract.pk]),
            )
            changes = {"renewal_reminded_on": [None, today.isoformat()]}
            audit.record(
                actor=None, action="update", obj=contract, changes=changes, object_type=KEY
            )
            payload = {"id": contract.pk, "fields": sorted(changes), "changes": changes}
            events.emit(events.Event(f"{KEY}.updated", None, payload))
        sent += 1
    return sent
