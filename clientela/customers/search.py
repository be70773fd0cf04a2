"""What customers contributes to the shell: global search hits and dashboard figures."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clientela.customers import selectors
from clientela.platform.models import User
from clientela.platform.search import Figure, Hit, ResultGroup


def search_accounts(actor: User, query: str) -> ResultGroup:
    hits = [
        Hit(a.name, a.tax_id, reverse("customers:account_detail", args=[a.pk]))
        for a in selectors.account_list(actor, query=query)[:10]
    ]
    return ResultGroup(_("Accounts"), hits)


def search_contacts(actor: User, query: str) -> ResultGroup:
    hits = [
        Hit(str(c), c.email, reverse("customers:contact_detail", args=[c.pk]))
        for c in selectors.contact_list(actor, query=query)[:10]
    ]
    return ResultGroup(_("Contacts"), hits)


def figures(actor: User) -> list[Figure]:
    counts = selectors.customer_counts(actor)
    return [
        Figure(_("Accounts"), counts["accounts"], reverse("customers:account_list")),
        Figure(_("Contacts"), counts["contacts"], reverse("customers:contact_list")),
        Figure(_("My accounts"), counts["mine"], reverse("customers:account_list")),
    ]
