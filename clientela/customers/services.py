"""Writes on accounts and contacts: clean the fields, then the platform's record services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from clientela.customers import validators
from clientela.customers.models import Account, Contact
from clientela.platform import permissions
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User
from clientela.platform.services.records import record_create, record_delete, record_update

ACCOUNT_FIELDS = ("name", "tax_id", "country", "phone", "email", "website", "owner", "team")
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


def _text(
    values: dict[str, Any],
    name: str,
    errors: dict[str, list[str]],
    *,
    required: bool,
    max_length: int,
) -> None:
    if name not in values:
        return
    value = values[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = [_("Enter text.")]
        return
    value = value.strip()
    if required and not value:
        errors[name] = [_("This field is required.")]
    elif len(value) > max_length:
        errors[name] = [_("Enter at most %(n)d characters.") % {"n": max_length}]
    values[name] = value


def _contact_points(values: dict[str, Any], errors: dict[str, list[str]], country: str) -> None:
    if values.get("email"):
        try:
            validate_email(values["email"])
        except DjangoValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if values.get("phone"):
        phone = validators.normalize_phone(values["phone"], country or "BR")
        if phone is None:
            errors["phone"] = [_("Enter a valid phone number.")]
        else:
            values["phone"] = phone


def _account_tax_id(values: dict[str, Any], errors: dict[str, list[str]], country: str) -> None:
    tax_id = values.get("tax_id")
    if not tax_id or country != "BR":
        return
    if validators.is_valid_cnpj(tax_id):
        values["tax_id"] = validators.format_cnpj(tax_id)
    elif validators.is_valid_cpf(tax_id):
        values["tax_id"] = validators.format_cpf(tax_id)
    else:
        errors["tax_id"] = [_("Enter a valid CNPJ or CPF.")]


def clean_account(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in ACCOUNT_FIELDS}
    errors: dict[str, list[str]] = {}
    _text(values, "name", errors, required=creating or "name" in values, max_length=200)
    for name, size in (("tax_id", 32), ("phone", 40), ("email", 254), ("website", 200)):
        _text(values, name, errors, required=False, max_length=size)
    country = str(values.get("country") or "BR").upper()
    if len(country) != 2 or not country.isalpha():
        errors["country"] = [_("Enter a two-letter country code.")]
    values["country"] = country
    _contact_points(values, errors, country)
    _account_tax_id(values, errors, country)
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


def clean_contact(actor: User, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in CONTACT_FIELDS}
    errors: dict[str, list[str]] = {}
    _text(values, "first_name", errors, required=creating or "first_name" in values, max_length=100)
    for name, size in (
        ("last_name", 100),
        ("email", 254),
        ("phone", 40),
        ("tax_id", 32),
        ("job_title", 120),
    ):
        _text(values, name, errors, required=False, max_length=size)
    _contact_points(values, errors, "BR")
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
