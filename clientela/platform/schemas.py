"""API shapes for the platform's resources."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from clientela.platform import customfields
from clientela.platform.services.customfields import field_usage


class RoleRef(Schema):
    id: int
    name: str
    slug: str


class TeamRef(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    is_administrator: bool
    role: RoleRef | None
    teams: list[TeamRef]
    language: str
    time_zone: str

    @staticmethod
    def resolve_teams(obj: Any) -> list[Any]:
        return list(obj.teams.all())


class PreferencesIn(Schema):
    language: str | None = Field(default=None, max_length=10)
    time_zone: str | None = Field(default=None, max_length=64)


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class TeamOut(Schema):
    id: int
    name: str
    description: str
    manager_id: int | None
    member_count: int

    @staticmethod
    def resolve_member_count(obj: Any) -> int:
        return int(getattr(obj, "member_count", obj.members.count()))


class TeamIn(Schema):
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=5000)
    manager_id: int | None = None


class TeamPatch(Schema):
    name: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=5000)
    manager_id: int | None = None


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


class PermissionOut(Schema):
    object_type: str
    can_view: bool
    can_create: bool
    can_edit: bool
    can_delete: bool
    can_export: bool
    scope: str


class RoleOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    is_builtin: bool
    is_admin: bool


class RoleDetail(RoleOut):
    permissions: list[PermissionOut]

    @staticmethod
    def resolve_permissions(obj: Any) -> list[Any]:
        return list(obj.permissions.all())


class RolePage(Schema):
    items: list[RoleOut]
    next_cursor: str | None


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor_id: int | None
    actor_label: str
    channel: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    hash: str


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next_cursor: str | None


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


# --- custom field definitions -----------------------------------------------------------------

FIELD_TYPES = (
    "text, long_text, integer, decimal, currency, date, datetime, boolean, choice, "
    "multi_choice, email, phone, url or lookup"
)


class CustomFieldChoiceIn(Schema):
    value: str = Field(max_length=100, description="Stored and answered by the API; no `;`.")
    label: str = Field(
        default="", max_length=100, description="Shown to people; the value if empty."
    )


class CustomFieldChoiceOut(Schema):
    value: str
    label: str


class CustomFieldOut(Schema):
    id: int
    object_type: str = Field(description="The record type, e.g. customers.contact.")
    key: str = Field(description="The key in records' `custom` object (and `cf_<key>` in lists).")
    label: str
    field_type: str = Field(description=FIELD_TYPES)
    required: bool
    default: Any = Field(description="Filled in on create when the field is not given.")
    help_text: str
    group: str
    position: int
    choices: list[CustomFieldChoiceOut]
    min_value: str | None = Field(description="A decimal number as a string.")
    max_value: str | None = Field(description="A decimal number as a string.")
    max_length: int | None
    pattern: str
    currency: str
    target: str = Field(description="For lookups: the linked record type, e.g. customers.account.")
    filterable: bool = Field(description="Lists filter and sort on it (through an index).")
    searchable: bool
    index_state: str = Field(description="none, building or ready.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_default(obj: Any) -> Any:
        return customfields.api_value(customfields.Definition.of(obj), obj.default)

    @staticmethod
    def resolve_min_value(obj: Any) -> str | None:
        return _plain(obj.min_value)

    @staticmethod
    def resolve_max_value(obj: Any) -> str | None:
        return _plain(obj.max_value)


def _plain(number: Decimal | None) -> str | None:
    """10.0000 (as the column holds it) answered as 10."""
    return format(number.normalize(), "f") if number is not None else None


class CustomFieldDetailOut(CustomFieldOut):
    records_with_value: int = Field(description="Records holding a value for the field.")

    @staticmethod
    def resolve_records_with_value(obj: Any) -> int:
        return field_usage(obj)


class CustomFieldPage(Schema):
    items: list[CustomFieldOut]
    next_cursor: str | None


class CustomFieldPatch(Schema):
    """What may change on a field; its key and type stay (see change-type)."""

    label: str | None = Field(default=None, max_length=120)
    required: bool | None = Field(default=None, description="Records must have a value.")
    default: Any = Field(default=None, description="A value of the field's type; null for none.")
    help_text: str | None = Field(default=None, max_length=300)
    group: str | None = Field(default=None, max_length=80)
    position: int | None = Field(default=None, ge=0, le=10_000)
    choices: list[CustomFieldChoiceIn] | None = Field(
        default=None, max_length=200, description="Choice types: the options (replaces)."
    )
    min_value: Decimal | None = Field(default=None, description="Number types.")
    max_value: Decimal | None = Field(default=None, description="Number types.")
    max_length: int | None = Field(default=None, ge=1, le=10_000, description="Text types.")
    pattern: str | None = Field(
        default=None, max_length=200, description="Text types: a regular expression to match."
    )
    currency: str | None = Field(
        default=None, max_length=10, description="Currency fields: a code, e.g. BRL."
    )
    filterable: bool | None = Field(
        default=None, description="Lists filter and sort on it (an index is built)."
    )
    searchable: bool | None = Field(default=None, description="Search finds records by it.")


class CustomFieldIn(CustomFieldPatch):
    object_type: str = Field(max_length=80, description="The record type, e.g. customers.contact.")
    key: str = Field(
        max_length=40, description="Lower-case letters, digits and `_`, starting with a letter."
    )
    label: str = Field(max_length=120)  # type: ignore[assignment]
    field_type: str = Field(max_length=20, description=FIELD_TYPES)
    target: str | None = Field(
        default=None, max_length=80, description="Lookups: the linked record type."
    )


class CustomFieldTypeIn(CustomFieldPatch):
    field_type: str = Field(max_length=20, description=FIELD_TYPES)
    target: str | None = Field(
        default=None, max_length=80, description="Lookups: the linked record type."
    )


class CustomFieldDeleted(Schema):
    values_removed: int = Field(description="Records whose value for the field was removed.")
