"""What customers contributes to the shell: global search hits and dashboard figures.

The search providers read through ``search_index.search_page`` on a ``visible_to`` queryset and
take their first hits as the lists take their first page (``ListSpec.page``): a team-scoped
actor's candidates come one visibility branch at a time, and the rows from ``visible_to``.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import QuerySet
from django.db.models.signals import post_migrate
from django.tasks import task
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from clientela.customers import lists, search_engine, search_index, selectors
from clientela.platform.listing import ListSpec, visibility_branches
from clientela.platform.models import User
from clientela.platform.pagination import Page
from clientela.platform.permissions import visible_to
from clientela.platform.scheduler import periodic
from clientela.platform.search import Figure, Hit, ResultGroup

HITS = 10


def _first_hits(actor: User, spec: ListSpec, query: str, *fields: str) -> list[Any]:
    """The first ``HITS`` visible matches in the list's default order, read as the list reads
    its first page: for a team-scoped actor, one part per visibility branch (own records,
    each team's) on its own index, then the rows by id from ``visible_to``. The owner-or-team
    OR in one statement made PostgreSQL intersect the matches with a bitmap of the whole team,
    or walk the global name index for four times the rows (docs/decisions/0002-search.md)."""
    everything = spec.model._default_manager.all()
    state = spec.parse({})
    branches = visibility_branches(actor, spec.model)

    def read(visible: QuerySet[Any], unscoped: QuerySet[Any]) -> Page[Any]:
        return spec.page(
            visible.only(*fields), state, limit=HITS, branches=branches, unscoped=unscoped
        )

    visible = visible_to(actor, everything, by_key=bool(branches))  # read by id when split
    return search_index.search_page(visible, everything, query, read).items


def search_accounts(actor: User, query: str) -> ResultGroup:
    accounts = _first_hits(actor, lists.ACCOUNTS, query, "id", "name", "tax_id", "email")
    hits = [
        Hit(a.name, a.tax_id or a.email, reverse("customers:account_detail", args=[a.pk]))
        for a in accounts
    ]
    return ResultGroup(_("Accounts"), hits)


def search_contacts(actor: User, query: str) -> ResultGroup:
    contacts = _first_hits(
        actor, lists.CONTACTS, query, "id", "first_name", "last_name", "email", "phone"
    )
    hits = [
        Hit(str(c), c.email or c.phone, reverse("customers:contact_detail", args=[c.pk]))
        for c in contacts
    ]
    return ResultGroup(_("Contacts"), hits)


def _lead_url(lead_id: int) -> str | None:
    try:
        return reverse("customers:lead_detail", args=[lead_id])
    except NoReverseMatch:  # the lead pages are not wired yet: show no link rather than fail
        return None


def search_leads(actor: User, query: str) -> ResultGroup:
    fields = ("id", "first_name", "last_name", "company", "email", "created_at")
    hits = []
    for lead in _first_hits(actor, lists.LEADS, query, *fields):
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
        search_engine.ensure_engine(connection)


post_migrate.connect(ensure_search_engine, dispatch_uid="customers.ensure_search_engine")


@task()
def refresh_custom_search(object_type: str, key: str, everyone: bool = False) -> int:
    """Rebuild the search documents a custom field's change made stale: those of the records
    holding it, or every record of the type when the field (and its values) went away."""
    from clientela.platform import registry

    model = registry.get(object_type).model
    if everyone:
        return search_index.refresh(model._default_manager.all())
    return search_index.refresh_custom_field(model, key)


def on_custom_search_changed(event: Any) -> None:
    """Subscribed to ``platform.customfield.search_changed``; the work runs in the worker."""
    payload = event.payload
    if payload.get("object_type") in SEARCHED_TYPES:
        refresh_custom_search.enqueue(
            payload["object_type"], payload["key"], bool(payload.get("everyone"))
        )


SEARCHED_TYPES = ("customers.account", "customers.contact", "customers.lead")


@periodic("customers.search-maintenance", "47 3 * * *")
@task()
def search_maintenance() -> dict[str, float]:
    """Nightly on SQLite: one FTS5 segment per index and fresh planner statistics."""
    return search_engine.maintain(connections["default"])
