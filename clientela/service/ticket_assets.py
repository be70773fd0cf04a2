"""What this part shows on a ticket's page (its template ``_ticket.html``): the asset and its
warranty, the contract and what is left of it, the coverage (with why a named contract does
not cover), a form to change the asset and contract, and the time logged."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from clientela.platform import permissions
from clientela.platform.models import User
from clientela.service import contracts, selectors_assets
from clientela.service.forms_assets import TicketCoverageForm, WorkLogForm
from clientela.service.models import Ticket
from clientela.service.models_assets import Asset, ServiceContract


def _shown(actor: User, model: Any, record: Any) -> Any:
    if record is None:
        return None
    return permissions.visible_to(actor, model._default_manager.filter(pk=record.pk)).first()


def context(actor: User, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    """The ticket page's context for this part."""
    asset = _shown(actor, Asset, ticket.asset)
    contract = _shown(actor, ServiceContract, ticket.contract)
    day = timezone.localdate(ticket.created_at)
    warranties = list(ticket.asset.warranties.all()) if ticket.asset is not None else []
    logs = contracts.worklogs(ticket)
    entitled = contracts.entitlement(ticket.contract) if ticket.contract is not None else None
    can_edit = permissions.can(actor, "service.ticket", "edit")
    result: dict[str, Any] = {
        "cover_asset": asset,
        "cover_contract": contract,
        "warranty": selectors_assets.warranty_state(warranties, day) if ticket.asset else None,
        "warranty_today": selectors_assets.warranty_state(warranties) if ticket.asset else None,
        "entitlement": entitled,
        "coverage_reason": contracts.reason_for(ticket),
        "worklogs": logs,
        "logged_minutes": sum(log.minutes for log in logs),
        "billable_minutes": sum(log.minutes for log in logs if log.billable),
    }
    if can_edit and ticket.account_id is not None:
        result["coverage_form"] = forms.get("coverage") or TicketCoverageForm.for_ticket(
            actor, ticket
        )
    if can_edit:
        result["worklog_form"] = forms.get("worklog") or WorkLogForm.for_ticket(ticket)
    return result
