"""Every write on customer records: one module per aggregate.

The account and contact functions are re-exported here because most callers want them.
"""

from clientela.customers.services.accounts import (
    account_create,
    account_delete,
    account_update,
    clean_account,
)
from clientela.customers.services.contacts import (
    clean_contact,
    contact_create,
    contact_delete,
    contact_update,
)

__all__ = [
    "account_create",
    "account_delete",
    "account_update",
    "clean_account",
    "clean_contact",
    "contact_create",
    "contact_delete",
    "contact_update",
]
