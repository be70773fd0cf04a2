from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "clientela.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # dedup and search declare periodic jobs: import them so the scheduler knows them
        from clientela.customers import dedup, privacy, search  # noqa: F401
        from clientela.customers.models import Account, Contact, Lead
        from clientela.platform import audit, customfields, events, registry
        from clientela.platform import search as shell_search
        from clientela.platform.services.customfields import SEARCH_CHANGED

        registry.register(
            registry.ObjectType("customers.account", _("Accounts"), Account, "customers")
        )
        registry.register(
            registry.ObjectType("customers.contact", _("Contacts"), Contact, "customers")
        )
        registry.register(registry.ObjectType("customers.lead", _("Leads"), Lead, "customers"))
        # Each list's default order: a custom field's index ends in it (decision 0005).
        customfields.register("customers.account", Account, ("name", "id"))
        customfields.register("customers.contact", Contact, ("last_name", "first_name", "id"))
        customfields.register("customers.lead", Lead, ("-created_at", "-id"))
        events.subscribe(SEARCH_CHANGED, search.on_custom_search_changed)
        shell_search.register_search(search.search_accounts)
        shell_search.register_search(search.search_contacts)
        shell_search.register_search(search.search_leads)
        shell_search.register_figures(search.figures)
        audit.register_display_filter(privacy.redact_entries)
        from clientela.customers.inbound_hooks import LEAD
        from clientela.platform import inbound

        inbound.register(LEAD)  # inbound webhooks create leads
        from clientela.customers import rules

        rules.register()  # accounts, contacts and leads as rule targets
        from django.db.models.signals import pre_migrate

        from clientela.customers import rule_actions  # noqa: F401  (add tags, create related)
        from clientela.customers.imports import bulkload, tasks  # noqa: F401  (periodic job)

        pre_migrate.connect(bulkload.before_migrate, sender=self)
