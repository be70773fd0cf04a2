"""API for consents (one contact's, or many at once) and data-subject requests (export, anonymise).

These register on the customers router and are imported by ``clientela.api``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Status

from clientela.customers import consent, selectors
from clientela.customers.api import router
from clientela.customers.schemas_leads import (
    AnonymiseIn,
    AnonymiseOut,
    ConsentBulkIn,
    ConsentBulkOut,
    ConsentIn,
    ConsentOut,
    ConsentsOut,
)
from clientela.customers.services import consent as consent_services
from clientela.customers.services import privacy as privacy_services
from clientela.platform.errors import ValidationFailed
from clientela.platform.http import AuthedRequest


@router.get("/contacts/{contact_id}/consents", response=ConsentsOut, summary="A contact's consents")
def list_consents(request: AuthedRequest, contact_id: int):
    """Current state per channel and purpose (with what ``can_contact`` answers) and history."""
    contact = selectors.contact_get(request.user, contact_id)
    current: list[dict[str, Any]] = [
        {
            "channel": cell.channel,
            "purpose": cell.purpose,
            "status": cell.current.status if cell.current else None,
            "allowed": cell.allowed,
        }
        for row in consent.consent_matrix(contact)
        for cell in row
    ]
    history = list(consent.consent_history(contact)[:1000])
    return {"do_not_contact": contact.do_not_contact, "current": current, "history": history}


@router.post(
    "/contacts/{contact_id}/consents",
    response={201: ConsentOut},
    summary="Record a consent or its withdrawal",
)
def record_consent(request: AuthedRequest, contact_id: int, payload: ConsentIn):
    values = payload.dict()
    return Status(
        201,
        consent_services.consent_record(actor=request.user, contact_id=contact_id, values=values),
    )


@router.post(
    "/consents/bulk",
    response={201: ConsentBulkOut},
    summary="Record many consents, each about its contact (all or none)",
)
def bulk_consents_write(request: AuthedRequest, payload: ConsentBulkIn):
    """Up to 500 items; any bad one answers 422 with errors keyed ``items.<n>.<field>``."""
    items = [item.dict() for item in payload.items]
    done = consent_services.consent_bulk(actor=request.user, items=items)
    return Status(201, {"count": len(done), "items": done})


@router.get(
    "/contacts/{contact_id}/personal-data",
    summary="Everything held on a person (ZIP of JSON files)",
    response={200: None},
    openapi_extra={
        "responses": {
            "200": {
                "description": "ZIP with manifest.json and one JSON file per section",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def personal_data(request: AuthedRequest, contact_id: int):
    export = privacy_services.contact_personal_data_export(
        actor=request.user, contact_id=contact_id
    )
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@router.post(
    "/contacts/{contact_id}/anonymise", response=AnonymiseOut, summary="Erase a person's data"
)
def anonymise_contact(request: AuthedRequest, contact_id: int, payload: AnonymiseIn):
    """Irreversible: names, e-mails, phones, addresses, tax id, birthday and notes go; the record
    id, memberships and consent counts stay so reports still add up. Send ``confirm: true``."""
    if not payload.confirm:
        raise ValidationFailed(errors={"confirm": [_("Confirm the erasure.")]})
    return privacy_services.contact_anonymise(actor=request.user, contact_id=contact_id)
