"""Who works a ticket: the queue's rule on arrival (round robin, least loaded, by skill) or an
agent's pick.

The candidates are the active members of the queue's team. Round robin shares its turn-keeping
with the rules engine's rotations (one ``RoundRobinTurn`` row per queue, taken under its row
lock, so two workers never give the same turn twice). Least loaded counts each member's active
tickets (new, open, pending) and picks the fewest, the lowest id first on a tie. By skill is
least loaded among the members whose active technician profile has every skill the ticket's
category needs; when none has them all (or the category needs none) it falls back to least
loaded of the whole team, so the ticket is never left waiting for a skill nobody has.
"""

from __future__ import annotations

from django.db.models import Count, Q

from clientela.platform.models import User
from clientela.platform.rules.recipients import take_turn
from clientela.service.models import ACTIVE, Assignment, Technician, Ticket


def _members(ticket: Ticket) -> list[int]:
    team_id = ticket.queue.team_id
    if team_id is None:
        return []
    members = User.objects.filter(teams=team_id, is_active=True).order_by("id")
    return list(members.values_list("id", flat=True).distinct())


def least_loaded(ids: list[int]) -> int:
    load = dict(
        Ticket.objects.filter(assignee_id__in=ids, status__in=ACTIVE)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return min(ids, key=lambda pk: (load.get(pk, 0), pk))


def pick(ticket: Ticket) -> int | None:
    """The agent the queue's rule gives ``ticket`` to; None for manual queues or no members."""
    rule = ticket.queue.assignment
    if rule == Assignment.MANUAL:
        return None
    ids = _members(ticket)
    if not ids:
        return None
    if rule == Assignment.ROUND_ROBIN:
        return take_turn(f"queue:{ticket.queue_id}", ids)
    if rule == Assignment.BY_SKILL:
        return least_loaded(skilled(ticket, ids) or ids)
    return least_loaded(ids)


def skilled(ticket: Ticket, ids: list[int]) -> list[int]:
    """The members (of ``ids``) whose active technician profile has every skill the ticket's
    category needs; empty when it needs none or nobody has them all."""
    if ticket.category_id is None:
        return []
    needed = list(ticket.category.skills.values_list("pk", flat=True))  # type: ignore[union-attr]
    if not needed:
        return []
    rows = Technician.objects.filter(user_id__in=ids, active=True, skills__in=needed)
    having = rows.values("user_id").annotate(n=Count("skills", distinct=True)).filter(n=len(needed))
    return sorted(having.values_list("user_id", flat=True))


def hand_to(ticket: Ticket, assignee: User | None) -> None:
    """Give the ticket to ``assignee`` (None: back to the queue). Handing it from one agent to
    another is a transfer, which first-contact resolution counts; unassigning is not."""
    moving = assignee is not None and ticket.assignee_id not in (None, assignee.pk)
    if moving:
        ticket.transfers += 1
    ticket.assignee = assignee
    ticket.owner_id = assignee.pk if assignee is not None else ticket.queue.lead_id


def on_open(ticket: Ticket) -> None:
    chosen = pick(ticket)
    if chosen is not None:
        Ticket.objects.filter(pk=ticket.pk).update(assignee_id=chosen, owner_id=chosen)
        ticket.assignee_id = ticket.owner_id = chosen


def open_load(team_id: int) -> dict[int, int]:
    """Each team member's active tickets, for the queue page's "who has what"."""
    rows = (
        Ticket.objects.filter(status__in=ACTIVE, assignee__teams=team_id)
        .values_list("assignee_id")
        .annotate(n=Count("id", filter=Q(status__in=ACTIVE)))
    )
    return dict(rows.values_list("assignee_id", "n"))
