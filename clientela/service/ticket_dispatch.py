"""What field service shows on a ticket's page (its template ``dispatch/_ticket.html``): the
ticket's visits with their status, and the form that plans one."""

from __future__ import annotations

from typing import Any

from clientela.platform import permissions
from clientela.platform.models import User
from clientela.service.forms_dispatch import AppointmentForm
from clientela.service.models import Status, Ticket
from clientela.service.selectors_dispatch import ticket_appointments

KEY = "service.appointment"


def context(actor: User, ticket: Ticket) -> dict[str, Any]:
    """Nothing for whoever may not see appointments."""
    if not permissions.can(actor, KEY, "view"):
        return {}
    planning = permissions.can(actor, KEY, "create") and ticket.status != Status.CLOSED
    form = AppointmentForm(initial=AppointmentForm.initial_for(ticket)) if planning else None
    return {
        "dispatch": {
            "appointments": ticket_appointments(actor, ticket),
            "can_edit": permissions.can(actor, KEY, "edit"),
            "form": form,
        }
    }
