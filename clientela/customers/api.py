"""API for accounts and contacts: one record with its points, addresses, tags; bulk writes."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from ninja import Router, Status

from clientela.customers import selectors, services
from clientela.customers.schemas import (
    AccountBulkIn,
    AccountBulkOut,
    AccountDetailOut,
    AccountIn,
    AccountPatch,
    ContactBulkIn,
    ContactBulkOut,
    ContactDetailOut,
    ContactIn,
    ContactPatch,
)
from clientela.platform.http import AuthedRequest

router = Router(tags=["customers"])
REFERENCES = {
    "owner_id": "owner",
    "team_id": "team",
    "account_id": "account",
    "parent_id": "parent",
}


def _values(payload: Any) -> dict[str, Any]:
    """Schema fields that were sent, as service values (``owner_id`` → ``owner`` and so on)."""
    return _renamed(payload.dict(exclude_unset=True))


def _renamed(data: dict[str, Any]) -> dict[str, Any]:
    return {REFERENCES.get(k, k): v for k, v in data.items()}


def _bulk_items(payload: Any) -> list[dict[str, Any]]:
    return [_renamed(item.dict(exclude_unset=True)) for item in payload.items]


@router.post("/accounts", response={201: AccountDetailOut}, summary="Create an account")
def create_account(request: AuthedRequest, payload: AccountIn):
    account = services.account_create(actor=request.user, values=_values(payload))
    return Status(201, selectors.account_get(request.user, account.pk))


@router.post(
    "/accounts/bulk",
    response={200: AccountBulkOut, 201: AccountBulkOut},
    summary="Create or update many accounts (all or none)",
)
def bulk_accounts_write(request: AuthedRequest, payload: AccountBulkIn):
    items = services.account_bulk(actor=request.user, mode=payload.mode, items=_bulk_items(payload))
    prefetch_related_objects(items, "tags")
    return Status(201 if payload.mode == "create" else 200, {"count": len(items), "items": items})


@router.get("/accounts/{account_id}", response=AccountDetailOut, summary="One account")
def get_account(request: AuthedRequest, account_id: int):
    return selectors.account_get(request.user, account_id)


@router.patch("/accounts/{account_id}", response=AccountDetailOut, summary="Change an account")
def patch_account(request: AuthedRequest, account_id: int, payload: AccountPatch):
    services.account_update(actor=request.user, account_id=account_id, values=_values(payload))
    return selectors.account_get(request.user, account_id)


@router.delete("/accounts/{account_id}", response={204: None}, summary="Delete an account")
def delete_account(request: AuthedRequest, account_id: int):
    services.account_delete(actor=request.user, account_id=account_id)
    return Status(204, None)


@router.post("/contacts", response={201: ContactDetailOut}, summary="Create a contact")
def create_contact(request: AuthedRequest, payload: ContactIn):
    contact = services.contact_create(actor=request.user, values=_values(payload))
    return Status(201, selectors.contact_get(request.user, contact.pk))


@router.post(
    "/contacts/bulk",
    response={200: ContactBulkOut, 201: ContactBulkOut},
    summary="Create or update many contacts (all or none)",
)
def bulk_contacts_write(request: AuthedRequest, payload: ContactBulkIn):
    items = services.contact_bulk(actor=request.user, mode=payload.mode, items=_bulk_items(payload))
    prefetch_related_objects(items, "tags")
    return Status(201 if payload.mode == "create" else 200, {"count": len(items), "items": items})


@router.get("/contacts/{contact_id}", response=ContactDetailOut, summary="One contact")
def get_contact(request: AuthedRequest, contact_id: int):
    return selectors.contact_get(request.user, contact_id)


@router.patch("/contacts/{contact_id}", response=ContactDetailOut, summary="Change a contact")
def patch_contact(request: AuthedRequest, contact_id: int, payload: ContactPatch):
    services.contact_update(actor=request.user, contact_id=contact_id, values=_values(payload))
    return selectors.contact_get(request.user, contact_id)


@router.delete("/contacts/{contact_id}", response={204: None}, summary="Delete a contact")
def delete_contact(request: AuthedRequest, contact_id: int):
    services.contact_delete(actor=request.user, contact_id=contact_id)
    return Status(204, None)
