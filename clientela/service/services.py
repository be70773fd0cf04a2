"""Every write on tickets: open, change, assign, move through the lifecycle, merge and link.

The conversation (replies, notes, attachments) is in ``service/conversation.py``; mail that
arrives is turned into calls of both by ``service/inbound.py``. Inbound mail has no user behind
it: the functions that take ``actor=None`` are called only by the e-mail channel and the
scheduler, after their own checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.customers.models import Account, Contact
from clientela.platform import audit, customfields, events, permissions
from clientela.platform.errors import Conflict, ValidationFailed, not_found_on
from clientela.platform.models import User
from clientela.service import assign, contracts, sla
from clientela.service.models import (
    TRANSITIONS,
    Priority,
    Queue,
    Status,
    Ticket,
    TicketCategory,
    TicketChannel,
)
from clientela.service.models_assets import Asset, ServiceContract

KEY = "service.ticket"
Errors = dict[str, list[str]]
EDITABLE = (
    *("subject", "priority", "queue", "category", "account", "contact", "requester_email"),
    *("asset", "contract"),
)


def _visible(actor: User | None, model: type[Model], pk: Any, field: str) -> Model | None:
    if pk in (None, ""):
        return None
    if isinstance(pk, model):
        return pk
    if actor is None:
        return model._default_manager.filter(pk=pk).first()
    return not_found_on(
        field, lambda: permissions.get_visible(actor, model._default_manager.all(), pk)
    )


def _choice(values: dict[str, Any], name: str, choices: Any, errors: Errors) -> None:
    if name in values and values[name] not in choices.values:
        errors[name] = [_("Choose one of the listed values.")]


def _clean_refs(actor: User | None, values: dict[str, Any], errors: Errors) -> None:
    if "queue" in values:
        queue = values["queue"]
        if not isinstance(queue, Queue):
            queue = Queue.objects.filter(pk=_int(queue) or 0, active=True).first()
        if queue is None:
            errors["queue"] = [_("Choose an active queue.")]
        values["queue"] = queue
    if "category" in values and not isinstance(values["category"], TicketCategory):
        pk = _int(values["category"])
        values["category"] = None if pk is None else TicketCategory.objects.filter(pk=pk).first()
        if pk is not None and values["category"] is None:
            errors["category"] = [_("Unknown category.")]
    for name, model in (
        ("account", Account),
        ("contact", Contact),
        ("asset", Asset),
        ("contract", ServiceContract),
    ):
        if name in values:
            values[name] = _visible(actor, model, values[name], name)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def clean_ticket(
    actor: User | None, raw: dict[str, Any], *, current: Ticket | None = None
) -> dict[str, Any]:
    values = {k: v for k, v in raw.items() if k in (*EDITABLE, customfields.COLUMN)}
    errors: Errors = {}
    if "subject" in values or current is None:
        values["subject"] = " ".join(str(values.get("subject") or "").split())[:500]
        if not values["subject"]:
            errors["subject"] = [_("Enter a subject.")]
    _choice(values, "priority", Priority, errors)
    if current is None and "queue" not in values:
        values["queue"] = Queue.objects.filter(active=True).first()
    _clean_refs(actor, values, errors)
    email = str(values.get("requester_email") or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["requester_email"] = [_("Enter a valid e-mail address.")]
    if "requester_email" in values:
        values["requester_email"] = email
    if actor is not None:
        customfields.clean_into(actor, KEY, values, errors, creating=current is None)
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def _requester(values: dict[str, Any]) -> None:
    """The contact's e-mail is where replies go, unless another address was given."""
    contact = values.get("contact")
    if contact is not None and not values.get("requester_email"):
        values["requester_email"] = (contact.email or "").lower()
    if contact is not None and values.get("account") is None:
        values["account"] = contact.account


