"""The SLA clock: due instants in business time, paused while the customer is awaited.

Each target (first response, resolution) is either running (``<target>_due`` set), paused
(``<target>_left`` business seconds kept, no due instant) or stopped (neither). The sweep then
only compares stored instants with "now" (``sweep`` in ``service/tasks.py``), whatever the
calendars say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from clientela.service import hours
from clientela.service.models import RUNNING, BusinessCalendar, SlaPolicy, SlaState, Ticket

TARGETS = ("first_response", "resolution")


def schedule_for(calendar: BusinessCalendar | None) -> hours.Schedule:
    """The calendar's hours; no calendar means round the clock in the server's time zone."""
    if calendar is None:
        return hours.always_open(settings.TIME_ZONE)
    return hours.Schedule(
        timezone=calendar.timezone,
        windows=hours.parse_windows(calendar.hours or {}),
        country=calendar.country,
        subdivision=calendar.subdivision,
        extra_closed=frozenset(dt.date.fromisoformat(d) for d in calendar.closed_days or []),
        extra_open=frozenset(dt.date.fromisoformat(d) for d in calendar.open_days or []),
    )


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The policy of the contract that covers the ticket, if it names an active one; else the
    first active policy, in order, whose queue and customer tier match the ticket."""
    contract = ticket.contract if ticket.coverage == "contract" else None
    if contract is not None and contract.sla_policy_id is not None:
        chosen = SlaPolicy.objects.filter(pk=contract.sla_policy_id, active=True)
        found = chosen.select_related("calendar").first()
        if found is not None:
            return found
    tag_ids: set[int] = set()
    if ticket.account_id is not None:
        tag_ids = set(ticket.account.tags.values_list("id", flat=True))  # type: ignore[union-attr]
    for policy in SlaPolicy.objects.filter(active=True).select_related("calendar"):
        if policy.queue_id not in (None, ticket.queue_id):
            continue
        if policy.tier_id is not None and policy.tier_id not in tag_ids:
            continue
        return policy
    return None


@dataclass(frozen=True)
class Clock:
    schedule: hours.Schedule
    warn_percent: int
    targets: dict[str, int]  # target -> business seconds


def clock_of(ticket: Ticket) -> Clock | None:
    policy = ticket.sla_policy
    if policy is None:
        return None
    minutes = (policy.targets or {}).get(ticket.priority) or {}
    targets = {t: int(minutes[t]) * 60 for t in TARGETS if minutes.get(t)}
    return Clock(schedule_for(_calendar(ticket, policy)), policy.warn_percent, targets)


def _calendar(ticket: Ticket, policy: SlaPolicy) -> BusinessCalendar | None:
    """The hours the clock counts: those a covering contract bought (24x7, 8x5…), else the
    policy's, else the queue's."""
    if ticket.coverage == "contract" and ticket.contract_id is not None:
        contract = ticket.contract
        if contract is not None and contract.calendar_id is not None:
            return contract.calendar
    return policy.calendar if policy.calendar_id else ticket.queue.calendar


def _run(ticket: Ticket, clock: Clock, target: str, now: dt.datetime, left: int) -> None:
    """Start ``target`` with ``left`` business seconds to go."""
    left = max(left, 0)
    setattr(ticket, f"{target}_due", hours.add_business_time(clock.schedule, now, left))
    setattr(ticket, f"{target}_left", None)
    margin = clock.targets[target] * (100 - clock.warn_percent) // 100
    warn = None
    if 0 < clock.warn_percent < 100 and left > margin:
        warn = hours.add_business_time(clock.schedule, now, left - margin)
    setattr(ticket, f"{target}_warn", warn)


def _left(ticket: Ticket, clock: Clock, target: str, now: dt.datetime) -> int:
    due = getattr(ticket, f"{target}_due")
    if due is None:
        return int(getattr(ticket, f"{target}_left") or 0)
    return hours.business_seconds_between(clock.schedule, now, due)


def _clear(ticket: Ticket, target: str, *, keep: int | None = None) -> None:
    setattr(ticket, f"{target}_due", None)
    setattr(ticket, f"{target}_warn", None)
    setattr(ticket, f"{target}_left", keep)


