"""What customers contributes to the shell: global search hits and dashboard figures.

The search providers read through ``search_index.search`` on a ``visible_to`` queryset, so the
actor's owner/team filter is part of the same SQL statement as the full-text match.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate
from django.tasks import task
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from clientela.customers import search_index, selectors
from clientela.customers.models import Account, Contact, Lead
from clientela.platform.models import User
from clientela.platform.permissions import visible_to
from clientela.platform.scheduler import periodic
from clientela.platform.search import Figure, Hit, ResultGroup

HITS = 10


def search_accounts(actor: User, query: str) -> ResultGroup:
    accounts = search_index.search(visible_to(actor, Account.objects.all()), query)
    hits = [
        Hit(a.name, a.tax_id or a.email, reverse("customers:account_detail", args=[a.pk]))
        for a in accounts.only("id", "name", "tax_id", "email")[:HITS]
    ]
    return ResultGroup(_("Accounts"), hits)


def search_contacts(actor: User, query: str) -> ResultGroup:
    contacts = search_index.search(visible_to(actor, Contact.objects.all()), query)
    hits = [
        Hit(str(c), c.email or c.phone, reverse("customers:contact_detail", args=[c.pk]))
        for c in contacts.only("id", "first_name", "last_name", "email", "phone")[:HITS]
    ]
    return ResultGroup(_("Contacts"), hits)


def _lead_url(lead_id: int) -> str | None:
    try:
        return reverse("customers:lead_detail", args=[lead_id])
    except NoReverseMatch:  # the lead pages are not wired yet: show no link rather than fail
        return None


def search_leads(actor: User, query: str) -> ResultGroup:
    leads = search_index.search(visible_to(actor, Lead.objects.all()), query)
    hits = []
    for lead in leads.only("id", "first_name", "last_name", "company", "email")[:HITS]:
        url = _lead_url(lead.pk)
        if url is None:
            break
        hits.append(Hit(str(lead), lead.company or lead.email, url))
    return ResultGroup(_("Leads"), hits)


def figures(actor: User) -> list[Figure]:
    counts = selectors.customer_counts(actor)
    return [
        Figure(_("Accounts"), counts["accounts"], reverse("customers:account_list")),
        Figure(_("Contacts"), counts["contacts"], reverse("customers:contact_list")),
        Figure(_("My accounts"), counts["mine"], reverse("customers:account_list")),
    ]


def ensure_search_engine(app_config: Any = None, using: str = "default", **_kwargs: Any) -> None:
    """After every ``migrate``: a later migration that rebuilds a customers table on SQLite drops
    its triggers; put them back (and reindex) once migration 0004 is applied."""
    if app_config is None or app_config.label != "customers":
        return
    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("customers", "0004_search") in applied:
        search_index.ensure_engine(connection)


post_migrate.connect(ensure_search_engine, dispatch_uid="customers.ensure_search_engine")


@periodic("customers.search-maintenance", "47 3 * * *")
@task()
def search_maintenance() -> dict[str, float]:
    """Nightly on SQLite: one FTS5 segment per index and fresh planner statistics."""
    return search_index.maintain(connections["default"])
