"""The installed base on the customer pages: an account's assets (a contact's, on a contact's
page) with their warranty state, and the account's service contracts."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from clientela.customers.models import Account, Contact
from clientela.platform import panels, permissions
from clientela.platform.models import User
from clientela.service import contracts, selectors_assets
from clientela.service.selectors_assets import AssetFilters, ContractFilters

SHOWN = 20


def assets_panel(actor: User, record: Model) -> panels.Rendered:
    if not permissions.can(actor, "service.asset", "view"):
        return None
    if isinstance(record, Account):
        account_id = record.pk
        rows = selectors_assets.asset_list(actor, AssetFilters(account_id=account_id))
    elif isinstance(record, Contact):
        if record.account_id is None:
            return None
        account_id = record.account_id
        rows = selectors_assets.asset_base(actor).filter(contact=record)
    else:
        return None
    assets = list(rows.order_by("product_name", "id")[: SHOWN + 1])
    states = selectors_assets.warranty_states(assets[:SHOWN])
    found = selectors_assets.contract_list(actor, ContractFilters(account_id=account_id))
    listed = list(found.exclude(status="cancelled").order_by("ends_on", "id")[:10])
    context: dict[str, Any] = {
        "rows": [(a, states[a.pk]) for a in assets[:SHOWN]],
        "more": len(assets) > SHOWN,
        "account_id": account_id,
        "contracts": [
            (c, e) for c, e in zip(listed, contracts.entitlements(listed).values(), strict=True)
        ],
        "can_create": permissions.can(actor, "service.asset", "create"),
        "is_account": isinstance(record, Account),
    }
    return "service/assets/_panel.html", context


PANEL = panels.Panel(
    "service.assets", _("Installed base"), ("customers.account", "customers.contact"), assets_panel
)
panels.register(PANEL)
