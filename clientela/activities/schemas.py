"""API shapes for activities."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from clientela.platform import customfields
from clientela.platform.api_customfields import CUSTOM_IN, CUSTOM_OUT, describe_record_schemas

# a record id as the database stores it: larger numbers are refused (422), never looked up
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]

Kind = Literal["call", "meeting", "task", "email", "note", "sms"]
Status = Literal["planned", "done", "cancelled"]
DirectionIn = Literal["", "inbound", "outbound"]


class ActivityOut(Schema):
    id: int
    kind: str = Field(description="call, meeting, task, email, note or sms")
    subject: str
    body: str
    status: str = Field(description="planned, done or cancelled")
    direction: str = Field(description="inbound, outbound or empty")
    outcome: str
    due_at: datetime | None = Field(description="When it happens or is due (UTC)")
    duration_minutes: int | None
    location: str
    reminder_at: datetime | None = Field(description="When the owner gets a notification")
    reminded_at: datetime | None = Field(description="When the reminder was delivered")
    completed_at: datetime | None
    account_id: int | None
    contact_id: int | None
    lead_id: int | None
    link_type: str = Field(description="Record type of a later app, e.g. sales.opportunity")
    link_id: int | None
    owner_id: int
    team_id: int | None
    created_at: datetime
    updated_at: datetime
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)

    @staticmethod
    def resolve_custom(obj: Any) -> dict[str, Any]:
        return customfields.values_of(obj, "activities.activity")


class ActivityIn(Schema):
    kind: Kind
    subject: str = Field(max_length=200)
    body: str = Field(default="", max_length=20000)
    status: Status = "planned"
    direction: DirectionIn = ""
    outcome: str = Field(default="", max_length=200)
    due_at: datetime | None = Field(default=None, description="Required for meetings and tasks")
    duration_minutes: int | None = Field(default=None, description="1 to 1440")
    location: str = Field(default="", max_length=200)
    reminder_at: datetime | None = Field(default=None, description="Must come before due_at")
    completed_at: datetime | None = Field(
        default=None, description="When a done activity was done; now if not given"
    )
    account_id: RecordId | None = None
    contact_id: RecordId | None = None
    lead_id: RecordId | None = None
    link_type: str = Field(default="", max_length=40)
    link_id: RecordId | None = None
    owner_id: RecordId | None = None
    team_id: RecordId | None = None
    custom: dict[str, Any] | None = Field(default=None, description=CUSTOM_IN)


class ActivityPatch(Schema):
    kind: Kind | None = None
    subject: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, max_length=20000)
    status: Status | None = None
    direction: DirectionIn | None = None
    outcome: str | None = Field(default=None, max_length=200)
    due_at: datetime | None = None
    duration_minutes: int | None = None
    location: str | None = Field(default=None, max_length=200)
    reminder_at: datetime | None = None
    account_id: RecordId | None = None
    contact_id: RecordId | None = None
    lead_id: RecordId | None = None
    link_type: str | None = Field(default=None, max_length=40)
    link_id: RecordId | None = None
    owner_id: RecordId | None = None
    team_id: RecordId | None = None
    custom: dict[str, Any] | None = Field(default=None, description=CUSTOM_IN)


class CompleteIn(Schema):
    outcome: str = Field(default="", max_length=200)
    duration_minutes: int | None = Field(default=None, description="1 to 1440")


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityBulkItem(ActivityPatch):
    id: int | None = Field(default=None, description="Required when mode is update.")
    completed_at: datetime | None = Field(
        default=None, description="Create mode only: when a done activity was done"
    )


class ActivityBulkIn(Schema):
    mode: Literal["create", "update"]
    items: list[ActivityBulkItem] = Field(max_length=500)


class ActivityBulkOut(Schema):
    count: int
    items: list[ActivityOut]


# The OpenAPI document lists the activities' custom fields in these schemas' ``custom``.
describe_record_schemas(
    "activities.activity",
    name="Activity",
    out=(ActivityOut,),
    create=(ActivityIn,),
    update=(ActivityPatch, ActivityBulkItem),
)
