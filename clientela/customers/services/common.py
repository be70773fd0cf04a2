"""Field cleaning shared by the customer record services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from clientela.customers import validators


def text_field(
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


def contact_points(values: dict[str, Any], errors: dict[str, list[str]], country: str) -> None:
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


def account_tax_id(values: dict[str, Any], errors: dict[str, list[str]], country: str) -> None:
    tax_id = values.get("tax_id")
    if not tax_id or country != "BR":
        return
    if validators.is_valid_cnpj(tax_id):
        values["tax_id"] = validators.format_cnpj(tax_id)
    elif validators.is_valid_cpf(tax_id):
        values["tax_id"] = validators.format_cpf(tax_id)
    else:
        errors["tax_id"] = [_("Enter a valid CNPJ or CPF.")]
