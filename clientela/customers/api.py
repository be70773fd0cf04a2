"""API for accounts and contacts."""

from __future__ import annotations

from typing import Any

from ninja import Router, Status

from clientela.customers import selectors, services
from clientela.customers.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    ContactIn,
    ContactOut,
    ContactPatch,
)
from clientela.platform.http import AuthedRequest

router = Router(tags=["customers"])
REFERENCES = {"owner_id": "owner", "team_id": "team", "account_id": "account"}


def _values(payload: Any, *, partial: bool) -> dict[str, Any]:
    """Schema fields to service values: the references ``owner_id`` → ``owner`` and so on."""
    data = payload.dict(exclude_unset=partial)
    return {REFERENCES.get(k, k): v for k, v in data.items()}


@router.post("/accounts", response={201: AccountOut}, summary="Create an account")
def create_account(request: AuthedRequest, payload: AccountIn):
    return Status(
        201, services.account_create(actor=request.user, values=_values(payload, partial=False))
    )


@router.get("/accounts/{account_id}", response=AccountOut, summary="One account")
def get_account(request: AuthedRequest, account_id: int):
    return selectors.account_get(request.user, account_id)


@router.patch("/accounts/{account_id}", response=AccountOut, summary="Change an account")
def patch_account(request: AuthedRequest, account_id: int, payload: AccountPatch):
    return services.account_update(
        actor=request.user, account_id=account_id, values=_values(payload, partial=True)
    )


@router.delete("/accounts/{account_id}", response={204: None}, summary="Delete an account")
def delete_account(request: AuthedRequest, account_id: int):
    services.account_delete(actor=request.user, account_id=account_id)
    return Status(204, None)


@router.post("/contacts", response={201: ContactOut}, summary="Create a contact")
def create_contact(request: AuthedRequest, payload: ContactIn):
    return Status(
        201, services.contact_create(actor=request.user, values=_values(payload, partial=False))
    )


@router.get("/contacts/{contact_id}", response=ContactOut, summary="One contact")
def get_contact(request: AuthedRequest, contact_id: int):
    return selectors.contact_get(request.user, contact_id)


@router.patch("/contacts/{contact_id}", response=ContactOut, summary="Change a contact")
def patch_contact(request: AuthedRequest, contact_id: int, payload: ContactPatch):
    return services.contact_update(
        actor=request.user, contact_id=contact_id, values=_values(payload, partial=True)
    )


@router.delete("/contacts/{contact_id}", response={204: None}, summary="Delete a contact")
def delete_contact(request: AuthedRequest, contact_id: int):
    services.contact_delete(actor=request.user, contact_id=contact_id)
    return Status(204, None)
