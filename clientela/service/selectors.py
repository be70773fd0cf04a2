"""Reads on tickets, always starting from what the actor may see.

The queue view orders by ``sort_due`` (the nearer running SLA instant), so the ticket about to
be late is on top; with the status first in every index, a page of 50 open tickets among a
million is read straight from an index, never sorted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from clientela.platform.models import User
from clientela.platform.pagination import Page, paginate
from clientela.platform.permissions import get_visible, visible_to
from clientela.service.models import (
    ACTIVE,
    Attachment,
    Queue,
    Status,
    Ticket,
    TicketMessage,
)

RELATED = ("owner", "team", "assignee", "queue", "category", "account", "contact", "sla_policy")
ORDERINGS = {
    "due": ("sort_due", "id"),
    "newest": ("-id",),
    "oldest": ("id",),
}
VIEWS = ("active", "mine", "unassigned", "late", "pending", "resolved", "closed", "all")


def ticket_base(actor: User) -> QuerySet[Ticket]:
    return visible_to(actor, Ticket.objects.select_related(*RELATED))


def ticket_get(actor: User, ticket_id: Any) -> Ticket:
    return get_visible(actor, Ticket.objects.select_related(*RELATED), ticket_id)


@dataclass(frozen=True)
class TicketFilters:
    view: str = "active"
    queue_id: int | None = None
    priority: str = ""
    sla_state: str = ""
    account_id: int | None = None
    contact_id: int | None = None
    assignee_id: int | None = None
    query: str = ""


def _view(rows: QuerySet[Ticket], view: str, actor: User) -> QuerySet[Ticket]:
    if view == "active":
        return rows.filter(status__in=ACTIVE)
    if view == "mine":
        return rows.filter(status__in=ACTIVE, assignee=actor)
    if view == "unassigned":
        return rows.filter(status__in=ACTIVE, assignee__isnull=True)
    if view == "late":
        return rows.filter(status__in=ACTIVE, sla_state="breached")
    if view in (Status.PENDING, Status.RESOLVED, Status.CLOSED):
        return rows.filter(status=view)
    return rows


def ticket_list(actor: User, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    f = filters or TicketFilters()
    rows = _view(ticket_base(actor), f.view, actor)
    exact = {
        "queue_id": f.queue_id,
        "account_id": f.account_id,
        "contact_id": f.contact_id,
        "assignee_id": f.assignee_id,
        "priority": f.priority,
        "sla_state": f.sla_state,
    }
    rows = rows.filter(**{k: v for k, v in exact.items() if v not in (None, "")})
    query = f.query.strip()
    if query.lstrip("#").isascii() and query.lstrip("#").isdigit():
        rows = rows.filter(pk=int(query.lstrip("#")))
    elif query:
        rows = rows.filter(Q(subject__icontains=query) | Q(requester_email__icontains=query))
    return rows


def ticket_page(
    actor: User,
    filters: TicketFilters | None = None,
    *,
    order: str = "due",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Ticket]:
    ordering = ORDERINGS.get(order, ORDERINGS["due"])
    return paginate(ticket_list(actor, filters), ordering=ordering, cursor=cursor, limit=limit)


def conversation(ticket: Ticket, *, public_only: bool = False) -> list[TicketMessage]:
    rows = ticket.messages.select_related("author", "contact").prefetch_related("attachments")
    if public_only:
        rows = rows.exclude(kind="note")
    return list(rows.order_by("created_at", "id"))


def attachment_get(actor: User, attachment_id: Any) -> Attachment:
    """An attachment of a ticket the actor may see (NotFound otherwise)."""
    found = Attachment.objects.select_related("ticket").filter(pk=attachment_id).first()
    if found is None:
        from clientela.platform.errors import NotFound

        raise NotFound()
    ticket_get(actor, found.ticket_id)
    return found


def queue_counts(actor: User) -> dict[int, dict[str, Any]]:
    """Per queue: active tickets, unassigned ones and late ones, for the queue switcher."""
    rows = (
        ticket_base(actor)
        .filter(status__in=ACTIVE)
        .values("queue_id")
        .annotate(
            active=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            late=Count("id", filter=Q(sla_state="breached")),
        )
        .order_by()
    )
    return {r["queue_id"]: dict(r) for r in rows}


def queues(*, active_only: bool = True) -> QuerySet[Queue]:
    rows = Queue.objects.select_related("team", "lead", "calendar")
    return rows.filter(active=True) if active_only else rows


def related_tickets(actor: User, ticket: Ticket) -> list[Ticket]:
    return list(visible_to(actor, ticket.related.all()).order_by("-id")[:20])
