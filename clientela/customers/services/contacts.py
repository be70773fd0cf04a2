"""Writes on contacts: every field cleaned, then the person with points, addresses, accounts, tags.

A contact belongs to any number of accounts, each with a role (``AccountContact``). ``account``
is the primary one, always among the memberships: setting it adds the membership when missing,
and replacing the memberships keeps it only while it is still listed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from clientela.customers import validators
from clientela.customers.models import (
    Account,
    AccountContact,
    AccountRole,
    AgeBand,
    Contact,
    Education,
    Gender,
    IncomeBand,
    PreferredChannel,
)
from clientela.customers.services.common import (
    NESTED_FIELDS,
    Nested,
    birthday_field,
    bool_field,
    choice_field,
    clean_nested,
    contact_points,
    external_id_free,
    text_field,
)
from clientela.customers.services.nested import (
    bulk_by_mode,
    create_record,
    delete_record,
    primary_columns,
    update_record,
)
from clientela.platform import customfields, permissions
from clientela.platform.errors import NotFound, ValidationFailed
from clientela.platform.models import User

KEY = "customers.contact"
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "tax_id",
    "job_title",
    "account",
    "language",
    "preferred_channel",
    "birthday",
    "age_band",
    "gender",
    "income_band",
    "education",
    "do_not_contact",
    "description",
    "external_id",
    "owner",
    "team",
    "custom",
)
TEXTS = (
    ("last_name", 100),
    ("email", 254),
    ("phone", 40),
    ("tax_id", 32),
    ("job_title", 120),
    ("description", 10_000),
    ("external_id", 100),
)
CHOICES = (
    ("language", settings.LANGUAGES),
    ("preferred_channel", PreferredChannel.choices),
    ("age_band", AgeBand.choices),
    ("gender", Gender.choices),
    ("income_band", IncomeBand.choices),
    ("education", Education.choices),
)
MAX_ACCOUNTS = 50


def _same(value: Any, current_id: int | None) -> bool:
    value = value.pk if isinstance(value, Account) else value
    return current_id is not None and str(value) == str(current_id)


def _account(actor: User | None, value: Any) -> Account | None:
    if isinstance(value, Account):
        value = value.pk
    queryset = Account.objects.all()
    try:
        return permissions.get_visible(actor, queryset, value) if actor else queryset.get(pk=value)
    except (NotFound, Account.DoesNotExist, ValueError, TypeError):
        return None


def _clean_primary(
    actor: User | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    contact: Contact | None,
) -> None:
    if contact is not None and _same(values.get("account"), contact.account_id):
        values["account"] = contact.account  # unchanged, even if hidden from the actor
    elif values.get("account") not in (None, ""):
        account = _account(actor, values["account"])
        if account is None:
            errors["account"] = [_("Unknown account.")]
        values["account"] = account
    elif "account" in values:
        values["account"] = None


def _membership(
    actor: User | None, item: Any, key: str, errors: dict[str, list[str]]
) -> tuple[Account, str] | None:
    if not isinstance(item, dict):
        errors[key] = [_("Enter an account and a role.")]
        return None
    account = _account(actor, item.get("account_id") or item.get("account"))
    role = item.get("role") or "employee"
    if account is None:
        errors[f"{key}.account_id"] = [_("Unknown account.")]
    elif role not in AccountRole.values:
        errors[f"{key}.role"] = [_("Choose a role from the list.")]
    else:
        return account, role
    return None


def clean_memberships(
    actor: User | None, raw: Any, errors: dict[str, list[str]]
) -> list[tuple[Account, str]] | None:
    """``accounts: [{account_id, role}]``: visible accounts, each once, known roles."""
    if raw is None:
        return None
    if not isinstance(raw, list | tuple) or len(raw) > MAX_ACCOUNTS:
        errors["accounts"] = [_("Enter a list of at most %(n)d accounts.") % {"n": MAX_ACCOUNTS}]
        return None
    result: list[tuple[Account, str]] = []
    for index, item in enumerate(raw):
        found = _membership(actor, item, f"accounts.{index}", errors)
        if found is not None and any(a.pk == found[0].pk for a, _role in result):
            errors[f"accounts.{index}.account_id"] = [_("This account is listed twice.")]
        elif found is not None:
            result.append(found)
    return result


def _region(values: dict[str, Any], raw: dict[str, Any], contact: Contact | None) -> str:
    """Where the person's phone numbers are read from: first address, account, else Brazil."""
    addresses = raw.get("addresses")
    if isinstance(addresses, list) and addresses and isinstance(addresses[0], dict):
        country = addresses[0].get("country")
        if isinstance(country, str) and len(country) == 2 and country.isalpha():
            return country.upper()
    account = values.get("account") if "account" in values else getattr(contact, "account", None)
    if isinstance(account, Account):
        return account.country
    return "BR"


