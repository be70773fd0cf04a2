"""API for webhooks (administrators): outbound endpoints and their deliveries, inbound endpoints.

A secret is in the answer of the creation and of the rotation only. Deliveries are posted as
``{"id", "event", "occurred_at", "data"}`` with ``X-Clientela-Signature: sha256=<hex>``, the
HMAC-SHA256 of ``<X-Clientela-Timestamp>.<raw body>`` keyed by the secret (decision 0006).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform import inbound, outbox
from clientela.platform.api import PageParams
from clientela.platform.http import AuthedRequest
from clientela.platform.models import InboundHook
from clientela.platform.pagination import paginate
from clientela.platform.services import inbound_hooks, webhooks

router = Router(tags=["webhooks"])

EVENTS_HELP = 'Event names (GET /webhooks/event-types), or ["*"] for every event.'


class WebhookIn(Schema):
    url: str = Field(max_length=500, description="http or https; never a link-local address")
    description: str = Field(default="", max_length=200)
    event_types: list[str] = Field(max_length=200, description=EVENTS_HELP)
    is_active: bool = True


class WebhookPatch(Schema):
    url: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=200)
    event_types: list[str] | None = Field(default=None, max_length=200, description=EVENTS_HELP)
    is_active: bool | None = Field(
        default=None, description="true switches it on again and clears its failure count"
    )


class WebhookOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    consecutive_failures: int = Field(description="Deliveries given up in a row")
    disabled_at: datetime | None
    disabled_reason: str = Field(description="'failures' when switched off automatically")
    created_at: datetime
    updated_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Shown this once: keep it to check the signatures")


class WebhookPage(Schema):
    items: list[WebhookOut]
    next_cursor: str | None


class SecretOut(Schema):
    secret: str = Field(description="The new secret, shown this once")


class EventTypeOut(Schema):
    name: str
    label: str


class DeliveryOut(Schema):
    id: UUID = Field(description="Also sent as X-Clientela-Delivery: de-duplicate on it")
    event: str
    status: str = Field(description="pending, retrying, succeeded or failed")
    attempts: int
    payload: dict[str, Any] = Field(description="The body posted")
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    response_status: int | None
    response_body: str = Field(description="The start of the receiver's answer")
    error: str
    duration_ms: int | None
    created_at: datetime


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


class DeliveryFilters(PageParams):
    status: Literal["", "pending", "retrying", "succeeded", "failed"] = ""


class InboundHookIn(Schema):
    kind: str = Field(max_length=40, description="What a post creates: lead or activity")
    description: str = Field(default="", max_length=200)
    owner_id: int = Field(description="The user records are created as")
    is_active: bool = True


class InboundHookPatch(Schema):
    kind: str | None = Field(default=None, max_length=40)
    description: str | None = Field(default=None, max_length=200)
    owner_id: int | None = None
    is_active: bool | None = None


class InboundHookOut(Schema):
    id: int
    public_id: str
    path: str = Field(description="Where to post: POST this path with a JSON object")
    kind: str
    description: str
    owner_id: int
    is_active: bool
    last_received_at: datetime | None
    received_count: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_path(obj: InboundHook) -> str:
        return reverse("inbound_hook", args=[obj.public_id])


class InboundHookCreatedOut(InboundHookOut):
    secret: str = Field(description="Shown this once: sign the posts with it")


class InboundHookPage(Schema):
    items: list[InboundHookOut]
    next_cursor: str | None


class InboundKindOut(Schema):
    key: str
    label: str
    object_type: str


def _with_secret(row: Any, secret: str) -> Any:
    row.secret = secret
    return row


def _hook_values(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    values = {k: v for k, v in data.items() if v is not None}
    if "owner_id" in values:
        values["owner"] = values.pop("owner_id")
    return values


# --- outbound ------------------------------------------------------------------------------


@router.get("/webhooks/event-types", response=list[EventTypeOut], summary="Webhook events")
def list_event_types(request: AuthedRequest):
    webhooks.require_admin(request.user, webhooks.KEY, "view")
    return [{"name": name, "label": str(label)} for name, label in outbox.event_types()]


@router.get("/webhooks", response=WebhookPage, summary="Outbound webhooks")
def list_webhooks(request: AuthedRequest, params: Query[PageParams]):
    return paginate(
        webhooks.endpoint_list(request.user),
        ordering=("id",),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post("/webhooks", response={201: WebhookCreatedOut}, summary="Register a webhook")
def create_webhook(request: AuthedRequest, payload: WebhookIn):
    """The answer holds the signing secret; it is never shown again (rotate to get a new one)."""
    endpoint, secret = webhooks.endpoint_create(actor=request.user, values=payload.dict())
    return Status(201, _with_secret(endpoint, secret))


@router.get("/webhooks/{webhook_id}", response=WebhookOut, summary="One outbound webhook")
def get_webhook(request: AuthedRequest, webhook_id: int):
    return webhooks.endpoint_get(request.user, webhook_id)


@router.patch("/webhooks/{webhook_id}", response=WebhookOut, summary="Change a webhook")
def patch_webhook(request: AuthedRequest, webhook_id: int, payload: WebhookPatch):
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return webhooks.endpoint_update(actor=request.user, pk=webhook_id, values=values)


@router.delete("/webhooks/{webhook_id}", response={204: None}, summary="Delete a webhook")
def delete_webhook(request: AuthedRequest, webhook_id: int):
    """Its deliveries, sent or waiting, go with it."""
    webhooks.endpoint_delete(actor=request.user, pk=webhook_id)
    return Status(204, None)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret", response=SecretOut, summary="New signing secret"
)
def rotate_webhook_secret(request: AuthedRequest, webhook_id: int):
    _endpoint, secret = webhooks.endpoint_rotate_secret(actor=request.user, pk=webhook_id)
    return {"secret": secret}


@router.post("/webhooks/{webhook_id}/enable", response=WebhookOut, summary="Switch a webhook on")
def enable_webhook(request: AuthedRequest, webhook_id: int):
    """After an automatic switch-off: clears the failure count; waiting deliveries resume."""
    return webhooks.endpoint_enable(actor=request.user, pk=webhook_id)


@router.get(
    "/webhooks/{webhook_id}/deliveries", response=DeliveryPage, summary="A webhook's deliveries"
)
def list_deliveries(request: AuthedRequest, webhook_id: int, params: Query[DeliveryFilters]):
    return paginate(
        webhooks.delivery_list(request.user, webhook_id, params.status),
        ordering=("-created_at", "-id"),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/resend",
    response=DeliveryOut,
    summary="Send a failed delivery again",
)
def resend_delivery(request: AuthedRequest, webhook_id: int, delivery_id: UUID):
    """Same delivery id, so a receiver that had it can skip it; 409 unless it failed."""
    return webhooks.delivery_resend(
        actor=request.user, endpoint_id=webhook_id, delivery_id=delivery_id
    )


# --- inbound -------------------------------------------------------------------------------


@router.get("/inbound-hooks/kinds", response=list[InboundKindOut], summary="Inbound kinds")
def list_inbound_kinds(request: AuthedRequest):
    webhooks.require_admin(request.user, inbound_hooks.KEY, "view")
    return [
        {"key": k.key, "label": str(k.label), "object_type": k.object_type} for k in inbound.kinds()
    ]


@router.get("/inbound-hooks", response=InboundHookPage, summary="Inbound webhooks")
def list_inbound_hooks(request: AuthedRequest, params: Query[PageParams]):
    return paginate(
        inbound_hooks.hook_list(request.user),
        ordering=("id",),
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post(
    "/inbound-hooks", response={201: InboundHookCreatedOut}, summary="Create an inbound webhook"
)
def create_inbound_hook(request: AuthedRequest, payload: InboundHookIn):
    """The answer holds the secret; it is never shown again (rotate to get a new one)."""
    values = _hook_values(payload, partial=False)
    hook, secret = inbound_hooks.hook_create(actor=request.user, values=values)
    return Status(201, _with_secret(hook, secret))


@router.get("/inbound-hooks/{hook_id}", response=InboundHookOut, summary="One inbound webhook")
def get_inbound_hook(request: AuthedRequest, hook_id: int):
    return inbound_hooks.hook_get(request.user, hook_id)


@router.patch(
    "/inbound-hooks/{hook_id}", response=InboundHookOut, summary="Change an inbound webhook"
)
def patch_inbound_hook(request: AuthedRequest, hook_id: int, payload: InboundHookPatch):
    values = _hook_values(payload, partial=True)
    return inbound_hooks.hook_update(actor=request.user, pk=hook_id, values=values)


@router.delete(
    "/inbound-hooks/{hook_id}", response={204: None}, summary="Delete an inbound webhook"
)
def delete_inbound_hook(request: AuthedRequest, hook_id: int):
    inbound_hooks.hook_delete(actor=request.user, pk=hook_id)
    return Status(204, None)


@router.post(
    "/inbound-hooks/{hook_id}/rotate-secret",
    response=SecretOut,
    summary="New inbound secret",
)
def rotate_inbound_secret(request: AuthedRequest, hook_id: int):
    _hook, secret = inbound_hooks.hook_rotate_secret(actor=request.user, pk=hook_id)
    return {"secret": secret}
