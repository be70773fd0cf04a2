"""The company profile documents print (name, address, logo, PIX key, quote terms): one row,
changed by those the role editor allows (``sales.company``, configuration), every change
audited. A logo is a PNG or JPEG of at most 300 KiB, recognised by its first bytes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions
from clientela.platform.errors import ValidationFailed
from clientela.platform.models import User
from clientela.sales import pix
from clientela.sales.models import CompanyProfile
from clientela.sales.quotes import company

KEY = "sales.company"
MAX_LOGO = 300 * 1024
TEXTS = {
    "name": (200, False),
    "legal_name": (200, False),
    "tax_id": (32, False),
    "address": (1000, True),
    "city": (100, False),
    "email": (254, False),
    "phone": (40, False),
    "website": (200, False),
    "pix_key": (77, False),
    "quote_terms": (20000, True),
}
IMAGES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def company_get(actor: User) -> CompanyProfile:
    permissions.require(actor, KEY, "view")
    return company()


def _clean(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    allowed = {*TEXTS, "quote_valid_days"}
    errors = {k: [_("This field cannot be set here.")] for k in sorted(set(values) - allowed)}
    cleaned: dict[str, Any] = {}
    for name, (size, lines) in TEXTS.items():
        if name not in values:
            continue
        value = values[name] if values[name] is not None else ""
        if not isinstance(value, str):
            errors[name] = [_("Enter text.")]
            continue
        value = value.strip()
        plain = value.replace("\n", "").replace("\r", "") if lines else value
        if len(value) > size:
            errors[name] = [_("Enter at most %(n)d characters.") % {"n": size}]
        elif not plain.isprintable():
            errors[name] = [_("Remove the control characters.")]
        else:
            cleaned[name] = value
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = [_("This field is required.")]
    _check_formats(cleaned, errors)
    if "quote_valid_days" in values:
        days = values["quote_valid_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            errors["quote_valid_days"] = [_("Enter a number of days from 1 to 365.")]
        else:
            cleaned["quote_valid_days"] = days
    return cleaned, errors


def _check_formats(cleaned: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except DjangoValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if cleaned.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(cleaned["website"])
        except DjangoValidationError:
            errors["website"] = [_("Enter an address such as https://example.com.")]
    if cleaned.get("pix_key"):
        try:
            cleaned["pix_key"] = pix.normalize_key(cleaned["pix_key"])
        except ValueError:
            errors["pix_key"] = [_("Enter a PIX key: CPF, CNPJ, phone, e-mail or random key.")]


def company_save(*, actor: User, values: dict[str, Any]) -> CompanyProfile:
    permissions.require(actor, KEY, "edit")
    cleaned, errors = _clean(values)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        profile = CompanyProfile.objects.select_for_update().get(pk=company().pk)
        before = audit.snapshot(profile)
        for name, value in cleaned.items():
            setattr(profile, name, value)
        profile.save()
        changes = audit.diff(before, audit.snapshot(profile))
        if changes:
            audit.record(
                actor=actor, action="update", obj=profile, object_type=KEY, changes=changes
            )
    return profile


def logo_save(*, actor: User, content: bytes | None) -> CompanyProfile:
    """Replace the logo (``None`` removes it)."""
    permissions.require(actor, KEY, "edit")
    kind = ""
    if content is not None:
        if len(content) > MAX_LOGO:
            raise ValidationFailed(errors={"logo": [_("The logo is larger than 300 KiB.")]})
        kind = next((mime for magic, mime in IMAGES if content.startswith(magic)), "")
        if not kind:
            raise ValidationFailed(errors={"logo": [_("Upload a PNG or JPEG image.")]})
    with transaction.atomic():
        profile = CompanyProfile.objects.select_for_update().get(pk=company().pk)
        had = bool(profile.logo)
        profile.logo, profile.logo_type = content, kind
        profile.save(update_fields=["logo", "logo_type"])
        audit.record(
            actor=actor,
            action="update",
            obj=profile,
            object_type=KEY,
            changes={
                "logo": ["yes" if had else "", f"{kind} {len(content)} bytes" if content else ""]
            },
        )
    return profile
