"""API shapes for accounts and contacts.

``AccountOut``/``ContactOut`` are the flat records (lists return them; prefetch ``tags`` there).
The single-record endpoints answer with the ``…DetailOut`` shapes, which add the e-mails, phones
and addresses (and a contact's accounts with roles). ``emails``/``phones`` list the primary one
first; sending them on create or update replaces the whole list.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from clientela.customers.models import AccountKind, Industry, Lifecycle, Relationship, SizeBand
from clientela.customers.selectors import record_points
from clientela.platform import customfields
from clientela.platform.api_customfields import CUSTOM_IN, CUSTOM_OUT, describe_record_schemas


def _options(choices: Any) -> str:
    return "One of: " + ", ".join(f"`{value}`" for value in choices.values) + "."


def _names(obj: Any) -> list[str]:
    """Tag names, from the prefetch cache when the caller prefetched ``tags``."""
    return sorted((t.name for t in obj.tags.all()), key=str.casefold)


class PointIn(Schema):
    value: str = Field(max_length=254, description="An e-mail address or a phone number.")
    label: str = Field(default="", max_length=40, description="E.g. work, home, mobile.")


class PointOut(Schema):
    value: str
    label: str
    primary: bool


class AddressIn(Schema):
    kind: str = Field(default="main", description="main, billing, shipping, home or work.")
    street: str = Field(default="", max_length=200, description="Street and number.")
    complement: str = Field(default="", max_length=100)
    district: str = Field(default="", max_length=100)
    city: str = Field(default="", max_length=100)
    state: str = Field(default="", max_length=60, description="For Brazil a UF code (SP, RJ…).")
    postal_code: str = Field(
        default="", max_length=20, description="For Brazil a CEP of 8 digits, kept as 12345-678."
    )
    country: str | None = Field(
        default=None, max_length=2, description="Two letters; the record's country when omitted."
    )


class AddressOut(Schema):
    id: int
    kind: str
    street: str
    complement: str
    district: str
    city: str
    state: str
    postal_code: str
    country: str


# --- accounts -------------------------------------------------------------------------------


class AccountOut(Schema):
    id: int
    name: str
    kind: str
    tax_id: str
    country: str
    industry: str
    size_band: str
    phone: str
    email: str
    website: str
    lifecycle: str
    relationship: str
    parent_id: int | None
    description: str
    external_id: str
    tags: list[str]
    owner_id: int
    team_id: int | None
    created_at: datetime
    updated_at: datetime
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return _names(obj)

    @staticmethod
    def resolve_custom(obj: Any) -> dict[str, Any]:
        return customfields.values_of(obj, "customers.account")


class ReachOut(Schema):
    """The e-mails, phones and addresses every detailed customer record answers with."""

    emails: list[PointOut]
    phones: list[PointOut]
    addresses: list[AddressOut]

    @staticmethod
    def resolve_emails(obj: Any) -> list[dict[str, Any]]:
        return record_points(obj, "email")

    @staticmethod
    def resolve_phones(obj: Any) -> list[dict[str, Any]]:
        return record_points(obj, "phone")

    @staticmethod
    def resolve_addresses(obj: Any) -> list[Any]:
        return list(obj.addresses.all())


class AccountDetailOut(AccountOut, ReachOut):
    pass


class AccountPatch(Schema):
    name: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, description=_options(AccountKind))
    tax_id: str | None = Field(
        default=None, max_length=32, description="CNPJ or CPF (checked) for BR; free-form else."
    )
    country: str | None = Field(default=None, max_length=2, description="Two letters, e.g. BR.")
    industry: str | None = Field(default=None, description=_options(Industry))
    size_band: str | None = Field(default=None, description=_options(SizeBand))
    phone: str | None = Field(default=None, max_length=40, description="Primary phone.")
    email: str | None = Field(default=None, max_length=254, description="Primary e-mail.")
    website: str | None = Field(default=None, max_length=200)
    lifecycle: str | None = Field(default=None, description=_options(Lifecycle))
    relationship: str | None = Field(default=None, description=_options(Relationship))
    parent_id: int | None = Field(default=None, description="Parent account (no cycles).")
    description: str | None = Field(default=None, max_length=10_000)
    external_id: str | None = Field(
        default=None, max_length=100, description="Your system's id; unique when set."
    )
    owner_id: int | None = None
    team_id: int | None = None
    emails: list[PointIn | str] | None = Field(
        default=None, max_length=20, description="All e-mails, the primary first (replaces)."
    )
    phones: list[PointIn | str] | None = Field(
        default=None, max_length=20, description="All phones, the primary first (replaces)."
    )
    addresses: list[AddressIn] | None = Field(
        default=None, max_length=10, description="All addresses (replaces)."
    )
    tags: list[str] | None = Field(
        default=None, max_length=20, description="Tag names, created on first use (replaces)."
    )
    custom: dict[str, Any] | None = Field(default=None, description=CUSTOM_IN)


class AccountIn(AccountPatch):
    name: str = Field(max_length=200)  # type: ignore[assignment]


class AccountPage(Schema):
    items: list[AccountOut]
    next_cursor: str | None


class AccountBulkItem(AccountPatch):
    id: int | None = Field(default=None, description="Required when mode is update.")


class AccountBulkIn(Schema):
    mode: Literal["create", "update"]
    items: list[AccountBulkItem] = Field(max_length=500)


class AccountBulkOut(Schema):
    count: int
    items: list[AccountOut]


# --- contacts -------------------------------------------------------------------------------


class MembershipIn(Schema):
    account_id: int
    role: str = Field(default="employee", description="E.g. decision_maker, buyer, billing.")


class MembershipOut(Schema):
    account_id: int
    account_name: str
    role: str
    primary: bool


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    tax_id: str
    job_title: str
    account_id: int | None
    language: str
    preferred_channel: str
    birthday: date | None
    age_band: str
    gender: str
    income_band: str
    education: str
    do_not_contact: bool
    description: str
    external_id: str
    tags: list[str]
    owner_id: int
    team_id: int | None
    created_at: datetime
    updated_at: datetime
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return _names(obj)

    @staticmethod
    def resolve_custom(obj: Any) -> dict[str, Any]:
        return customfields.values_of(obj, "customers.contact")


class ContactDetailOut(ContactOut, ReachOut):
    accounts: list[MembershipOut]

    @staticmethod
    def resolve_accounts(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "account_id": m.account_id,
                "account_name": m.account.name,
                "role": m.role,
                "primary": m.account_id == obj.account_id,
            }
            for m in obj.memberships.select_related("account").order_by("account__name")
        ]


class ContactPatch(Schema):
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254, description="Primary e-mail.")
    phone: str | None = Field(default=None, max_length=40, description="Primary phone.")
    tax_id: str | None = Field(default=None, max_length=32, description="CPF (checked).")
    job_title: str | None = Field(default=None, max_length=120)
    account_id: int | None = Field(
        default=None, description="Primary account; also added to `accounts` when missing."
    )
    language: str | None = Field(default=None, max_length=10, description="en or pt-br.")
    preferred_channel: str | None = Field(
        default=None, description="email, phone, sms, whatsapp, post or in_person."
    )
    birthday: date | None = Field(default=None, description="Not in the future.")
    age_band: str | None = Field(default=None, description="18-24, 25-34, …, 65+.")
    gender: str | None = Field(default=None, description="female, male, other, undisclosed.")
    income_band: str | None = Field(
        default=None, description="low, lower_middle, middle, upper_middle or high."
    )
    education: str | None = Field(
        default=None, description="primary, secondary, technical, bachelor or postgraduate."
    )
    do_not_contact: bool | None = None
    description: str | None = Field(default=None, max_length=10_000)
    external_id: str | None = Field(
        default=None, max_length=100, description="Your system's id; unique when set."
    )
    owner_id: int | None = None
    team_id: int | None = None
    emails: list[PointIn | str] | None = Field(
        default=None, max_length=20, description="All e-mails, the primary first (replaces)."
    )
    phones: list[PointIn | str] | None = Field(
        default=None, max_length=20, description="All phones, the primary first (replaces)."
    )
    addresses: list[AddressIn] | None = Field(
        default=None, max_length=10, description="All addresses (replaces)."
    )
    tags: list[str] | None = Field(
        default=None, max_length=20, description="Tag names, created on first use (replaces)."
    )
    accounts: list[MembershipIn] | None = Field(
        default=None, max_length=50, description="Accounts with a role each (replaces)."
    )
    custom: dict[str, Any] | None = Field(default=None, description=CUSTOM_IN)


class ContactIn(ContactPatch):
    first_name: str = Field(max_length=100)  # type: ignore[assignment]


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactBulkItem(ContactPatch):
    id: int | None = Field(default=None, description="Required when mode is update.")


class ContactBulkIn(Schema):
    mode: Literal["create", "update"]
    items: list[ContactBulkItem] = Field(max_length=500)


class ContactBulkOut(Schema):
    count: int
    items: list[ContactOut]


# The OpenAPI document lists each record type's custom fields in these schemas' ``custom``.
describe_record_schemas(
    "customers.account",
    name="Account",
    out=(AccountOut, AccountDetailOut),
    create=(AccountIn,),
    update=(AccountPatch, AccountBulkItem),
)
describe_record_schemas(
    "customers.contact",
    name="Contact",
    out=(ContactOut, ContactDetailOut),
    create=(ContactIn,),
    update=(ContactPatch, ContactBulkItem),
)
