"""API for leads: create, read, change, delete, move, convert, bulk upsert.

The list (``GET /leads``) lives with the other lists; these register on the same router and are
imported by ``clientela.api``. Ids are matched as ``int`` so that fixed paths registered later by
other modules (``/leads/export``) are not taken for an id.
"""

from __future__ import annotations

from typing import Any

from ninja import Status

from clientela.customers import selectors_leads
from clientela.customers.api import router
from clientela.customers.schemas_leads import (
    ConversionMatchesOut,
    LeadBulkIn,
    LeadBulkOut,
    LeadConvertIn,
    LeadConvertOut,
    LeadIn,
    LeadOut,
    LeadPatch,
    LeadStatusIn,
)
from clientela.customers.services import leads
from clientela.platform.http import AuthedRequest

REFERENCES = {"owner_id": "owner", "team_id": "team"}


def _values(payload: Any, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    return {REFERENCES.get(k, k): v for k, v in data.items() if partial or v is not None}


@router.post("/leads", response={201: LeadOut}, summary="Create a lead")
def create_lead(request: AuthedRequest, payload: LeadIn):
    return Status(
        201, leads.lead_create(actor=request.user, values=_values(payload, partial=False))
    )


@router.post("/leads/bulk", response=LeadBulkOut, summary="Create or change up to 500 leads")
def bulk_leads(request: AuthedRequest, payload: LeadBulkIn):
    """All or nothing: any bad item answers 422 with errors keyed ``items.<n>.<field>``."""
    items = []
    for item in payload.items:
        values = _values(item, partial=True)
        if values.get("id") is None:
            values.pop("id", None)
            values.setdefault("source", "api")
        items.append(values)
    done = leads.lead_bulk_upsert(actor=request.user, items=items)
    created = sum(1 for _, was_created in done if was_created)
    return {"created": created, "updated": len(done) - created, "items": [lead for lead, _ in done]}


@router.get("/leads/{int:lead_id}", response=LeadOut, summary="One lead")
def get_lead(request: AuthedRequest, lead_id: int):
    return selectors_leads.lead_get(request.user, lead_id)


@router.patch("/leads/{int:lead_id}", response=LeadOut, summary="Change a lead")
def patch_lead(request: AuthedRequest, lead_id: int, payload: LeadPatch):
    return leads.lead_update(
        actor=request.user, lead_id=lead_id, values=_values(payload, partial=True)
    )


@router.delete("/leads/{int:lead_id}", response={204: None}, summary="Delete a lead")
def delete_lead(request: AuthedRequest, lead_id: int):
    leads.lead_delete(actor=request.user, lead_id=lead_id)
    return Status(204, None)


@router.post("/leads/{int:lead_id}/status", response=LeadOut, summary="Move a lead")
def move_lead(request: AuthedRequest, lead_id: int, payload: LeadStatusIn):
    """Allowed moves: new → working/qualified/disqualified; working ↔ qualified; disqualified →
    working. Others answer 409 ``lead_transition_not_allowed``; disqualifying needs a reason."""
    return leads.lead_set_status(
        actor=request.user, lead_id=lead_id, status=payload.status, reason=payload.reason
    )


@router.get(
    "/leads/{int:lead_id}/matches",
    response=ConversionMatchesOut,
    summary="Existing accounts and contacts a lead may be",
)
def lead_matches(request: AuthedRequest, lead_id: int):
    lead = selectors_leads.lead_get(request.user, lead_id)
    found = selectors_leads.conversion_matches(request.user, lead)
    return {
        "accounts": [{"id": a.pk, "label": a.name, "detail": a.tax_id} for a in found.accounts],
        "contacts": [{"id": c.pk, "label": str(c), "detail": c.email} for c in found.contacts],
    }


@router.post("/leads/{int:lead_id}/convert", response=LeadConvertOut, summary="Convert a lead")
def convert_lead(request: AuthedRequest, lead_id: int, payload: LeadConvertIn):
    """Create or link an account (or none) and a contact, all in one transaction."""
    plan = leads.ConversionPlan(
        account_mode=payload.account.mode,
        account_id=payload.account.id,
        account_values=payload.account.values,
        contact_mode=payload.contact.mode,
        contact_id=payload.contact.id,
        contact_values=payload.contact.values,
        extras=payload.extras,
    )
    result = leads.lead_convert(actor=request.user, lead_id=lead_id, plan=plan)
    return {
        "lead": result.lead,
        "account_id": result.account.pk if result.account is not None else None,
        "contact_id": result.contact.pk,
        "extras": result.extras,
    }
