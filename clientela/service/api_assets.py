"""The API of the installed base, warranties, contracts and planned service.

Assets and contracts are owned like their account: another team's is a 404. Bad input is a
422 naming the field, and nothing is written. A contract answers with its entitlement.
"""

from __future__ import annotations

from typing import Any, Literal

from ninja import Query, Router, Status
from pydantic import Field

from clientela.platform.api import PageParams
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.service import contracts, installed_base, maintenance, selectors, selectors_assets
from clientela.service.schemas import Id
from clientela.service.schemas_assets import (
    AssetStatusValue,
    ContractStatusValue,
    ServiceAssetDetailOut,
    ServiceAssetIn,
    ServiceAssetPage,
    ServiceAssetPatch,
    ServiceContractIn,
    ServiceContractOut,
    ServiceContractPage,
    ServiceContractPatch,
    ServicePlanIn,
    ServicePlanOut,
    ServicePlanPage,
    ServicePlanPatch,
    ServicePlanRunOut,
    ServiceWarrantyIn,
    ServiceWarrantyOut,
    ServiceWarrantyPatch,
    TicketWorkLogIn,
    TicketWorkLogOut,
)
from clientela.service.selectors_assets import AssetFilters, ContractFilters

router = Router(tags=["Installed base and contracts"])
CURSOR = "Where the previous page ended (its `next_cursor`); omit for the first page."


class ListQuery(PageParams):
    cursor: str | None = Field(default=None, max_length=500, description=CURSOR)
    limit: int = Field(default=50, ge=1, le=200, description="Items per page, 1 to 200.")
    account: Id | None = Field(default=None, description="Only this account's.")
    q: str = Field(default="", max_length=100, description="Words of the serial or product.")


class AssetQuery(ListQuery):
    status: AssetStatusValue | None = Field(default=None, description="Only this status.")
    order: Literal["product", "serial", "newest", "oldest"] = Field(
        default="product", description="product, serial, newest or oldest."
    )


class ContractQuery(ListQuery):
    status: ContractStatusValue | None = Field(default=None, description="Only this status.")
    order: Literal["ends", "name", "newest"] = Field(
        default="ends", description="ends (soonest first), name or newest."
    )


def _sent(payload: Any) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)  # type: ignore[no-any-return]


# --- assets and warranties -----------------------------------------------------------------


@router.get("/service/assets", response=ServiceAssetPage, summary="Assets (installed base)")
def list_assets(request: AuthedRequest, params: Query[AssetQuery]):
    filters = AssetFilters(params.account, params.status or "", params.q)
    return selectors_assets.asset_page(
        request.user, filters, order=params.order, cursor=params.cursor, limit=params.limit
    )


@router.post("/service/assets", response={201: ServiceAssetDetailOut}, summary="Add an asset")
def create_asset(request: AuthedRequest, payload: ServiceAssetIn):
    """Owned like its account. A serial number taken for the product code, a parent of
    another account or a contact of another account answer 422 naming the field."""
    return Status(201, installed_base.asset_create(actor=request.user, values=_sent(payload)))


@router.get("/service/assets/{asset_id}", response=ServiceAssetDetailOut, summary="One asset")
def get_asset(request: AuthedRequest, asset_id: int):
    return selectors_assets.asset_get(request.user, asset_id)


@router.patch(
    "/service/assets/{asset_id}", response=ServiceAssetDetailOut, summary="Change an asset"
)
def patch_asset(request: AuthedRequest, asset_id: int, payload: ServiceAssetPatch):
    """Only the fields sent change; a parent that is one of its own parts answers 422."""
    return installed_base.asset_update(actor=request.user, asset_id=asset_id, values=_sent(payload))


@router.delete("/service/assets/{asset_id}", response={204: None}, summary="Delete an asset")
def delete_asset(request: AuthedRequest, asset_id: int):
    """Its warranties and plans go with it; its tickets and parts stay, unlinked."""
    installed_base.asset_delete(actor=request.user, asset_id=asset_id)
    return Status(204, None)


@router.post(
    "/service/assets/{asset_id}/warranties",
    response={201: ServiceWarrantyOut},
    summary="Add a warranty to an asset",
)
def create_warranty(request: AuthedRequest, asset_id: int, payload: ServiceWarrantyIn):
    values = _sent(payload)
    warranty = installed_base.warranty_add(actor=request.user, asset_id=asset_id, values=values)
    return Status(201, warranty)


@router.patch(
    "/service/warranties/{warranty_id}", response=ServiceWarrantyOut, summary="Change a warranty"
)
def patch_warranty(request: AuthedRequest, warranty_id: int, payload: ServiceWarrantyPatch):
    return installed_base.warranty_update(
        actor=request.user, warranty_id=warranty_id, values=_sent(payload)
    )


@router.delete(
    "/service/warranties/{warranty_id}", response={204: None}, summary="Delete a warranty"
)
def delete_warranty(request: AuthedRequest, warranty_id: int):
    installed_base.warranty_delete(actor=request.user, warranty_id=warranty_id)
    return Status(204, None)


