"""Reads on leads: one lead, and the accounts and contacts its conversion might link to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from clientela.customers import validators
from clientela.customers.models import Account, Contact, ContactPoint, Lead
from clientela.customers.search_index import search
from clientela.platform.models import User
from clientela.platform.permissions import get_visible, visible_to

MATCH_LIMIT = 10


def lead_queryset(actor: User) -> QuerySet[Lead]:
    return visible_to(actor, Lead.objects.select_related("owner", "team"))


def lead_get(actor: User, lead_id: Any) -> Lead:
    return get_visible(
        actor,
        Lead.objects.select_related("owner", "team", "converted_account", "converted_contact"),
        lead_id,
    )


@dataclass(frozen=True)
class Matches:
    accounts: list[Account]
    contacts: list[Contact]


def _tax_variants(tax_id: str) -> list[str]:
    """The ways a tax id may be stored: as typed and formatted (CNPJ/CPF)."""
    variants = {tax_id}
    if validators.is_valid_cnpj(tax_id):
        variants.add(validators.format_cnpj(tax_id))
    if validators.is_valid_cpf(tax_id):
        variants.add(validators.format_cpf(tax_id))
    return sorted(variants)


def _account_matches(actor: User, lead: Lead) -> list[Account]:
    condition = Q(pk__in=[])
    if lead.tax_id:
        condition |= Q(tax_id__in=_tax_variants(lead.tax_id))
    if lead.company:
        condition |= Q(name__iexact=lead.company)
    if lead.email and "@" in lead.email:
        condition |= Q(email__iexact=lead.email)
    found = list(visible_to(actor, Account.objects.filter(condition))[:MATCH_LIMIT])
    if lead.company and len(found) < MATCH_LIMIT:
        similar = search(visible_to(actor, Account.objects.all()), lead.company)
        seen = {a.pk for a in found}
        found += [a for a in similar[: MATCH_LIMIT * 2] if a.pk not in seen]
    return found[:MATCH_LIMIT]


def _contact_matches(actor: User, lead: Lead) -> list[Contact]:
    condition = Q(pk__in=[])
    if lead.email:
        by_point = ContactPoint.objects.filter(
            kind="email", value__iexact=lead.email, contact__isnull=False
        ).values("contact_id")
        condition |= Q(email__iexact=lead.email) | Q(pk__in=by_point)
    if lead.phone:
        condition |= Q(phone=lead.phone)
    if lead.tax_id:
        condition |= Q(tax_id__in=_tax_variants(lead.tax_id))
    contacts = Contact.objects.filter(condition, anonymized_at__isnull=True)
    return list(visible_to(actor, contacts.select_related("account"))[:MATCH_LIMIT])


def conversion_matches(actor: User, lead: Lead) -> Matches:
    """Existing visible records the lead may be: same tax id, e-mail, phone or company."""
    return Matches(_account_matches(actor, lead), _contact_matches(actor, lead))


def account_choices(actor: User, query: str) -> list[Account]:
    """Visible accounts matching what was typed in the conversion wizard."""
    if not query.strip():
        return []
    return list(search(visible_to(actor, Account.objects.all()), query)[:MATCH_LIMIT])


def contact_choices(actor: User, query: str) -> list[Contact]:
    if not query.strip():
        return []
    contacts = Contact.objects.filter(anonymized_at__isnull=True).select_related("account")
    return list(search(visible_to(actor, contacts), query)[:MATCH_LIMIT])
