"""API shapes for the platform's resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


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
