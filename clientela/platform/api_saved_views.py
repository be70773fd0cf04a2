"""API for saved list views: mine and the shared ones; only the owner changes or deletes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform.api import PageParams
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.platform.services import saved_views

router = Router(tags=["saved views"])


class SavedViewOut(Schema):
    id: int
    object_type: str
    name: str
    filters: dict[str, Any]
    columns: list[str]
    sort: str
    shared: bool
    user_id: int
    mine: bool
    created_at: datetime
    updated_at: datetime


class SavedViewPage(Schema):
    items: list[SavedViewOut]
    next_cursor: str | None


class SavedViewIn(Schema):
    object_type: str = Field(max_length=80, description="e.g. customers.contact")
    name: str = Field(max_length=100)
    filters: dict[str, str | list[str]] = Field(
        default_factory=dict, description="The list's query parameters (filters and q)."
    )
    columns: list[str] = Field(default_factory=list, max_length=50)
    sort: str = Field(default="", max_length=60)
    shared: bool = False


class SavedViewPatch(Schema):
    name: str | None = Field(default=None, max_length=100)
    filters: dict[str, str | list[str]] | None = None
    columns: list[str] | None = Field(default=None, max_length=50)
    sort: str | None = Field(default=None, max_length=60)
    shared: bool | None = None


class SavedViewFilters(PageParams):
    object_type: str = Field(default="", max_length=80)


def _out(request: AuthedRequest, view: Any) -> dict[str, Any]:
    data = {f: getattr(view, f) for f in SavedViewOut.model_fields if f != "mine"}
    data["mine"] = view.user_id == request.user.pk
    return data


@router.get("/saved-views", response=SavedViewPage, summary="Saved list views I can open")
def list_saved_views(request: AuthedRequest, params: Query[SavedViewFilters]):
    page = paginate(
        saved_views.saved_view_list(request.user, params.object_type),
        ordering=("name", "id"),
        cursor=params.cursor,
        limit=params.limit,
    )
    return {"items": [_out(request, v) for v in page.items], "next_cursor": page.next_cursor}


@router.post("/saved-views", response={201: SavedViewOut}, summary="Save a list view")
def create_saved_view(request: AuthedRequest, payload: SavedViewIn):
    values = payload.dict(exclude={"object_type"})
    view = saved_views.saved_view_create(
        actor=request.user, object_type=payload.object_type, values=values
    )
    return Status(201, _out(request, view))


@router.get("/saved-views/{view_id}", response=SavedViewOut, summary="One saved view")
def get_saved_view(request: AuthedRequest, view_id: int):
    return _out(request, saved_views.saved_view_get(request.user, view_id))


@router.patch("/saved-views/{view_id}", response=SavedViewOut, summary="Change my saved view")
def patch_saved_view(request: AuthedRequest, view_id: int, payload: SavedViewPatch):
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    view = saved_views.saved_view_update(actor=request.user, view_id=view_id, values=values)
    return _out(request, view)


@router.delete("/saved-views/{view_id}", response={204: None}, summary="Delete my saved view")
def delete_saved_view(request: AuthedRequest, view_id: int):
    saved_views.saved_view_delete(actor=request.user, view_id=view_id)
    return Status(204, None)