def _clean_fields(values: dict[str, Any], errors: dict[str, list[str]], *, creating: bool) -> None:
    required = creating or "first_name" in values
    text_field(values, "first_name", errors, required=required, max_length=100)
    for name, size in TEXTS:
        text_field(values, name, errors, required=False, max_length=size)
    for name, choices in CHOICES:
        choice_field(values, name, errors, choices)
    bool_field(values, "do_not_contact", errors)
    birthday_field(values, errors)
    if values.get("tax_id"):
        if validators.is_valid_cpf(values["tax_id"]):
            values["tax_id"] = validators.format_cpf(values["tax_id"])
        else:
            errors["tax_id"] = [_("Enter a valid CPF.")]


def clean_contact(
    actor: User | None, values: dict[str, Any], *, creating: bool, contact: Contact | None = None
) -> dict[str, Any]:
    """The plain fields, cleaned (nested parts are dropped: see ``contact_create``)."""
    return _clean(actor, values, creating=creating, contact=contact)[0]


def _clean(
    actor: User | None, values: dict[str, Any], *, creating: bool, contact: Contact | None
) -> tuple[dict[str, Any], Nested]:
    raw = {k: values[k] for k in (*NESTED_FIELDS, "accounts") if k in values}
    values = {k: v for k, v in values.items() if k in CONTACT_FIELDS}
    errors: dict[str, list[str]] = {}
    _clean_fields(values, errors, creating=creating)
    _clean_primary(actor, values, errors, contact)
    region = _region(values, raw, contact)
    nested = clean_nested(raw, region, errors, address_country=region)
    nested.extra["accounts"] = clean_memberships(actor, raw.get("accounts"), errors)
    contact_points(values, errors, region)
    customfields.clean_into(actor, KEY, values, errors, creating=creating, region=region)
    if errors:
        raise ValidationFailed(errors=errors)
    primary_columns(values, nested)
    _primary_account(values, nested, contact)
    return values, nested


def _primary_account(values: dict[str, Any], nested: Nested, contact: Contact | None) -> None:
    """Keep ``account`` among the memberships (the first listed when the old one went)."""
    memberships = nested.extra["accounts"]
    if memberships is None:
        return
    listed = [a for a, _role in memberships]
    current = values["account"] if "account" in values else getattr(contact, "account", None)
    if current is not None and all(a.pk != current.pk for a in listed):
        if "account" in values:
            memberships.append((current, "employee"))
            return
        current = None
    if current is None:
        values["account"] = listed[0] if listed else None


def _write_memberships(actor: User, nested: Nested) -> Any:
    """Replace the memberships the actor can see; ties to accounts hidden from them stay."""
    memberships = nested.extra.get("accounts")

    def write(contact: Contact, fresh: bool) -> None:
        roles = {a.pk: role for a, role in memberships or []}
        if contact.account_id is not None:
            roles.setdefault(contact.account_id, "employee")
        if fresh:
            AccountContact.objects.bulk_create(
                AccountContact(contact=contact, account_id=pk, role=role)
                for pk, role in roles.items()
            )
            return
        if memberships is not None:
            visible = permissions.visible_to(actor, Account.objects.all()).values("pk")
            contact.memberships.filter(account__in=visible).exclude(account_id__in=roles).delete()
        current = dict(contact.memberships.values_list("account_id", "role"))
        for account_id, role in roles.items():
            if account_id not in current:
                AccountContact.objects.create(contact=contact, account_id=account_id, role=role)
            elif memberships is not None and current[account_id] != role:
                contact.memberships.filter(account_id=account_id).update(role=role)

    return write


def contact_create(*, actor: User, values: dict[str, Any]) -> Contact:
    permissions.require(actor, KEY, "create")
    cleaned, nested = _clean(actor, values, creating=True, contact=None)
    external_id_free(Contact, cleaned)
    write = _write_memberships(actor, nested)
    return create_record(actor=actor, model=Contact, values=cleaned, nested=nested, extra=write)


def contact_update(*, actor: User, contact_id: Any, values: dict[str, Any]) -> Contact:
    contact = permissions.get_for_action(
        actor, Contact.objects.select_related("account"), contact_id, "edit"
    )
    cleaned, nested = _clean(actor, values, creating=False, contact=contact)
    external_id_free(Contact, cleaned, contact.pk)
    write = _write_memberships(actor, nested)
    return update_record(actor=actor, record=contact, values=cleaned, nested=nested, extra=write)


def contact_delete(*, actor: User, contact_id: Any) -> None:
    contact = permissions.get_for_action(actor, Contact.objects.all(), contact_id, "delete")
    delete_record(actor=actor, record=contact)


def contact_bulk(*, actor: User, mode: str, items: list[dict[str, Any]]) -> list[Contact]:
    """Create or update many contacts atomically; a 422 lists each failing item's errors."""
    return bulk_by_mode(
        actor=actor,
        key=KEY,
        mode=mode,
        items=items,
        create=lambda values: contact_create(actor=actor, values=values),
        update=lambda pk, values: contact_update(actor=actor, contact_id=pk, values=values),
    )
