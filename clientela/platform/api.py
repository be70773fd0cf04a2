"""API for the platform: me, users, teams, roles, audit entries, notifications."""

from __future__ import annotations

from datetime import datetime

from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform import selectors
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.platform.schemas import (
    AuditPage,
    NotificationOut,
    NotificationPage,
    PreferencesIn,
    RoleDetail,
    RolePage,
    TeamIn,
    TeamOut,
    TeamPage,
    TeamPatch,
    UserOut,
    UserPage,
)
from clientela.platform.services import notifications, users

router = Router(tags=["platform"])


class PageParams(Schema):
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=50, ge=1, le=200)


class AuditFilters(PageParams):
    object_type: str = Field(default="", max_length=80)
    object_id: str = Field(default="", max_length=64)
    actor_id: int | None = None
    channel: str = Field(default="", max_length=16)
    action: str = Field(default="", max_length=16)
    since: datetime | None = None
    until: datetime | None = None


@router.get("/me", response=UserOut, summary="The signed-in user")
def get_me(request: AuthedRequest):
    return selectors.me(request.user)


@router.patch("/me", response=UserOut, summary="Change my language or time zone")
def patch_me(request: AuthedRequest, payload: PreferencesIn):
    users.preferences_update(actor=request.user, **payload.dict(exclude_unset=True))
    return selectors.me(request.user)


@router.get("/users", response=UserPage, summary="Users")
def list_users(request: AuthedRequest, params: Query[PageParams]):
    return paginate(
        selectors.user_list(request.user),
        ordering=("id",),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.get("/users/{user_id}", response=UserOut, summary="One user")
def get_user(request: AuthedRequest, user_id: int):
    return selectors.user_get(request.user, user_id)


@router.get("/teams", response=TeamPage, summary="Teams")
def list_teams(request: AuthedRequest, params: Query[PageParams]):
    return paginate(
        selectors.team_list(request.user),
        ordering=("name", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post("/teams", response={201: TeamOut}, summary="Create a team")
def create_team(request: AuthedRequest, payload: TeamIn):
    data = payload.dict()
    data["manager"] = data.pop("manager_id")
    team = users.team_create(actor=request.user, data=data)
    return Status(201, selectors.team_get(request.user, team.pk))


@router.get("/teams/{team_id}", response=TeamOut, summary="One team")
def get_team(request: AuthedRequest, team_id: int):
    return selectors.team_get(request.user, team_id)


@router.patch("/teams/{team_id}", response=TeamOut, summary="Change a team")
def patch_team(request: AuthedRequest, team_id: int, payload: TeamPatch):
    data = payload.dict(exclude_unset=True)
    if "manager_id" in data:
        data["manager"] = data.pop("manager_id")
    users.team_update(actor=request.user, team_id=team_id, data=data)
    return selectors.team_get(request.user, team_id)


@router.delete("/teams/{team_id}", response={204: None}, summary="Delete a team")
def delete_team(request: AuthedRequest, team_id: int):
    users.team_delete(actor=request.user, team_id=team_id)
    return Status(204, None)


@router.get("/roles", response=RolePage, summary="Roles")
def list_roles(request: AuthedRequest, params: Query[PageParams]):
    return paginate(
        selectors.role_list(request.user),
        ordering=("name", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.get("/roles/{role_id}", response=RoleDetail, summary="One role with its permissions")
def get_role(request: AuthedRequest, role_id: int):
    return selectors.role_get(request.user, role_id)


@router.get("/audit", response=AuditPage, summary="Audit entries (administrators)")
def list_audit(request: AuthedRequest, params: Query[AuditFilters]):
    filters = params.dict(exclude={"cursor", "limit"})
    return paginate(
        selectors.audit_list(request.user, **filters),
        ordering=("-seq",),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.get("/notifications", response=NotificationPage, summary="My notifications")
def list_notifications(
    request: AuthedRequest, params: Query[PageParams], unread_only: bool = False
):
    page = paginate(
        selectors.notification_list(request.user, unread_only=unread_only),
        ordering=("-id",),
        cursor=params.cursor,
        limit=params.limit,
    )
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "unread": selectors.unread_count(request.user),
    }


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationOut,
    summary="Mark a notification read",
)
def read_notification(request: AuthedRequest, notification_id: int):
    return notifications.notification_mark_read(actor=request.user, notification_id=notification_id)
