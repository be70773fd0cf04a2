"""Writes on accounts: clean the fields, then the platform's record services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from clientela.customers.models import Account
from clientela.customers.services.common import account_tax_id, contact_points, text_field
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User
from clientela.platform.services.records import record_create, record_delete, record_update

ACCOUNT_FIELDS = ("name", "tax_id", "country", "phone", "email", "website", "owner", "team")


def clean_account(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in ACCOUNT_FIELDS}
    errors: dict[str, list[str]] = {}
    text_field(values, "name", errors, required=creating or "name" in values, max_length=200)
    for name, size in (("tax_id", 32), ("phone", 40), ("email", 254), ("website", 200)):
        text_field(values, name, errors, required=False, max_length=size)
    country = str(values.get("country") or "BR").upper()
    if len(country) != 2 or not country.isalpha():
        errors["country"] = [_("Enter a two-letter country code.")]
    values["country"] = country
    contact_points(values, errors, country)
    account_tax_id(values, errors, country)
    if values.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(values["website"])
        except DjangoValidationError:
            errors["website"] = [_("Enter a valid web address (http or https).")]
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def account_create(*, actor: User, values: dict[str, Any]) -> Account:
    return record_create(actor=actor, model=Account, values=clean_account(values, creating=True))


def account_update(*, actor: User, account_id: Any, values: dict[str, Any]) -> Account:
    return record_update(
        actor=actor, model=Account, pk=account_id, values=clean_account(values, creating=False)
    )


def account_delete(*, actor: User, account_id: Any) -> None:
    record_delete(actor=actor, model=Account, pk=account_id)
