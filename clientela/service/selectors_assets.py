"""Reads of the installed base, contracts and planned service, from what the actor may see.

Assets and contracts are owned records (their account's owner and team); warranties and work
logs are read through their asset and ticket; maintenance plans are shared by the service desk
(``service.maintenance``): whoever may view the kind sees them all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from clientela.platform import permissions
from clientela.platform.errors import NotFound
from clientela.platform.models import User
from clientela.platform.pagination import Page, paginate
from clientela.platform.permissions import get_visible, visible_to
from clientela.service import contracts
from clientela.service.models import Ticket
from clientela.service.models_assets import (
    Asset,
    MaintenancePlan,
    ServiceContract,
    Warranty,
)

ASSET_RELATED = ("account", "contact", "parent", "owner")
ASSET_ORDERINGS = {
    "product": ("product_name", "id"),
    "serial": ("serial_number", "id"),
    "newest": ("-id",),
    "oldest": ("id",),
}
CONTRACT_ORDERINGS = {
    "ends": ("ends_on", "id"),
    "name": ("name", "id"),
    "newest": ("-id",),
}
PLAN = "service.maintenance"


@dataclass(frozen=True)
class AssetFilters:
    account_id: int | None = None
    status: str = ""
    query: str = ""


def asset_base(actor: User) -> QuerySet[Asset]:
    rows = Asset.objects.select_related(*ASSET_RELATED).prefetch_related("warranties")
    return visible_to(actor, rows)


def asset_get(actor: User, asset_id: Any) -> Asset:
    return get_visible(actor, Asset.objects.select_related(*ASSET_RELATED), asset_id)


def asset_list(actor: User, filters: AssetFilters | None = None) -> QuerySet[Asset]:
    f = filters or AssetFilters()
    rows = asset_base(actor)
    if f.account_id is not None:
        rows = rows.filter(account_id=f.account_id)
    if f.status:
        rows = rows.filter(status=f.status)
    query = f.query.strip()
    if query:
        rows = rows.filter(
            Q(serial_number__icontains=query)
            | Q(product_name__icontains=query)
            | Q(product_code__icontains=query)
        )
    return rows


def asset_page(
    actor: User,
    filters: AssetFilters | None = None,
    *,
    order: str = "product",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Asset]:
    ordering = ASSET_ORDERINGS.get(order, ASSET_ORDERINGS["product"])
    return paginate(asset_list(actor, filters), ordering=ordering, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class WarrantyState:
    state: str  # "covered", "expired", "none" (or "future": not started yet)
    until: dt.date | None = None
    name: str = ""


def warranty_state(warranties: list[Warranty], day: dt.date | None = None) -> WarrantyState:
    """Under warranty until …, expired on … (the last one to end), or none."""
    day = day or timezone.localdate()
    current = [w for w in warranties if w.covers(day)]
    if current:
        best = max(current, key=lambda w: w.ends_on)
        return WarrantyState("covered", best.ends_on, best.name)
    past = [w for w in warranties if w.ends_on < day]
    if past:
        last = max(past, key=lambda w: w.ends_on)
        return WarrantyState("expired", last.ends_on, last.name)
    future = [w for w in warranties if w.starts_on > day]
    if future:
        first = min(future, key=lambda w: w.starts_on)
        return WarrantyState("future", first.starts_on, first.name)
    return WarrantyState("none")


def warranty_states(assets: list[Asset], day: dt.date | None = None) -> dict[int, WarrantyState]:
    """Per asset, with one query for all their warranties."""
    found: dict[int, list[Warranty]] = {a.pk: [] for a in assets}
    for w in Warranty.objects.filter(asset_id__in=list(found)):
        found[w.asset_id].append(w)
    return {pk: warranty_state(rows, day) for pk, rows in found.items()}


def account_assets(actor: User, account_id: int, limit: int = 20) -> list[Asset]:
    rows = asset_list(actor, AssetFilters(account_id=account_id))
    return list(rows.order_by("product_name", "id")[:limit])


def asset_tickets(actor: User, asset: Asset, limit: int = 20) -> list[Ticket]:
    rows = visible_to(actor, Ticket.objects.filter(asset=asset)).select_related("queue")
    return list(rows.order_by("-id")[:limit])


# --- contracts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractFilters:
    account_id: int | None = None
    status: str = ""
    query: str = ""


def contract_base(actor: User) -> QuerySet[ServiceContract]:
    rows = ServiceContract.objects.select_related("account", "sla_policy", "calendar", "owner")
    return visible_to(actor, rows.prefetch_related("assets"))


def contract_get(actor: User, contract_id: Any) -> ServiceContract:
    rows = ServiceContract.objects.select_related("account", "sla_policy", "calendar", "owner")
    return get_visible(actor, rows, contract_id)


def contract_list(actor: User, filters: ContractFilters | None = None) -> QuerySet[ServiceContract]:
    f = filters or ContractFilters()
    rows = contract_base(actor)
    if f.account_id is not None:
        rows = rows.filter(account_id=f.account_id)
    if f.status:
        rows = rows.filter(status=f.status)
    if f.query.strip():
        q = f.query.strip()
        rows = rows.filter(Q(name__icontains=q) | Q(number__icontains=q))
    return rows


def contract_page(
    actor: User,
    filters: ContractFilters | None = None,
    *,
    order: str = "ends",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ServiceContract]:
    ordering = CONTRACT_ORDERINGS.get(order, CONTRACT_ORDERINGS["ends"])
    page = paginate(contract_list(actor, filters), ordering=ordering, cursor=cursor, limit=limit)
    # the page's entitlements in two queries, not two per contract
    figures = contracts.entitlements(page.items)
    for contract in page.items:
        contract.entitlement_figures = figures[contract.pk]  # type: ignore[attr-defined]
    return page


def contract_tickets(actor: User, contract: ServiceContract, limit: int = 50) -> list[Ticket]:
    rows = visible_to(actor, Ticket.objects.filter(contract=contract)).select_related("queue")
    return list(rows.order_by("-id")[:limit])


def asset_contracts(actor: User, asset: Asset) -> list[ServiceContract]:
    """The contracts of the asset's account that cover it: by name, or naming no asset."""
    rows = contract_base(actor).filter(account_id=asset.account_id).exclude(status="cancelled")
    named = Q(assets=asset) | Q(assets__isnull=True)
    found = [
        c
        for c in rows.filter(named).distinct()
        if not c.product_codes or asset.product_code in c.product_codes
    ]
    return sorted(found, key=lambda c: (c.ends_on, c.pk))


# --- maintenance plans ---------------------------------------------------------------------


def plan_rows(actor: User) -> QuerySet[MaintenancePlan]:
    permissions.require(actor, PLAN, "view")
    rows = MaintenancePlan.objects.select_related("asset", "contract", "queue", "category")
    # a plan is seen with the asset or contract it serves
    assets = visible_to(actor, Asset.objects.all()).values("pk")
    contracts = visible_to(actor, ServiceContract.objects.all()).values("pk")
    return rows.filter(Q(asset__in=assets) | Q(contract__in=contracts))


def plan_get(actor: User, plan_id: Any) -> MaintenancePlan:
    try:
        found = plan_rows(actor).filter(pk=int(plan_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound()
    return found
