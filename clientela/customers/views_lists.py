"""List pages for accounts and contacts (and leads): search, filters, sort, keyset pages."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from clientela.customers import selectors
from clientela.platform import permissions
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate

PAGE_SIZE = 50


def account_list(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    page = paginate(
        selectors.account_list(request.user, query=query),
        ordering=("name", "id"),
        cursor=request.GET.get("cursor"),
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "customers/account_list.html",
        {
            "page": page,
            "query": query,
            "can_create": permissions.can(request.user, "customers.account", "create"),
        },
    )


def contact_list(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    page = paginate(
        selectors.contact_list(request.user, query=query),
        ordering=("last_name", "first_name", "id"),
        cursor=request.GET.get("cursor"),
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "customers/contact_list.html",
        {
            "page": page,
            "query": query,
            "can_create": permissions.can(request.user, "customers.contact", "create"),
        },
    )
