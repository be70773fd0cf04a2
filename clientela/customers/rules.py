"""Accounts, contacts and leads as rule targets: what rules may read and how they change them
(through the same services as the UI and the API, so permissions, audit and events apply)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.customers.models import Account, Contact, Lead
from clientela.customers.services.accounts import account_update
from clientela.customers.services.contacts import contact_update
from clientela.customers.services.leads import lead_set_status, lead_update
from clientela.platform.models import User
from clientela.platform.rules import registry
from clientela.platform.rules.fields import load, model_fields, read_path, user_fields
from clientela.platform.rules.registry import FieldInfo, Target

ACCOUNT_FIELDS = (
    *("name", "kind", "tax_id", "country", "industry", "size_band", "phone", "email"),
    *("website", "lifecycle", "relationship", "description", "external_id", "owner", "tags"),
    *("created_at", "updated_at"),
)
ACCOUNT_WRITABLE = (
    *("name", "kind", "industry", "size_band", "phone", "email", "website", "lifecycle"),
    *("relationship", "description", "owner"),
)
CONTACT_FIELDS = (
    *("first_name", "last_name", "email", "phone", "tax_id", "job_title", "language"),
    *("preferred_channel", "birthday", "age_band", "gender", "income_band", "education"),
    *("do_not_contact", "description", "external_id", "owner", "tags", "created_at"),
    "updated_at",
)
CONTACT_WRITABLE = (
    *("first_name", "last_name", "email", "phone", "job_title", "language"),
    *("preferred_channel", "do_not_contact", "description", "owner"),
)
ACCOUNT_RELATED = ("name", "industry", "size_band", "lifecycle", "relationship", "country")
LEAD_FIELDS = (
    *("first_name", "last_name", "company", "job_title", "email", "phone", "website"),
    *("country", "industry", "size_band", "source", "status", "disqualify_reason", "rating"),
    *("description", "external_id", "owner", "tags", "created_at", "updated_at"),
    "converted_at",
)
LEAD_WRITABLE = (
    *("first_name", "last_name", "company", "job_title", "email", "phone", "website"),
    *("industry", "size_band", "source", "status", "rating", "description", "owner"),
)


def _owner(relation: str = "") -> list[FieldInfo]:
    return user_fields("owner.", relation or _("Owner"))


def account_fields() -> list[FieldInfo]:
    return [
        *model_fields(Account, ACCOUNT_FIELDS),
        *_owner(),
        *model_fields(Account, ("name", "industry"), "parent.", _("Parent account")),
    ]


def contact_fields() -> list[FieldInfo]:
    return [
        *model_fields(Contact, CONTACT_FIELDS),
        *_owner(),
        *model_fields(Account, ACCOUNT_RELATED, "account.", _("Account")),
        *user_fields("account.owner.", _("Account owner")),
    ]


def lead_fields() -> list[FieldInfo]:
    return [*model_fields(Lead, LEAD_FIELDS), *_owner()]


def _account_update(actor: User, record: models.Model, values: dict[str, Any]) -> models.Model:
    return account_update(actor=actor, account_id=record.pk, values=values)


def _contact_update(actor: User, record: models.Model, values: dict[str, Any]) -> models.Model:
    return contact_update(actor=actor, contact_id=record.pk, values=values)


def _lead_update(actor: User, record: models.Model, values: dict[str, Any]) -> models.Model:
    """A status goes through the status move (its allowed steps); the rest as an edit."""
    values = dict(values)
    status = values.pop("status", None)
    lead: models.Model = record
    if status is not None and status != getattr(record, "status", None):
        lead = lead_set_status(actor=actor, lead_id=record.pk, status=status)
    if values:
        lead = lead_update(actor=actor, lead_id=record.pk, values=values)
    return lead


ACCOUNT = Target(
    key="customers.account",
    label=gettext_lazy("Accounts"),
    fields=account_fields,
    load=lambda pk: load(Account, pk, ("owner", "parent")),
    read=read_path,
    queryset=lambda: Account.objects.all(),
    update=_account_update,
    url=lambda record: reverse("customers:account_detail", args=[record.pk]),
    date_fields=("created_at", "updated_at"),
    status_fields=("lifecycle", "relationship"),
    writable_fields=ACCOUNT_WRITABLE,
)
CONTACT = Target(
    key="customers.contact",
    label=gettext_lazy("Contacts"),
    fields=contact_fields,
    load=lambda pk: load(Contact, pk, ("owner", "account", "account__owner")),
    read=read_path,
    queryset=lambda: Contact.objects.all(),
    update=_contact_update,
    url=lambda record: reverse("customers:contact_detail", args=[record.pk]),
    date_fields=("created_at", "updated_at", "birthday"),
    writable_fields=CONTACT_WRITABLE,
)
LEAD = Target(
    key="customers.lead",
    label=gettext_lazy("Leads"),
    fields=lead_fields,
    load=lambda pk: load(Lead, pk, ("owner",)),
    read=read_path,
    queryset=lambda: Lead.objects.all(),
    update=_lead_update,
    url=lambda record: reverse("customers:lead_detail", args=[record.pk]),
    date_fields=("created_at", "updated_at", "converted_at"),
    status_fields=("status", "rating"),
    writable_fields=LEAD_WRITABLE,
)


def register() -> None:
    for target in (ACCOUNT, CONTACT, LEAD):
        registry.register_target(target)