def _late(ticket: Ticket, target: str, now: dt.datetime) -> None:
    due = getattr(ticket, f"{target}_due")
    if due is not None and due <= now:
        setattr(ticket, f"{target}_breached", True)
        ticket.sla_state = SlaState.BREACHED


def start(ticket: Ticket, now: dt.datetime) -> None:
    """A new ticket: pick its policy and start both clocks from ``now``."""
    ticket.sla_policy = policy_for(ticket)
    clock = clock_of(ticket)
    ticket.sla_state = SlaState.OK if clock is not None and clock.targets else ""
    for target in TARGETS:
        _clear(ticket, target)
        if clock is not None and target in clock.targets:
            _run(ticket, clock, target, now, clock.targets[target])


def reprioritise(ticket: Ticket, old_priority: str, now: dt.datetime) -> None:
    """Keep the time already used; the new priority's target sets the time left."""
    clock = clock_of(ticket)
    new_priority, ticket.priority = ticket.priority, old_priority
    old = clock_of(ticket)
    ticket.priority = new_priority
    _retime(ticket, old, clock, now)


def repolicy(ticket: Ticket, now: dt.datetime) -> bool:
    """Pick the policy again (another queue, account or contract): the time already used is
    kept, as a new priority keeps it, and the new policy's targets set the time left. A target
    the new policy lacks stops; no policy at all stops the clock."""
    policy = policy_for(ticket)
    if (policy.pk if policy else None) == ticket.sla_policy_id:
        return False
    old = clock_of(ticket)
    ticket.sla_policy = policy
    clock = clock_of(ticket)
    for target in TARGETS:
        if clock is None or target not in clock.targets:
            _clear(ticket, target)
    if clock is None or not clock.targets:
        ticket.sla_state = ""
        return True
    _retime(ticket, old, clock, now)
    return True


def _retime(ticket: Ticket, old: Clock | None, clock: Clock | None, now: dt.datetime) -> None:
    for target in TARGETS:
        running = getattr(ticket, f"{target}_due") is not None
        paused = getattr(ticket, f"{target}_left") is not None
        if clock is None or target not in clock.targets or _met(ticket, target):
            continue
        if old is not None and target in old.targets and (running or paused):
            used = old.targets[target] - _left(ticket, old, target, now)
        else:  # the old priority had no target: the time since the ticket opened counts
            used = hours.business_seconds_between(clock.schedule, ticket.created_at, now)
            running, paused = ticket.status in RUNNING, ticket.status == "pending"
            ticket.sla_state = ticket.sla_state or SlaState.OK
        left = clock.targets[target] - used
        if running:
            _run(ticket, clock, target, now, left)
        else:
            setattr(ticket, f"{target}_left", max(left, 0))


def _met(ticket: Ticket, target: str) -> bool:
    if target == "first_response":
        return ticket.first_responded_at is not None or ticket.status in ("resolved", "closed")
    return ticket.status in ("resolved", "closed")


def pause(ticket: Ticket, now: dt.datetime, targets: tuple[str, ...] = TARGETS) -> None:
    """Waiting for the customer (or resolved): keep the business time left, stop the clock."""
    clock = clock_of(ticket)
    for target in targets:
        if getattr(ticket, f"{target}_due") is None:
            continue
        _late(ticket, target, now)
        left = _left(ticket, clock, target, now) if clock is not None else 0
        _clear(ticket, target, keep=left)


def resume(ticket: Ticket, now: dt.datetime) -> None:
    clock = clock_of(ticket)
    for target in TARGETS:
        left = getattr(ticket, f"{target}_left")
        if left is None or clock is None or target not in clock.targets:
            continue
        if target == "first_response" and ticket.first_responded_at is not None:
            _clear(ticket, target)
            continue
        _run(ticket, clock, target, now, int(left))


def stop(ticket: Ticket, target: str, now: dt.datetime) -> None:
    """The target is met (or abandoned): late if its due instant had passed."""
    _late(ticket, target, now)
    _clear(ticket, target)
