"""Reads on accounts and contacts, always starting from what the actor may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from clientela.customers.models import Account, AccountContact, Contact
from clientela.platform.models import User
from clientela.platform.permissions import get_visible, visible_to


def account_list(actor: User, *, query: str = "") -> QuerySet[Account]:
    accounts = visible_to(actor, Account.objects.select_related("owner", "team"))
    if query:
        accounts = accounts.filter(Q(name__icontains=query) | Q(tax_id__icontains=query))
    return accounts


def account_get(actor: User, account_id: Any) -> Account:
    """One account with what its page and the API show (points, addresses, tags) prefetched."""
    return get_visible(
        actor,
        Account.objects.select_related("owner", "team", "parent").prefetch_related(
            "points", "addresses", "tags"
        ),
        account_id,
    )


def account_contacts(actor: User, account: Account) -> QuerySet[Contact]:
    return visible_to(actor, Contact.objects.filter(account=account))


def contact_list(actor: User, *, query: str = "") -> QuerySet[Contact]:
    contacts = visible_to(actor, Contact.objects.select_related("owner", "team", "account"))
    if query:
        contacts = contacts.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    return contacts


def contact_get(actor: User, contact_id: Any) -> Contact:
    """One contact with its points, addresses and tags prefetched."""
    return get_visible(
        actor,
        Contact.objects.select_related("owner", "team", "account").prefetch_related(
            "points", "addresses", "tags"
        ),
        contact_id,
    )


def account_people(actor: User, account: Account) -> list[AccountContact]:
    """The account's visible contacts with their role there (primary or not), by name."""
    contacts = visible_to(actor, Contact.objects.all()).values("pk")
    return list(
        AccountContact.objects.filter(account=account, contact__in=contacts)
        .select_related("contact")
        .order_by("contact__last_name", "contact__first_name", "contact_id")[:200]
    )


def account_family(actor: User, account: Account) -> dict[str, Any]:
    """Parent (when visible) and visible child accounts, for the single customer view."""
    visible = visible_to(actor, Account.objects.all())
    parent = visible.filter(pk=account.parent_id).first() if account.parent_id else None
    return {
        "parent": parent,
        "children": list(visible.filter(parent=account).order_by("name")[:100]),
    }


def contact_accounts(actor: User, contact: Contact) -> list[AccountContact]:
    """The contact's memberships in accounts the actor may see."""
    accounts = visible_to(actor, Account.objects.all()).values("pk")
    return list(
        AccountContact.objects.filter(contact=contact, account__in=accounts)
        .select_related("account")
        .order_by("account__name", "account_id")
    )


def account_choices(actor: User, *, exclude: Any = None, limit: int = 500) -> list[tuple[int, str]]:
    """(id, name) of visible accounts for a form's select, bounded."""
    accounts = visible_to(actor, Account.objects.all())
    if exclude is not None:
        accounts = accounts.exclude(pk=exclude)
    return list(accounts.order_by("name", "id").values_list("id", "name")[:limit])


def customer_counts(actor: User) -> dict[str, int]:
    """Figures for the dashboard: how many accounts and contacts the actor can see."""
    return {
        "accounts": visible_to(actor, Account.objects.all()).count(),
        "contacts": visible_to(actor, Contact.objects.all()).count(),
        # Owner is indexed; a per-view "accounts without contacts" join cost ~90 ms at 100k
        # accounts (docs/benchmarks.md), so the dashboard shows cheap counts only.
        "mine": Account.objects.filter(owner_id=actor.pk).count(),
    }


def record_points(record: Account | Contact, kind: str) -> list[dict[str, Any]]:
    """A record's e-mails or phones, the primary column first (uses prefetched ``points``)."""
    primary = getattr(record, kind)
    points = [{"value": primary, "label": "", "primary": True}] if primary else []
    points += [
        {"value": p.value, "label": p.label, "primary": False}
        for p in record.points.all()
        if p.kind == kind
    ]
    return points
