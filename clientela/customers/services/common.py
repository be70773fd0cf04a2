"""Field cleaning shared by the customer record services: text, choices, points, addresses.

Each cleaner reads ``values`` (what the caller sent), writes the cleaned value back and adds its
problems to ``errors`` under the field's name; nested rows use ``addresses.0.postal_code``-style
keys so the API and the forms can point at the exact row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from clientela.customers import validators
from clientela.customers.models import Address, AddressKind
from clientela.platform.errors import Conflict

MAX_POINTS = 20
MAX_ADDRESSES = 10
ADDRESS_TEXT = (
    ("street", 200),
    ("complement", 100),
    ("district", 100),
    ("city", 100),
    ("state", 60),
    ("postal_code", 20),
)
ADDRESS_KINDS = AddressKind.choices  # the enum builds this list anew at every access


def email_ok(value: str) -> bool:
    """Exactly ``django.core.validators.validate_email``'s decision, with the domain's verdict
    cached (a file's addresses share a few domains) and no exception on the way."""
    if not value or "@" not in value or len(value) > 320:
        return False
    user_part, domain_part = value.rsplit("@", 1)
    if not validate_email.user_regex.match(user_part):
        return False
    return domain_part in validate_email.domain_allowlist or _domain_ok(domain_part)


@lru_cache(maxsize=4096)
def _domain_ok(domain_part: str) -> bool:
    return bool(validate_email.validate_domain_part(domain_part))


def text_field(
    values: dict[str, Any],
    name: str,
    errors: dict[str, list[str]],
    *,
    required: bool,
    max_length: int,
    key: str | None = None,
) -> None:
    if name not in values:
        return
    value = values[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key or name] = [_("Enter text.")]
        return
    value = value.strip()
    if required and not value:
        errors[key or name] = [_("This field is required.")]
    elif len(value) > max_length:
        errors[key or name] = [_("Enter at most %(n)d characters.") % {"n": max_length}]
    values[name] = value


def choice_field(
    values: dict[str, Any],
    name: str,
    errors: dict[str, list[str]],
    choices: Iterable[tuple[str, Any]],
    *,
    blank: bool = True,
    key: str | None = None,
) -> None:
    """A value from a fixed list (empty allowed when ``blank``)."""
    if name not in values:
        return
    value = values[name] if values[name] is not None else ""
    allowed = [str(code) for code, _label in choices]
    if not isinstance(value, str) or (value not in allowed and (value or not blank)):
        errors[key or name] = [_("Choose one of: %(options)s.") % {"options": ", ".join(allowed)}]
        return
    values[name] = value


def bool_field(values: dict[str, Any], name: str, errors: dict[str, list[str]]) -> None:
    if name in values and not isinstance(values[name], bool):
        if values[name] in ("true", "1", "on", 1, "false", "0", "", 0, None):
            values[name] = values[name] in ("true", "1", "on", 1)
        else:
            errors[name] = [_("Enter true or false.")]


def birthday_field(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """A past date (ISO text accepted); nobody is born tomorrow or before 1900."""
    value = values.get("birthday")
    if value in (None, ""):
        if "birthday" in values:
            values["birthday"] = None
        return
    if isinstance(value, str):
        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        errors["birthday"] = [_("Enter a valid date (YYYY-MM-DD).")]
    elif value > timezone.localdate():
        errors["birthday"] = [_("The birthday cannot be in the future.")]
    elif value.year < 1900:
        errors["birthday"] = [_("Enter a birthday after 1900.")]
    else:
        values["birthday"] = value


def country_field(
    values: dict[str, Any], errors: dict[str, list[str]], key: str = "country"
) -> str:
    country = values.get("country")
    country = "BR" if country in (None, "") else country
    if not isinstance(country, str) or len(country.strip()) != 2 or not country.strip().isalpha():
        errors[key] = [_("Enter a two-letter country code.")]
        return "BR"
    values["country"] = country.strip().upper()
    return str(values["country"])


def website_field(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if values.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(values["website"])
        except DjangoValidationError:
            errors["website"] = [_("Enter a valid web address (http or https).")]


def contact_points(values: dict[str, Any], errors: dict[str, list[str]], country: str) -> None:
    """The primary ``email`` and ``phone`` columns: a valid address, a phone in E.164."""
    if values.get("email"):
        if isinstance(values["email"], str) and email_ok(values["email"]):
            values["email"] = values["email"].strip()
        else:
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


def external_id_free(
    model: type[models.Model], values: dict[str, Any], exclude_pk: Any = None
) -> None:
    """Refuse an external id another record of the type already has (409, said per field)."""
    external_id = values.get("external_id")
    if not external_id:
        return
    clash = model._default_manager.filter(external_id=external_id)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(
            _("Another record already has the external id %(id)s.") % {"id": external_id},
            code="external_id_taken",
            errors={"external_id": [_("Another record already has this external id.")]},
        )


# --- e-mails, phones and addresses ---------------------------------------------------------


@dataclass(frozen=True)
class Point:
    value: str
    label: str = ""


@dataclass
class Nested:
    """What a create or update sends besides plain fields; None means "leave as it is"."""

    emails: list[Point] | None = None
    phones: list[Point] | None = None
    addresses: list[dict[str, Any]] | None = None
    tags: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def touches_search(self) -> bool:
        return any(x is not None for x in (self.emails, self.phones, self.addresses))


def _point_item(item: Any, key: str, errors: dict[str, list[str]]) -> Point | None:
    if isinstance(item, str):
        item = {"value": item}
    if not isinstance(item, dict) or not isinstance(item.get("value", ""), str):
        errors[key] = [_("Enter a value and an optional label.")]
        return None
    label = item.get("label") or ""
    if not isinstance(label, str) or len(label.strip()) > 40:
        errors[f"{key}.label"] = [_("Enter a label of at most 40 characters.")]
        return None
    return Point(item.get("value", "").strip(), label.strip())


def _point_value(kind: str, value: str, region: str) -> str | None:
    if kind == "email":
        return value if len(value) <= 254 and email_ok(value) else None
    return validators.normalize_phone(value, region) if len(value) <= 40 else None


def clean_points(
    raw: Any, kind: str, region: str, errors: dict[str, list[str]]
) -> list[Point] | None:
    """``emails`` or ``phones``: a list of values or ``{value, label}``; the first is primary."""
    name = "emails" if kind == "email" else "phones"
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or len(raw) > MAX_POINTS:
        errors[name] = [_("Enter a list of at most %(n)d items.") % {"n": MAX_POINTS}]
        return None
    points: list[Point] = []
    for index, item in enumerate(raw):
        key = f"{name}.{index}"
        point = _point_item(item, key, errors)
        if point is None:
            continue
        value = _point_value(kind, point.value, region)
        if value is None:
            errors[f"{key}.value"] = [
                _("Enter a valid e-mail address.")
                if kind == "email"
                else _("Enter a valid phone number.")
            ]
        elif any(p.value.casefold() == value.casefold() for p in points):
            errors[f"{key}.value"] = [_("This value is listed twice.")]
        else:
            points.append(Point(value, point.label))
    return points


def _address_postal(item: dict[str, Any], key: str, errors: dict[str, list[str]]) -> None:
    if item["country"] != "BR":
        return
    if item["postal_code"]:
        cep = validators.format_cep(item["postal_code"])
        if cep is None:
            errors[f"{key}.postal_code"] = [_("Enter a CEP with 8 digits, e.g. 01310-100.")]
        else:
            item["postal_code"] = cep
    if item["state"]:
        if validators.is_valid_uf(item["state"]):
            item["state"] = item["state"].upper()
        else:
            errors[f"{key}.state"] = [_("Enter a Brazilian state code, e.g. SP or RJ.")]


def clean_address(
    raw: Any, key: str, default_country: str, errors: dict[str, list[str]]
) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        errors[key] = [_("Enter an address.")]
        return None
    item = {name: raw.get(name) or "" for name, _size in ADDRESS_TEXT}
    item.update(kind=raw.get("kind") or "main", country=raw.get("country") or default_country)
    before = len(errors)
    for name, size in ADDRESS_TEXT:
        text_field(item, name, errors, required=False, max_length=size, key=f"{key}.{name}")
    choice_field(item, "kind", errors, ADDRESS_KINDS, blank=False, key=f"{key}.kind")
    country_field(item, errors, key=f"{key}.country")
    if len(errors) > before:
        return None
    if not (item["street"] or item["city"] or item["postal_code"]):
        errors[key] = [_("Enter at least a street, a city or a postal code.")]
        return None
    _address_postal(item, key, errors)
    return item


def clean_addresses(
    raw: Any, default_country: str, errors: dict[str, list[str]]
) -> list[dict[str, Any]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or len(raw) > MAX_ADDRESSES:
        errors["addresses"] = [_("Enter a list of at most %(n)d addresses.") % {"n": MAX_ADDRESSES}]
        return None
    cleaned = [
        clean_address(item, f"addresses.{i}", default_country, errors) for i, item in enumerate(raw)
    ]
    return [item for item in cleaned if item is not None]


def address_text(address: Address) -> str:
    """One line a person can read in the audit log: ``Main: Rua X, 100, São Paulo, SP…``."""
    parts = [
        address.street,
        address.complement,
        address.district,
        address.city,
        address.state,
        address.postal_code,
        address.country,
    ]
    return f"{address.get_kind_display()}: " + ", ".join(p for p in parts if p)


NESTED_FIELDS = ("emails", "phones", "addresses", "tags")


def clean_nested(
    raw: dict[str, Any], region: str, errors: dict[str, list[str]], *, address_country: str
) -> Nested:
    """The nested parts of a create or update; absent keys stay None (left unchanged)."""
    from clientela.customers.services.tags import clean_tag_names

    return Nested(
        emails=clean_points(raw.get("emails"), "email", region, errors),
        phones=clean_points(raw.get("phones"), "phone", region, errors),
        addresses=clean_addresses(raw.get("addresses"), address_country, errors),
        tags=clean_tag_names(raw["tags"], errors) if raw.get("tags") is not None else None,
    )
