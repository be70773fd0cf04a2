"""API shapes of the installed base, warranties, service contracts (with their entitlement),
work logs and maintenance plans. Requests name references as the services do (``account``,
``parent``, ``asset``…); answers give them as ``…_id``. Names start with ``Service`` (or
``Ticket`` for a ticket's work log): the document's components share one namespace."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from clientela.service import contracts, selectors_assets
from clientela.service.schemas import ChannelValue, Id

AssetStatusValue = Literal["active", "repair", "stored", "retired"]
CoverageValue = Literal["full", "parts", "labour"]
ContractStatusValue = Literal["draft", "active", "cancelled"]
UnitValue = Literal["days", "months"]


class ServiceWarrantyOut(Schema):
    id: int = Field(description="The warranty's id.")
    asset_id: int = Field(description="The asset it covers.")
    name: str = Field(description="Its name: manufacturer's, extended…")
    starts_on: dt.date = Field(description="First day covered.")
    ends_on: dt.date = Field(description="Last day covered.")
    coverage: str = Field(description="full (parts and labour), parts or labour.")
    notes: str = Field(description="Free notes.")


class ServiceWarrantyPatch(Schema):
    name: str | None = Field(default=None, max_length=100, description="Its name.")
    starts_on: dt.date | None = Field(default=None, description="First day covered.")
    ends_on: dt.date | None = Field(default=None, description="Last day covered.")
    coverage: CoverageValue | None = Field(default=None, description="full, parts or labour.")
    notes: str | None = Field(default=None, max_length=5000, description="Free notes.")


class ServiceWarrantyIn(ServiceWarrantyPatch):
    name: str = Field(max_length=100, description="Its name.")  # type: ignore[assignment]
    starts_on: dt.date = Field(description="First day covered.")  # type: ignore[assignment]
    ends_on: dt.date = Field(description="Last day covered, not before the first.")  # type: ignore[assignment]


class ServiceAssetOut(Schema):
    id: int = Field(description="The asset's id.")
    account_id: int = Field(description="The customer's account.")
    contact_id: int | None = Field(description="The customer's person for it, if any.")
    product_code: str = Field(description="The product's code (unique serials per code).")
    product_name: str = Field(description="The product.")
    serial_number: str = Field(description="Its serial number; empty if unknown.")
    installed_on: dt.date | None = Field(description="When it was installed.")
    location: str = Field(description="Where it stands at the customer's.")
    region: str = Field(description="The region a technician travels to.")
    status: str = Field(description="active, repair, stored or retired.")
    parent_id: int | None = Field(description="The asset it is a part of.")
    notes: str = Field(description="Free notes.")
    owner_id: int = Field(description="Who owns it (the account's owner when created).")
    team_id: int | None = Field(description="The team that sees it.")
    warranty_state: str = Field(
        description="Today: covered, expired, future (starts later) or none."
    )
    warranty_until: dt.date | None = Field(
        description="Covered until, expired on, or starting on this day."
    )

    @staticmethod
    def resolve_warranty_state(obj: Any) -> str:
        return selectors_assets.warranty_state(list(obj.warranties.all())).state

    @staticmethod
    def resolve_warranty_until(obj: Any) -> dt.date | None:
        return selectors_assets.warranty_state(list(obj.warranties.all())).until


class ServiceAssetDetailOut(ServiceAssetOut):
    warranties: list[ServiceWarrantyOut] = Field(description="Its warranties, latest end first.")

    @staticmethod
    def resolve_warranties(obj: Any) -> list[Any]:
        return list(obj.warranties.all())


class ServiceAssetPage(Schema):
    items: list[ServiceAssetOut] = Field(description="One page of assets.")
    next_cursor: str | None = Field(description="For the next page; null at the end.")


class ServiceAssetPatch(Schema):
    account: Id | None = Field(default=None, description="An account you may see.")
    contact: Id | None = Field(default=None, description="A person of that account; null: none.")
    product_code: str | None = Field(default=None, max_length=64, description="Product code.")
    product_name: str | None = Field(default=None, max_length=200, description="The product.")
    serial_number: str | None = Field(default=None, max_length=100, description="Serial number.")
    installed_on: dt.date | None = Field(default=None, description="When it was installed.")
    location: str | None = Field(default=None, max_length=200, description="Where it stands.")
    region: str | None = Field(default=None, max_length=60, description="Its region.")
    status: AssetStatusValue | None = Field(default=None, description="Its status.")
    parent: Id | None = Field(
        default=None, description="An asset of the same account it is part of; null: none."
    )
    notes: str | None = Field(default=None, max_length=5000, description="Free notes.")


class ServiceAssetIn(ServiceAssetPatch):
    account: Id = Field(description="An account you may see.")  # type: ignore[assignment]
    product_name: str = Field(max_length=200, description="The product.")  # type: ignore[assignment]


class ServiceEntitlementOut(Schema):
    incidents_used: int = Field(description="Tickets that used one of its incidents.")
    incidents_included: int | None = Field(description="Incidents bought; null: unlimited.")
    incidents_left: int | None = Field(description="Incidents left; null: unlimited.")
    hours_used: Decimal = Field(description="Hours of work logged on it.")
    hours_included: Decimal | None = Field(description="Hours bought; null: unlimited.")
    hours_left: Decimal | None = Field(description="Hours left; null: unlimited.")


class ServiceContractOut(Schema):
    id: int = Field(description="The contract's id.")
    account_id: int = Field(description="The customer's account.")
    name: str = Field(description="Its name.")
    number: str = Field(description="Its number.")
    status: str = Field(description="draft, active or cancelled.")
    starts_on: dt.date = Field(description="First day covered.")
    ends_on: dt.date = Field(description="Last day covered.")
    asset_ids: list[int] = Field(description="Assets covered; empty: every asset of the account.")
    product_codes: list[str] = Field(description="Products covered; empty: every product.")
    channels: list[str] = Field(description="Ticket channels covered; empty: every channel.")
    calendar_id: int | None = Field(description="The hours covered; null: the queue's.")
    sla_policy_id: int | None = Field(description="The SLA policy its tickets get.")
    incidents_included: int | None = Field(description="Incidents bought; null: unlimited.")
    hours_included: Decimal | None = Field(description="Hours bought; null: unlimited.")
    renewal_notice_days: int = Field(description="Days before the end its owner is reminded.")
    renewal_reminded_on: dt.date | None = Field(description="When the reminder was sent.")
    notes: str = Field(description="Free notes.")
    owner_id: int = Field(description="Who owns it (the account's owner when created).")
    team_id: int | None = Field(description="The team that sees it.")
    entitlement: ServiceEntitlementOut = Field(description="What it has used and has left.")

    @staticmethod
    def resolve_asset_ids(obj: Any) -> list[int]:
        return sorted(a.pk for a in obj.assets.all())

    @staticmethod
    def resolve_entitlement(obj: Any) -> Any:
        # a page's contracts come with theirs (``selectors_assets.contract_page``)
        return getattr(obj, "entitlement_figures", None) or contracts.entitlement(obj)


class ServiceContractPage(Schema):
    items: list[ServiceContractOut] = Field(description="One page of contracts.")
    next_cursor: str | None = Field(description="For the next page; null at the end.")


class ServiceContractPatch(Schema):
    account: Id | None = Field(default=None, description="An account you may see.")
    name: str | None = Field(default=None, max_length=200, description="Its name.")
    number: str | None = Field(default=None, max_length=40, description="Its number.")
    status: ContractStatusValue | None = Field(default=None, description="Its status.")
    starts_on: dt.date | None = Field(default=None, description="First day covered.")
    ends_on: dt.date | None = Field(
        default=None, description="Last day covered; a new one arms the renewal reminder again."
    )
    assets: list[Id] | None = Field(
        default=None, max_length=1000, description="Assets of the account covered; []: all."
    )
    product_codes: list[str] | None = Field(
        default=None, max_length=200, description="Product codes covered; []: every product."
    )
    channels: list[ChannelValue] | None = Field(
        default=None, description="Channels covered; []: every channel."
    )
    calendar: Id | None = Field(default=None, description="A business calendar; null: none.")
    sla_policy: Id | None = Field(default=None, description="An SLA policy; null: none.")
    incidents_included: int | None = Field(
        default=None, ge=0, le=999_999, description="Null: unlimited."
    )
    hours_included: Decimal | None = Field(
        default=None, ge=0, le=999_999, description="Null: unlimited."
    )
    renewal_notice_days: int | None = Field(default=None, ge=0, le=365, description="Days ahead.")
    notes: str | None = Field(default=None, max_length=5000, description="Free notes.")


class ServiceContractIn(ServiceContractPatch):
    account: Id = Field(description="An account you may see.")  # type: ignore[assignment]
    name: str = Field(max_length=200, description="Its name.")  # type: ignore[assignment]
    starts_on: dt.date = Field(description="First day covered.")  # type: ignore[assignment]
    ends_on: dt.date = Field(description="Last day covered.")  # type: ignore[assignment]


class TicketWorkLogOut(Schema):
    id: int = Field(description="The entry's id.")
    ticket_id: int = Field(description="The ticket worked on.")
    contract_id: int | None = Field(description="The contract whose hours it used, if any.")
    user_id: int = Field(description="Who worked.")
    minutes: int = Field(description="Minutes worked.")
    billable: bool = Field(description="Whether the customer is billed for it.")
    note: str = Field(description="What was done.")
    worked_on: dt.date = Field(description="The day worked.")


class TicketWorkLogIn(Schema):
    minutes: int = Field(ge=1, le=contracts.MAX_LOG_MINUTES, description="Minutes worked.")
    worked_on: dt.date | None = Field(default=None, description="The day; today when omitted.")
    note: str = Field(default="", max_length=300, description="What was done.")
    billable: bool | None = Field(
        default=None, description="Billed or not; omitted: billable unless the work is covered."
    )


class ServicePlanOut(Schema):
    id: int = Field(description="The plan's id.")
    name: str = Field(description="Its name.")
    asset_id: int | None = Field(description="The asset it serves.")
    contract_id: int | None = Field(description="The contract whose assets it serves.")
    interval: int = Field(description="Every so many…")
    unit: str = Field(description="…days or months (calendar months).")
    next_due_on: dt.date = Field(description="When the next visit falls due.")
    lead_days: int = Field(description="Days ahead its tickets are opened.")
    queue_id: int = Field(description="The queue its tickets go to.")
    category_id: int | None = Field(description="Their category.")
    visit_minutes: int = Field(description="How long a visit takes.")
    active: bool = Field(description="Whether it generates visits.")


class ServicePlanPage(Schema):
    items: list[ServicePlanOut] = Field(description="One page of plans.")
    next_cursor: str | None = Field(description="For the next page; null at the end.")


class ServicePlanPatch(Schema):
    name: str | None = Field(default=None, max_length=200, description="Its name.")
    asset: Id | None = Field(default=None, description="An asset you may see.")
    contract: Id | None = Field(default=None, description="A contract you may see.")
    interval: int | None = Field(default=None, ge=1, le=3660, description="Every so many…")
    unit: UnitValue | None = Field(default=None, description="days or months.")
    next_due_on: dt.date | None = Field(default=None, description="The next visit's due date.")
    lead_days: int | None = Field(default=None, ge=0, le=365, description="Days ahead.")
    queue: Id | None = Field(default=None, description="The queue for its tickets.")
    category: Id | None = Field(default=None, description="Their category; null: none.")
    visit_minutes: int | None = Field(default=None, ge=1, le=1440, description="Visit length.")
    active: bool | None = Field(default=None, description="Whether it generates visits.")


class ServicePlanIn(ServicePlanPatch):
    name: str = Field(max_length=200, description="Its name.")  # type: ignore[assignment]
    interval: int = Field(ge=1, le=3660, description="Every so many…")  # type: ignore[assignment]
    next_due_on: dt.date = Field(description="The next visit's due date.")  # type: ignore[assignment]
    queue: Id = Field(description="The queue for its tickets.")  # type: ignore[assignment]


class ServicePlanRunOut(Schema):
    tickets: int = Field(description="Tickets opened for the visit.")
    next_due_on: dt.date = Field(description="The plan's next due date now.")
