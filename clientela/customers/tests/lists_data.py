"""Rows for the list tests (pages and API), straight into the tables (the services are tested
elsewhere). Their teams and people are fixtures in ``conftest.py``."""

from __future__ import annotations

from typing import Any

from clientela.customers.models import Account, Contact


def accounts(owner: Any, team: Any, names: list[str], **extra: Any) -> list[Account]:
    return Account.objects.bulk_create(
        [Account(name=n, owner=owner, team=team, search_text=n.lower(), **extra) for n in names]
    )


def contacts(owner: Any, team: Any, names: list[str], **extra: Any) -> list[Contact]:
    """``names`` as "First Last"."""
    return Contact.objects.bulk_create(
        [
            Contact(first_name=f, last_name=last, owner=owner, team=team, **extra)
            for f, last in (n.split() for n in names)
        ]
    )
