"""What service adds to the customer pages: the Tickets panel on account and contact pages (the
customer's active tickets, the one about to be late first, a link to all of them in the queue
and one to open a new ticket for this customer)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clientela.customers.models import Account, Contact
from clientela.platform import panels, permissions
from clientela.platform.models import User
from clientela.service import selectors
from clientela.service.selectors import TicketFilters
from clientela.service.views import sla_clock

SHOWN = 10
KEY = "service.ticket"


def tickets_panel(actor: User, record: Model) -> panels.Rendered:
    if not permissions.can(actor, KEY, "view"):
        return None
    if isinstance(record, Account):
        filters, query = TicketFilters(account_id=record.pk), f"account={record.pk}"
        new_query = query
    elif isinstance(record, Contact):
        filters, query = TicketFilters(contact_id=record.pk), f"contact={record.pk}"
        account = f"account={record.account_id}&" if record.account_id else ""
        new_query = f"{account}{query}"
    else:
        return None
    rows = list(selectors.ticket_list(actor, filters).order_by("sort_due", "id")[: SHOWN + 1])
    now = timezone.now()
    context: dict[str, Any] = {
        "rows": [(t, sla_clock(t, now)) for t in rows[:SHOWN]],
        "more": len(rows) > SHOWN,
        "list_query": query,
        "new_query": new_query,
        "can_create": permissions.can(actor, KEY, "create"),
    }
    return "service/_panel.html", context


PANEL = panels.Panel(
    "service.tickets", _("Tickets"), ("customers.account", "customers.contact"), tickets_panel
)
panels.register(PANEL)
