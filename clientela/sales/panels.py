"""What sales adds to the platform's pages: the deals panel on account and contact pages (the
account's open pipeline and won revenue in the company's currency, the latest deals, a link to
open a new one), and the Pipelines card of Settings."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from clientela.customers.models import Account, Contact
from clientela.platform import navigation, panels, permissions
from clientela.platform.models import User
from clientela.sales import selectors, services
from clientela.sales.selectors import OpportunityFilters

LATEST = 5
KEY = "sales.opportunity"


def deals_panel(actor: User, record: Model) -> panels.Rendered:
    if not permissions.can(actor, KEY, "view"):
        return None
    currency = services.company_currency()
    context: dict[str, Any] = {"currency": currency, "record": record}
    if isinstance(record, Account):
        filters = OpportunityFilters(account_id=record.pk)
        context["figures"] = selectors.account_sales(actor, record.pk, currency)
        context["new_query"] = f"account={record.pk}"
    elif isinstance(record, Contact):
        filters = OpportunityFilters(contact_id=record.pk)
        account = f"account={record.account_id}&" if record.account_id else ""
        context["new_query"] = f"{account}contact={record.pk}"
    else:
        return None
    latest = selectors.opportunity_list(actor, filters).order_by("-created_at", "-id")
    context["deals"] = list(latest[: LATEST + 1])
    context["more"] = len(context["deals"]) > LATEST
    context["deals"] = context["deals"][:LATEST]
    context["list_query"] = (
        f"account={record.pk}" if isinstance(record, Account) else f"contact={record.pk}"
    )
    context["can_create"] = permissions.can(actor, KEY, "create")
    return "sales/_panel.html", context


PANEL = panels.Panel(
    "sales.deals", _("Opportunities"), ("customers.account", "customers.contact"), deals_panel
)
panels.register(PANEL)

# Settings → Pipelines, on the settings index beside the platform's own pages
navigation.register_settings_card(
    navigation.SettingsCard(
        "sales.pipeline",
        "sales:pipeline_list",
        _("Pipelines"),
        _("Your sales stages: their probability, required fields and suggested activities."),
    )
)

navigation.register_settings_card(
    navigation.SettingsCard(
        "sales.product",
        "sales:product_list",
        _("Products and prices"),
        _("Products, product groups, taxes, and price lists with volume tiers."),
    )
)

navigation.register_settings_card(
    navigation.SettingsCard(
        "sales.product",
        "sales:rate_list",
        _("Exchange rates"),
        _("What other currencies are worth in the company currency, for boards and forecasts."),
    )
)

navigation.register_settings_card(
    navigation.SettingsCard(
        "sales.quota",
        "sales:quota_list",
        _("Quotas"),
        _("Each rep's monthly sales target, which the forecast compares with what they win."),
    )
)

navigation.register_settings_card(
    navigation.SettingsCard(
        "sales.company",
        "sales:company_settings",
        _("Company profile"),
        _("Your company's name, address, logo and PIX key, as quotes print them."),
    )
)