def ticket_open(
    *,
    actor: User | None,
    values: dict[str, Any],
    channel: str,
    now: dt.datetime | None = None,
    planned: bool = False,
) -> Ticket:
    """Write a cleaned ticket: its coverage found (a warranty, the named contract or the one
    that covers; ``planned``: a maintenance visit, which uses no incident), SLA clock started,
    assigned by its queue's rule, audited."""
    now = now or timezone.now()
    queue: Queue = values["queue"]
    _requester(values)
    named = values.get("contract") is not None
    ticket = Ticket(**values, channel=channel, owner_id=queue.lead_id, team_id=queue.team_id)
    with transaction.atomic():
        day = timezone.localdate(now)
        contracts.apply_coverage(ticket, named=named, day=day, planned=planned)
        sla.start(ticket, now)
        ticket.save()
        assign.on_open(ticket)
        audit.record(
            actor=actor, action="create", obj=ticket, changes=audit.diff({}, audit.snapshot(ticket))
        )
    events.emit(events.Event(f"{KEY}.created", actor.pk if actor else None, {"id": ticket.pk}))
    return ticket


def ticket_create(*, actor: User, values: dict[str, Any], message: str = "") -> Ticket:
    """An agent opens a ticket (phone call, walk-in…); ``message`` is what the customer said."""
    permissions.require(actor, KEY, "create")
    channel = values.get("channel") or TicketChannel.MANUAL
    if channel not in TicketChannel.values:
        raise ValidationFailed(errors={"channel": [_("Choose one of the listed values.")]})
    cleaned = clean_ticket(actor, values)
    from clientela.service import conversation

    with transaction.atomic():
        ticket = ticket_open(actor=actor, values=cleaned, channel=channel)
        if message.strip():
            conversation.add_customer_message(ticket, body=message, channel=channel)
    return ticket


def _locked(actor: User | None, ticket_id: Any, action: str = "edit") -> Ticket:
    if actor is not None:
        permissions.get_for_action(actor, Ticket.objects.all(), ticket_id, action)
    # only the ticket's row is locked (PostgreSQL refuses FOR UPDATE on the nullable side of
    # the policy's outer join; locking the queue too would serialise a whole queue's writes)
    found = Ticket.objects.select_for_update(of=("self",)).select_related("queue", "sla_policy")
    ticket = found.filter(pk=_int(ticket_id) or 0).first()
    if ticket is None:
        raise ValidationFailed(errors={"ticket": [_("Unknown ticket.")]})
    return ticket


def _save(actor: User | None, ticket: Ticket, before: dict[str, Any], verb: str) -> None:
    ticket.save()
    changes = audit.diff(before, audit.snapshot(ticket))
    if changes:
        audit.record(actor=actor, action="update", obj=ticket, changes=changes)
        payload = {"id": ticket.pk, "fields": sorted(changes), "changes": changes}
        events.emit(events.Event(f"{KEY}.{verb}", actor.pk if actor else None, payload))


def ticket_update(*, actor: User, ticket_id: Any, values: dict[str, Any]) -> Ticket:
    with transaction.atomic():
        ticket = _locked(actor, ticket_id)
        cleaned = clean_ticket(actor, values, current=ticket)
        before, old_priority, old_queue = audit.snapshot(ticket), ticket.priority, ticket.queue_id
        for name, value in cleaned.items():
            if name == customfields.COLUMN:
                value = customfields.applied(value, ticket.custom)
            setattr(ticket, name, value)
        if ticket.queue_id != old_queue:
            transfer(ticket)
        now = timezone.now()
        if ticket.priority != old_priority:
            sla.reprioritise(ticket, old_priority, now)
        _recover(ticket, before, cleaned, now)
        _save(actor, ticket, before, "updated")
    return ticket


def _recover(ticket: Ticket, before: dict[str, Any], cleaned: dict[str, Any], now: Any) -> None:
    """A new asset, account or contract finds the coverage again (a contract sent is the one
    wanted, null for none); then a new queue, account or contract may bring another SLA policy,
    which keeps the business time already used."""
    moved = {n for n in ("asset", "account", "contract") if ticket_ref(ticket, n) != before[n]}
    if moved:
        if "contract" not in cleaned:
            ticket.contract = None
        day = timezone.localdate(ticket.created_at)
        contracts.apply_coverage(ticket, named="contract" in cleaned, day=day)
    changed = ("queue", "account", "contract", "coverage")
    if any(ticket_ref(ticket, n) != before[n] for n in changed):
        sla.repolicy(ticket, now)


