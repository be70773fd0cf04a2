"""The periodic SLA sweep: mark what is due soon or late, and tell the rules engine.

It only reads the partial indexes of running clocks (``ticket_*_clock``, ``ticket_*_warning``),
so its cost follows the tickets whose instant has come, not the size of the table. Each ticket
it changes gets an ordinary ``service.ticket.updated`` event with the changed fields, so a rule
"SLA entered: Late → notify the team's manager" is the escalation, with no special trigger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clientela.platform import events
from clientela.service.models import SlaState, Ticket
from clientela.service.sla import TARGETS

BATCH = 2000


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _emit(rows: list[tuple[int, str]], field: str, new_state: str) -> None:
    batch = []
    for pk, state in rows:
        changes: dict[str, list[object]] = (
            {field: [False, True]} if field.endswith("breached") else {}
        )
        if state != new_state:
            changes["sla_state"] = [state, new_state]
        payload = {"id": pk, "fields": sorted(changes), "changes": changes}
        batch.append(events.Event("service.ticket.updated", None, payload))
    events.emit_many(batch)


def _take(condition: Q, changes: dict[str, object]) -> list[tuple[int, str]]:
    """Apply ``changes`` to the tickets matching ``condition``, chunk by chunk, each row
    re-checked under its lock (skipped if another worker holds it): two sweeps running at
    once never report the same ticket twice."""
    ids = list(Ticket.objects.filter(condition).values_list("pk", flat=True))
    taken: list[tuple[int, str]] = []
    for chunk in _chunks(ids):
        with transaction.atomic():
            rows = Ticket.objects.select_for_update(skip_locked=True).filter(condition)
            got = list(rows.filter(pk__in=chunk).values_list("pk", "sla_state"))
            Ticket.objects.filter(pk__in=[pk for pk, _state in got]).update(**changes)
        taken += got
    return taken


def _breach(target: str, now: dt.datetime) -> int:
    due, flag = f"{target}_due", f"{target}_breached"
    condition = Q(**{f"{due}__lte": now, f"{due}__isnull": False, flag: False})
    rows = _take(condition, {flag: True, f"{target}_warn": None, "sla_state": SlaState.BREACHED})
    _emit(rows, flag, SlaState.BREACHED)
    return len(rows)


def _warn(target: str, now: dt.datetime) -> int:
    warn = f"{target}_warn"
    rows = _take(Q(**{f"{warn}__lte": now, f"{warn}__isnull": False}), {warn: None})
    fresh = [pk for pk, state in rows if state == SlaState.OK]
    for chunk in _chunks(fresh):
        Ticket.objects.filter(pk__in=chunk, sla_state=SlaState.OK).update(
            sla_state=SlaState.WARNING
        )
    _emit([(pk, SlaState.OK) for pk in fresh], warn, SlaState.WARNING)
    return len(rows)


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """One pass; safe to run in several workers at once (each update is idempotent)."""
    now = now or timezone.now()
    figures: dict[str, int] = {}
    for target in TARGETS:
        figures[f"{target}_breached"] = _breach(target, now)
        figures[f"{target}_warned"] = _warn(target, now)
    return figures
