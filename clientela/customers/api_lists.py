"""API list endpoints for customer records: search, filters, sort, keyset pages, bulk actions.

They register on the customers router (same paths as create), imported by ``clientela.api``.
Filters are the list's own query parameters (``ListSpec``): an unknown one, a bad value or a
sort the list does not offer is a 422, never silently ignored.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from ninja import Query, Router, Schema
from pydantic import Field

from clientela.customers.api import router
from clientela.customers.lists import ACCOUNTS, CONTACTS, LEADS
from clientela.customers.schemas import AccountPage, ContactPage
from clientela.customers.schemas_leads import LeadOut
from clientela.customers.selectors_lists import matching_ids, record_page
from clientela.customers.services.bulk import bulk_action
from clientela.platform.http import AuthedRequest
from clientela.platform.listing import ListSpec

# Bulk actions get their own router, mounted before the customers one: otherwise
# ``/accounts/{account_id}`` would answer ``/accounts/bulk-actions`` first (405).
bulk_router = Router(tags=["customers"])


class ListParams(Schema):
    """Documented here; the filters are read from the query string by the list's spec."""

    q: str = Field(default="", max_length=100)
    sort: str = Field(default="", max_length=60)
    columns: str = Field(default="", max_length=500)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=50, ge=1, le=200)


class LeadListPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class BulkActionIn(Schema):
    action: str = Field(description="assign_owner, add_tag or delete")
    ids: list[int] = Field(default_factory=list, max_length=10_000)
    all_matching: bool = Field(
        default=False,
        description="Act on every record matching `filters` (at most 10,000) instead of `ids`.",
    )
    filters: dict[str, str | list[str]] = Field(default_factory=dict)
    owner_id: int | None = None
    team_id: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)


class BulkActionOut(Schema):
    action: str
    count: int


def _page(
    request: AuthedRequest, spec: ListSpec, params: ListParams, prefetch: tuple[str, ...] = ()
) -> Any:
    spec = spec.current()  # with the custom fields' filters, sorts and columns
    state = spec.parse(request.GET)
    return record_page(request.user, spec, state, limit=params.limit, prefetch=prefetch)


def _bulk(request: AuthedRequest, spec: ListSpec, payload: BulkActionIn) -> Any:
    ids: list[Any] = payload.ids
    if payload.all_matching:
        ids = matching_ids(request.user, spec.current(), payload.filters)
    model: type[Model] = spec.model
    return bulk_action(
        actor=request.user,
        model=model,
        action=payload.action,
        ids=ids,
        owner=payload.owner_id,
        team=payload.team_id,
        tags=payload.tags,
    )


@router.get("/accounts", response=AccountPage, summary="Accounts", description=ACCOUNTS.describe())
def list_accounts(request: AuthedRequest, params: Query[ListParams]):
    return _page(request, ACCOUNTS, params, ("tags",))


@router.get("/contacts", response=ContactPage, summary="Contacts", description=CONTACTS.describe())
def list_contacts(request: AuthedRequest, params: Query[ListParams]):
    return _page(request, CONTACTS, params, ("tags",))


@router.get("/leads", response=LeadListPage, summary="Leads", description=LEADS.describe())
def list_leads(request: AuthedRequest, params: Query[ListParams]):
    return _page(request, LEADS, params)


@bulk_router.post("/accounts/bulk-actions", response=BulkActionOut, summary="Act on many accounts")
def bulk_accounts(request: AuthedRequest, payload: BulkActionIn):
    return _bulk(request, ACCOUNTS, payload)


@bulk_router.post("/contacts/bulk-actions", response=BulkActionOut, summary="Act on many contacts")
def bulk_contacts(request: AuthedRequest, payload: BulkActionIn):
    return _bulk(request, CONTACTS, payload)


@bulk_router.post("/leads/bulk-actions", response=BulkActionOut, summary="Act on many leads")
def bulk_leads(request: AuthedRequest, payload: BulkActionIn):
    return _bulk(request, LEADS, payload)
