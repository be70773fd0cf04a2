"""API list endpoints for customer records: search, filters, sort, keyset pages.

They register on the customers router (same paths as create), imported by ``clientela.api``.
"""

from __future__ import annotations

from ninja import Query

from clientela.customers import selectors
from clientela.customers.api import router
from clientela.customers.schemas import AccountPage, ContactPage
from clientela.platform.api import PageParams
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate


class SearchParams(PageParams):
    q: str = ""


@router.get("/accounts", response=AccountPage, summary="Accounts")
def list_accounts(request: AuthedRequest, params: Query[SearchParams]):
    return paginate(
        selectors.account_list(request.user, query=params.q[:100]),
        ordering=("name", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.get("/contacts", response=ContactPage, summary="Contacts")
def list_contacts(request: AuthedRequest, params: Query[SearchParams]):
    return paginate(
        selectors.contact_list(request.user, query=params.q[:100]),
        ordering=("last_name", "first_name", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )
