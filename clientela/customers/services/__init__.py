"""Every write on customer records: one module per aggregate.

The account, contact and tag functions are re-exported here because most callers want them.
"""

from clientela.customers.services.accounts import (
    account_bulk,
    account_create,
    account_delete,
    account_update,
    clean_account,
)
from clientela.customers.services.contacts import (
    clean_contact,
    contact_bulk,
    contact_create,
    contact_delete,
    contact_update,
)
from clientela.customers.services.tags import tags_add, tags_set

__all__ = [
    "account_bulk",
    "account_create",
    "account_delete",
    "account_update",
    "clean_account",
    "clean_contact",
    "contact_bulk",
    "contact_create",
    "contact_delete",
    "contact_update",
    "tags_add",
    "tags_set",
]
