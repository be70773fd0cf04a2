"""API for activities: CRUD, bulk writes, a filtered keyset list, completing, iCalendar export."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.activities import ics, selectors, services
from clientela.activities.schemas import (
    ActivityBulkIn,
    ActivityBulkOut,
    ActivityIn,
    ActivityOut,
    ActivityPage,
    ActivityPatch,
    CompleteIn,
    Kind,
    RecordId,
)
from clientela.activities.schemas import Status as StatusValue
from clientela.platform.api import PageParams
from clientela.platform.errors import ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate

router = Router(tags=["activities"])
REFERENCES = {f"{n}_id": n for n in ("owner", "team", "account", "contact", "lead")}
MAX_RANGE = timedelta(days=366)
ICS_RESPONSE = {
    "responses": {
        200: {
            "description": "An iCalendar (RFC 5545) file",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}


class ActivityQuery(PageParams):
    kind: Kind | None = None
    status: StatusValue | None = None
    owner_id: RecordId | None = None
    account_id: RecordId | None = None
    contact_id: RecordId | None = None
    lead_id: RecordId | None = None
    due_from: datetime | None = Field(default=None, description="Due at or after")
    due_to: datetime | None = Field(default=None, description="Due before")
    q: str = Field(default="", max_length=200, description="Words in the subject or outcome")


class RangeQuery(Schema):
    start: datetime
    end: datetime


def _aware(moment: datetime) -> datetime:
    """A bare date or time in a query means the caller's zone (UTC for tokens)."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _values(payload: Any, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    return {REFERENCES.get(k, k): v for k, v in data.items()}


@router.get(
    "/activities/calendar.ics",
    summary="Activities in a date range as iCalendar",
    openapi_extra=ICS_RESPONSE,
)
def export_calendar(request: AuthedRequest, params: Query[RangeQuery]) -> HttpResponse:
    start, end = _aware(params.start), _aware(params.end)
    if not timedelta(0) < end - start <= MAX_RANGE:
        raise ValidationFailed(
            errors={"end": [_("Choose an end after the start, at most a year later.")]}
        )
    rows = selectors.activity_list(
        request.user, selectors.ActivityFilters(due_from=start, due_to=end)
    ).order_by("due_at", "id")
    body = ics.calendar(
        rows, name=_("Clientela activities"), base_url=request.build_absolute_uri("/")
    )
    return ics.response(body, filename="activities.ics")


@router.get("/activities", response=ActivityPage, summary="Activities, filtered, newest due first")
def list_activities(request: AuthedRequest, params: Query[ActivityQuery]):
    filters = selectors.ActivityFilters(
        **params.dict(exclude={"cursor", "limit", "q"}, exclude_none=True), query=params.q
    )
    return paginate(
        selectors.activity_list(request.user, filters),
        ordering=("-sort_at", "-id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post("/activities", response={201: ActivityOut}, summary="Create an activity")
def create_activity(request: AuthedRequest, payload: ActivityIn):
    activity = services.activity_create(actor=request.user, values=_values(payload, partial=False))
    return Status(201, activity)


@router.post(
    "/activities/bulk",
    response={200: ActivityBulkOut, 201: ActivityBulkOut},
    summary="Create or update many activities (all or none)",
)
def bulk_activities_write(request: AuthedRequest, payload: ActivityBulkIn):
    """Up to 500 items; any bad one answers 422 with errors keyed ``items.<n>.<field>``."""
    items = [_values(item, partial=True) for item in payload.items]
    done = services.activity_bulk(actor=request.user, mode=payload.mode, items=items)
    return Status(201 if payload.mode == "create" else 200, {"count": len(done), "items": done})


@router.get("/activities/{activity_id}", response=ActivityOut, summary="One activity")
def get_activity(request: AuthedRequest, activity_id: int):
    return selectors.activity_get(request.user, activity_id)


@router.patch("/activities/{activity_id}", response=ActivityOut, summary="Change an activity")
def patch_activity(request: AuthedRequest, activity_id: int, payload: ActivityPatch):
    return services.activity_update(
        actor=request.user, activity_id=activity_id, values=_values(payload, partial=True)
    )


@router.delete("/activities/{activity_id}", response={204: None}, summary="Delete an activity")
def delete_activity(request: AuthedRequest, activity_id: int):
    services.activity_delete(actor=request.user, activity_id=activity_id)
    return Status(204, None)


@router.post(
    "/activities/{activity_id}/complete", response=ActivityOut, summary="Mark an activity done"
)
def complete_activity(request: AuthedRequest, activity_id: int, payload: CompleteIn):
    return services.activity_complete(
        actor=request.user,
        activity_id=activity_id,
        outcome=payload.outcome,
        duration_minutes=payload.duration_minutes,
    )


@router.get(
    "/activities/{activity_id}/ics", summary="One activity as iCalendar", openapi_extra=ICS_RESPONSE
)
def activity_ics(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, activity_id)
    body = ics.calendar([activity], name=activity.subject, base_url=request.build_absolute_uri("/"))
    return ics.response(body, filename=f"activity-{activity.pk}.ics")