# --- contracts -----------------------------------------------------------------------------


@router.get("/service/contracts", response=ServiceContractPage, summary="Service contracts")
def list_contracts(request: AuthedRequest, params: Query[ContractQuery]):
    filters = ContractFilters(params.account, params.status or "", params.q)
    return selectors_assets.contract_page(
        request.user, filters, order=params.order, cursor=params.cursor, limit=params.limit
    )


@router.post(
    "/service/contracts", response={201: ServiceContractOut}, summary="Create a service contract"
)
def create_contract(request: AuthedRequest, payload: ServiceContractIn):
    """Owned like its account. An end before the start, an asset of another account or an
    unknown SLA policy answer 422 naming the field."""
    values = _sent(payload)
    return Status(201, contracts.contract_create(actor=request.user, values=values))


@router.get("/service/contracts/{contract_id}", response=ServiceContractOut, summary="One contract")
def get_contract(request: AuthedRequest, contract_id: int):
    """With its entitlement: incidents and hours used and left."""
    return selectors_assets.contract_get(request.user, contract_id)


@router.patch(
    "/service/contracts/{contract_id}", response=ServiceContractOut, summary="Change a contract"
)
def patch_contract(request: AuthedRequest, contract_id: int, payload: ServiceContractPatch):
    return contracts.contract_update(
        actor=request.user, contract_id=contract_id, values=_sent(payload)
    )


@router.post(
    "/service/contracts/{contract_id}/cancel",
    response=ServiceContractOut,
    summary="Cancel a contract",
)
def cancel_contract(request: AuthedRequest, contract_id: int):
    """It covers no new ticket; cancelling twice answers 409 `already_cancelled`."""
    return contracts.contract_cancel(actor=request.user, contract_id=contract_id)


# --- work logs -----------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/work-logs", response=list[TicketWorkLogOut], summary="Time logged"
)
def list_worklogs(request: AuthedRequest, ticket_id: int):
    return contracts.worklogs(selectors.ticket_get(request.user, ticket_id))


@router.post("/tickets/{ticket_id}/work-logs", response={201: TicketWorkLogOut}, summary="Log time")
def create_worklog(request: AuthedRequest, ticket_id: int, payload: TicketWorkLogIn):
    """On a ticket under a contract that covers it, the time uses the contract's hours."""
    values = _sent(payload)
    return Status(
        201, contracts.worklog_add(actor=request.user, ticket_id=ticket_id, values=values)
    )


@router.delete(
    "/service/work-logs/{worklog_id}", response={204: None}, summary="Remove time logged"
)
def delete_worklog(request: AuthedRequest, worklog_id: int):
    contracts.worklog_delete(actor=request.user, worklog_id=worklog_id)
    return Status(204, None)


# --- maintenance plans ---------------------------------------------------------------------


class PlanQuery(PageParams):
    cursor: str | None = Field(default=None, max_length=500, description=CURSOR)
    limit: int = Field(default=50, ge=1, le=200, description="Items per page, 1 to 200.")


@router.get("/service/maintenance-plans", response=ServicePlanPage, summary="Maintenance plans")
def list_plans(request: AuthedRequest, params: Query[PlanQuery]):
    rows = selectors_assets.plan_rows(request.user)
    return paginate(rows, ordering=("id",), cursor=params.cursor, limit=params.limit)


@router.post("/service/maintenance-plans", response={201: ServicePlanOut}, summary="Create a plan")
def create_plan(request: AuthedRequest, payload: ServicePlanIn):
    """A plan needs an asset or a contract (422 on `asset` otherwise)."""
    return Status(201, maintenance.plan_save(actor=request.user, values=_sent(payload)))


@router.get("/service/maintenance-plans/{plan_id}", response=ServicePlanOut, summary="One plan")
def get_plan(request: AuthedRequest, plan_id: int):
    return selectors_assets.plan_get(request.user, plan_id)


@router.patch(
    "/service/maintenance-plans/{plan_id}", response=ServicePlanOut, summary="Change a plan"
)
def patch_plan(request: AuthedRequest, plan_id: int, payload: ServicePlanPatch):
    return maintenance.plan_save(actor=request.user, values=_sent(payload), plan_id=plan_id)


@router.delete(
    "/service/maintenance-plans/{plan_id}", response={204: None}, summary="Delete a plan"
)
def delete_plan(request: AuthedRequest, plan_id: int):
    maintenance.plan_delete(actor=request.user, plan_id=plan_id)
    return Status(204, None)


@router.post(
    "/service/maintenance-plans/{plan_id}/run",
    response=ServicePlanRunOut,
    summary="Open the next visit's tickets now",
)
def run_plan(request: AuthedRequest, plan_id: int):
    """Whatever its lead time; a visit already opened is not opened twice."""
    opened = maintenance.plan_run_now(actor=request.user, plan_id=plan_id)
    plan = selectors_assets.plan_get(request.user, plan_id)
    return {"tickets": opened, "next_due_on": plan.next_due_on}
