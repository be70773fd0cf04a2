"""What this part shows on a ticket's page (its template ``_ticket.html``)."""

from __future__ import annotations

from typing import Any

from clientela.platform.models import User
from clientela.service.models import Ticket


def context(actor: User, ticket: Ticket) -> dict[str, Any]:
    """The ticket page's context for this part (nothing yet)."""
    return {}
