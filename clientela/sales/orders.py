"""Sales orders: made from an accepted quote in one step (the deal moves to won), then
draft → confirmed → shipped → delivered, or cancelled before shipping. Delivery steps come from
the carrier or the back-office through the API (``delivery_add``), so the customer and the
agents see where an order is.

Confirming hands the order to the back-office: the platform's ``sales.order.updated`` event
goes to webhooks (signed, retried), and ``sales.order.confirmed`` to plugins (an ERP connector
subscribes to it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import audit, events, permissions
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import User
from clientela.platform.services.records import record_create, record_update
from clientela.sales.models import (
    DeliveryEvent,
    OrderLine,
    OrderStatus,
    Quote,
    SalesOrder,
    StageKind,
)
from clientela.sales.quotes import next_number

KEY = "sales.order"
TRANSITIONS = {
    OrderStatus.DRAFT: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: set(),
    OrderStatus.CANCELLED: set(),
}
STAMPS = {
    OrderStatus.CONFIRMED: "confirmed_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
}
TEXTS = {"carrier": 100, "tracking_number": 100}


def order_from_quote(*, actor: User, quote: Quote) -> SalesOrder:
    """The order for an accepted quote, with its lines, owned like the deal; the deal moves to
    its pipeline's won stage. Runs inside the acceptance's transaction."""
    from clientela.sales.services import opportunity_move

    deal = quote.opportunity
    values = {
        "number": next_number("SO", timezone.localdate()),
        "opportunity": deal,
        "quote": quote,
        "account": deal.account,
        "currency": quote.currency,
        "net_amount": quote.net_amount,
        "tax_amount": quote.tax_amount,
        "total_amount": quote.total_amount,
        "owner": deal.owner,
        "team": deal.team,
    }
    order = record_create(actor=actor, model=SalesOrder, values=values)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=line.position,
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            net_amount=line.net_amount,
            tax_amount=line.tax_amount,
            total_amount=line.total_amount,
        )
        for line in quote.lines.order_by("position", "id")
    )
    if deal.status != StageKind.WON:
        won = deal.pipeline.stages.filter(kind=StageKind.WON).order_by("position", "id").first()
        if won is None:
            raise Conflict(_("The deal's pipeline has no won stage."))
        opportunity_move(actor=actor, opportunity_id=deal.pk, stage_id=won.pk)
    return order


def order_set_status(
    *, actor: User, order_id: Any, status: str, values: dict[str, Any] | None = None
) -> SalesOrder:
    """Move an order along its lifecycle (with carrier and tracking number when shipping)."""
    order = permissions.get_for_action(actor, SalesOrder.objects.all(), order_id, "edit")
    if status not in OrderStatus.values:
        raise ValidationFailed(errors={"status": [_("Choose one of the listed values.")]})
    if status not in TRANSITIONS[OrderStatus(order.status)]:
        raise Conflict(
            _("An order that is %(current)s cannot become %(next)s.")
            % {"current": order.get_status_display(), "next": OrderStatus(status).label}
        )
    changes = _clean_texts(values or {})
    changes["status"] = status
    changes[STAMPS[OrderStatus(status)]] = timezone.now()
    with transaction.atomic():
        # checked again under the row lock: two users confirming and cancelling at once
        current = SalesOrder.objects.select_for_update().get(pk=order.pk).status
        if status not in TRANSITIONS[OrderStatus(current)]:
            raise Conflict(_("The order changed meanwhile; reload it."))
        order = record_update(actor=actor, model=SalesOrder, pk=order.pk, values=changes)
        DeliveryEvent.objects.create(
            order=order,
            at=changes[STAMPS[OrderStatus(status)]],
            status=status,
            description=order.get_status_display(),
            recorded_by=actor,
        )
    if status == OrderStatus.CONFIRMED:
        payload = {
            "id": order.pk,
            "number": order.number,
            "account_id": order.account_id,
            "currency": order.currency,
            "total": str(order.total_amount),
        }
        events.emit(events.Event("sales.order.confirmed", actor.pk, payload))
    return order


def _clean_texts(values: dict[str, Any]) -> dict[str, Any]:
    allowed = set(TEXTS)
    errors = {k: [_("This field cannot be set here.")] for k in sorted(set(values) - allowed)}
    cleaned = {}
    for name, size in TEXTS.items():
        if name not in values:
            continue
        value = values[name]
        if not isinstance(value, str) or len(value.strip()) > size or not value.isprintable():
            errors[name] = [_("Enter at most %(n)d characters.") % {"n": size}]
            continue
        cleaned[name] = value.strip()
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def _moment(value: Any) -> dt.datetime | None:
    """When a delivery step happened: now when not given, never in the future."""
    moment = value or timezone.now()
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return None
    if not isinstance(moment, dt.datetime):
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return None if moment > timezone.now() + dt.timedelta(hours=1) else moment


def delivery_add(*, actor: User, order_id: Any, values: dict[str, Any]) -> DeliveryEvent:
    """A delivery step reported by a carrier or the back-office ("in transit", "out for
    delivery"…); the order's own status changes only through ``order_set_status``."""
    order = permissions.get_for_action(actor, SalesOrder.objects.all(), order_id, "edit")
    allowed = {"at", "status", "description", "location"}
    errors = {k: [_("This field cannot be set here.")] for k in sorted(set(values) - allowed)}
    cleaned: dict[str, Any] = {}
    for name, size, required in (("status", 60, True), ("description", 500, False)):
        value = values.get(name, "")
        if not isinstance(value, str) or len(value) > size:
            errors[name] = [_("Enter at most %(n)d characters.") % {"n": size}]
        elif required and not value.strip():
            errors[name] = [_("This field is required.")]
        else:
            cleaned[name] = value.strip()
    location = values.get("location", "")
    if not isinstance(location, str) or len(location) > 200:
        errors["location"] = [_("Enter at most %(n)d characters.") % {"n": 200}]
    moment = _moment(values.get("at"))
    if moment is None:
        errors["at"] = [_("Enter a date and time that is not in the future.")]
    if order.status in (OrderStatus.DRAFT, OrderStatus.CANCELLED):
        raise Conflict(_("Only a confirmed order has deliveries."))
    if errors or moment is None:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        step = DeliveryEvent.objects.create(
            order=order, at=moment, recorded_by=actor, location=str(location).strip(), **cleaned
        )
        shown = f"{moment.isoformat()} {step.status} {step.location}".strip()
        audit.record(actor=actor, action="update", obj=order, changes={"delivery": ["", shown]})
    # webhooks and plugins hear of it as they hear of the order's other changes
    payload = {"id": order.pk, "fields": ["delivery"], "changes": {"delivery": ["", shown]}}
    events.emit(events.Event("sales.order.updated", actor.pk, payload))
    return step