def ticket_ref(ticket: Ticket, name: str) -> Any:
    field = Ticket._meta.get_field(name)
    return getattr(ticket, getattr(field, "attname", name))


def transfer(ticket: Ticket) -> None:
    """A move to another queue is a transfer: its team sees it; unassigned, its lead owns it."""
    ticket.transfers += 1  # the row is locked
    ticket.team_id = ticket.queue.team_id
    if ticket.assignee_id is None:
        ticket.owner_id = ticket.queue.lead_id


def ticket_assign(*, actor: User, ticket_id: Any, assignee_id: Any) -> Ticket:
    with transaction.atomic():
        ticket = _locked(actor, ticket_id)
        assignee = None
        if assignee_id not in (None, ""):
            assignee = User.objects.filter(pk=_int(assignee_id) or 0, is_active=True).first()
            if assignee is None:
                raise ValidationFailed(errors={"assignee": [_("Unknown user.")]})
            if not permissions.can(assignee, KEY, "edit"):
                raise ValidationFailed(
                    errors={"assignee": [_("This user may not work on tickets.")]}
                )
        before = audit.snapshot(ticket)
        assign.hand_to(ticket, assignee)
        _save(actor, ticket, before, "assigned")
    ticket.refresh_from_db()
    return ticket


def _enter(ticket: Ticket, status: str, now: dt.datetime) -> None:
    """What entering ``status`` does to the clock and the service figures."""
    before, ticket.status = ticket.status, status
    if status == Status.PENDING:
        sla.pause(ticket, now)
    elif status == Status.OPEN and before == Status.PENDING:
        sla.resume(ticket, now)
    elif status == Status.OPEN and before == Status.RESOLVED:
        ticket.reopened += 1
        ticket.first_contact_resolution = False
        ticket.resolved_at = None
        sla.resume(ticket, now)
    elif status == Status.RESOLVED:
        sla.stop(ticket, "first_response", now)
        sla.pause(ticket, now, ("resolution",))
        ticket.resolved_at = now
        ticket.first_contact_resolution = (
            ticket.customer_messages <= 1 and ticket.transfers == 0 and ticket.reopened == 0
        )
    if status == Status.CLOSED:
        for target in sla.TARGETS:
            sla.stop(ticket, target, now)
            setattr(ticket, f"{target}_left", None)
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now


def move(ticket: Ticket, status: str, now: dt.datetime) -> None:
    """Check the lifecycle, then enter (for services that already hold the row lock)."""
    if ticket.status == status:
        return
    if (ticket.status, status) not in TRANSITIONS:
        raise Conflict(
            _("A ticket cannot go from “%(from)s” to “%(to)s”.")
            % {"from": Status(ticket.status).label, "to": Status(status).label},
            code="invalid_transition",
        )
    _enter(ticket, status, now)


def ticket_set_status(
    *, actor: User | None, ticket_id: Any, status: str, now: dt.datetime | None = None
) -> Ticket:
    if status not in Status.values:
        raise ValidationFailed(errors={"status": [_("Choose one of the listed values.")]})
    with transaction.atomic():
        ticket = _locked(actor, ticket_id)
        before = audit.snapshot(ticket)
        move(ticket, status, now or timezone.now())
        _save(actor, ticket, before, "status_changed")
    if status == Status.RESOLVED and before["status"] != status:
        from clientela.service import outbound

        outbound.ask_satisfaction(ticket.pk)
    return ticket


def ticket_rate(*, ticket_id: int, score: Any, comment: str = "") -> Ticket:
    """The customer's answer to the satisfaction survey (through the signed link they were
    mailed, so no user): a score of 1 to 5, which they may change while the link lives."""
    value = _int(score)
    if value is None or not 1 <= value <= 5:
        raise ValidationFailed(errors={"score": [_("Choose a score from 1 to 5.")]})
    with transaction.atomic():
        ticket = _locked(None, ticket_id)
        before = audit.snapshot(ticket)
        ticket.csat_score = value
        ticket.csat_comment = (comment or "").strip()[:2000]
        _save(None, ticket, before, "rated")
    return ticket
