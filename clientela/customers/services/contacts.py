"""Writes on contacts: clean the fields, then the platform's record services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from clientela.customers import validators
from clientela.customers.models import Account, Contact
from clientela.customers.services.common import contact_points, text_field
from clientela.platform import permissions
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User
from clientela.platform.services.records import record_create, record_delete, record_update

CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "tax_id",
    "job_title",
    "account",
    "owner",
    "team",
)


def clean_contact(actor: User, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in CONTACT_FIELDS}
    errors: dict[str, list[str]] = {}
    text_field(
        values, "first_name", errors, required=creating or "first_name" in values, max_length=100
    )
    for name, size in (
        ("last_name", 100),
        ("email", 254),
        ("phone", 40),
        ("tax_id", 32),
        ("job_title", 120),
    ):
        text_field(values, name, errors, required=False, max_length=size)
    contact_points(values, errors, "BR")
    if values.get("tax_id"):
        if validators.is_valid_cpf(values["tax_id"]):
            values["tax_id"] = validators.format_cpf(values["tax_id"])
        else:
            errors["tax_id"] = [_("Enter a valid CPF.")]
    if values.get("account") not in (None, ""):
        try:
            values["account"] = permissions.get_visible(
                actor, Account.objects.all(), values["account"]
            )
        except Exception:
            errors["account"] = [_("Unknown account.")]
    elif "account" in values:
        values["account"] = None
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def contact_create(*, actor: User, values: dict[str, Any]) -> Contact:
    return record_create(
        actor=actor, model=Contact, values=clean_contact(actor, values, creating=True)
    )


def contact_update(*, actor: User, contact_id: Any, values: dict[str, Any]) -> Contact:
    return record_update(
        actor=actor,
        model=Contact,
        pk=contact_id,
        values=clean_contact(actor, values, creating=False),
    )


def contact_delete(*, actor: User, contact_id: Any) -> None:
    record_delete(actor=actor, model=Contact, pk=contact_id)
