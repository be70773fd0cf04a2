"""What the knowledge base shows on a ticket's page (the template ``service/kb/_ticket.html``):
the published articles that best answer it (updated as the agent types, ``kb.js``), and the
"Make a FAQ" button once the customer's question has a public reply."""

from __future__ import annotations

from typing import Any

from clientela.platform.models import User
from clientela.service import selectors_kb
from clientela.service.models import Kind, Ticket


def context(actor: User, ticket: Ticket) -> dict[str, Any]:
    if not selectors_kb.can(actor, "view"):
        return {}
    kinds = set(ticket.messages.values_list("kind", flat=True).distinct())
    return {
        "kb_panel": True,
        "kb_suggestions": selectors_kb.suggestions(actor, ticket),
        "kb_can_make_faq": selectors_kb.can(actor, "create")
        and {Kind.CUSTOMER, Kind.REPLY} <= kinds,
    }
