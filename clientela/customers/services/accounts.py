"""Writes on accounts: every field cleaned, then the record with its points, addresses and tags."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from clientela.customers.models import (
    Account,
    AccountKind,
    Industry,
    Lifecycle,
    Relationship,
    SizeBand,
)
from clientela.customers.services.common import (
    NESTED_FIELDS,
    Nested,
    account_tax_id,
    choice_field,
    clean_nested,
    contact_points,
    country_field,
    external_id_free,
    text_field,
    website_field,
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

KEY = "customers.account"
ACCOUNT_FIELDS = (
    "name",
    "kind",
    "tax_id",
    "country",
    "industry",
    "size_band",
    "phone",
    "email",
    "website",
    "lifecycle",
    "relationship",
    "parent",
    "description",
    "external_id",
    "owner",
    "team",
    "custom",
)
TEXTS = (
    ("tax_id", 32),
    ("phone", 40),
    ("email", 254),
    ("website", 200),
    ("description", 10_000),
    ("external_id", 100),
)
CHOICES = (
    ("kind", AccountKind.choices, False),
    ("industry", Industry.choices, True),
    ("size_band", SizeBand.choices, True),
    ("lifecycle", Lifecycle.choices, False),
    ("relationship", Relationship.choices, False),
)
MAX_DEPTH = 100


def _is_cycle(account_pk: int, parent: Account) -> bool:
    """Whether ``account`` would become its own ancestor under ``parent``."""
    current: int | None = parent.pk
    for _level in range(MAX_DEPTH):
        if current is None:
            return False
        if current == account_pk:
            return True
        current = Account.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return True  # deeper than any real group of companies: refuse rather than loop


def _clean_parent(
    actor: User | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    account: Account | None,
) -> None:
    if "parent" not in values:
        return
    parent = values["parent"]
    if parent in (None, ""):
        values["parent"] = None
        return
    if isinstance(parent, Account):
        parent = parent.pk
    if account is not None and str(parent) == str(account.parent_id):
        values.pop("parent")  # unchanged, even if the parent is hidden from the actor
        return
    queryset = Account.objects.all()
    try:
        found = (
            permissions.get_visible(actor, queryset, parent) if actor else queryset.get(pk=parent)
        )
    except (NotFound, Account.DoesNotExist, ValueError, TypeError):
        errors["parent"] = [_("Unknown account.")]
        return
    if account is not None and _is_cycle(account.pk, found):
        errors["parent"] = [_("An account cannot be its own parent or belong to its own group.")]
        return
    values["parent"] = found


def _clean_fields(values: dict[str, Any], errors: dict[str, list[str]], *, creating: bool) -> None:
    text_field(values, "name", errors, required=creating or "name" in values, max_length=200)
    for name, size in TEXTS:
        text_field(values, name, errors, required=False, max_length=size)
    for name, choices, blank in CHOICES:
        choice_field(values, name, errors, choices, blank=blank)
    website_field(values, errors)


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = {k: v for k, v in values.items() if k in ACCOUNT_FIELDS}
    return plain, {k: values[k] for k in NESTED_FIELDS if k in values}


def clean_account(
    values: dict[str, Any],
    *,
    creating: bool,
    actor: User | None = None,
    account: Account | None = None,
) -> dict[str, Any]:
    """The plain fields, cleaned (nested parts are dropped: see ``account_create``)."""
    return _clean(values, creating=creating, actor=actor, account=account)[0]


def _clean(
    values: dict[str, Any], *, creating: bool, actor: User | None, account: Account | None
) -> tuple[dict[str, Any], Nested]:
    values, raw = _split(values)
    errors: dict[str, list[str]] = {}
    _clean_fields(values, errors, creating=creating)
    if "country" in values or account is None:
        country = country_field(values, errors)
    else:
        country = account.country
    if account is not None and "country" in values and "tax_id" not in values:
        values["tax_id"] = account.tax_id  # a new country may change what a valid tax id is
    nested = clean_nested(raw, country, errors, address_country=country)
    contact_points(values, errors, country)
    account_tax_id(values, errors, country)
    _clean_parent(actor, values, errors, account)
    customfields.clean_into(actor, KEY, values, errors, creating=creating, region=country)
    if errors:
        raise ValidationFailed(errors=errors)
    primary_columns(values, nested)
    return values, nested


def account_create(*, actor: User, values: dict[str, Any]) -> Account:
    permissions.require(actor, KEY, "create")
    cleaned, nested = _clean(values, creating=True, actor=actor, account=None)
    external_id_free(Account, cleaned)
    return create_record(actor=actor, model=Account, values=cleaned, nested=nested, extra=None)


def account_update(*, actor: User, account_id: Any, values: dict[str, Any]) -> Account:
    account = permissions.get_for_action(actor, Account.objects.all(), account_id, "edit")
    cleaned, nested = _clean(values, creating=False, actor=actor, account=account)
    external_id_free(Account, cleaned, account.pk)
    return update_record(actor=actor, record=account, values=cleaned, nested=nested, extra=None)


def account_delete(*, actor: User, account_id: Any) -> None:
    account = permissions.get_for_action(actor, Account.objects.all(), account_id, "delete")
    delete_record(actor=actor, record=account)


def account_bulk(*, actor: User, mode: str, items: list[dict[str, Any]]) -> list[Account]:
    """Create or update many accounts atomically; a 422 lists each failing item's errors."""
    return bulk_by_mode(
        actor=actor,
        key=KEY,
        mode=mode,
        items=items,
        create=lambda values: account_create(actor=actor, values=values),
        update=lambda pk, values: account_update(actor=actor, account_id=pk, values=values),
    )
