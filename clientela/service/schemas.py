"""API shapes for tickets: a ticket with its SLA clock, its conversation and attachments.

Requests name references the way the services do (``queue``, ``account``, ``assignee``,
``into``…), so a refusal's 422 names the field that was sent; answers give them as ``…_id``.
Attachments travel in JSON as strict base64 (``content_base64``) and come back only as
downloads from ``/api/v1/ticket-attachments/{attachment_id}``, never inline.

The names all start with ``Ticket``: the document's components share one namespace with every
other app's schemas.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from clientela.platform import customfields
from clientela.platform.api_customfields import CUSTOM_IN, CUSTOM_OUT, describe_record_schemas
from clientela.service import selectors
from clientela.service.conversation import MAX_BODY
from clientela.service.services import KEY

MAX_ID = 2**63 - 1  # the key columns' bigint
MAX_FILES = 10  # attachments on one reply or note

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# The lifecycle and choices the models declare (a test keeps them equal).
StatusValue = Literal["new", "open", "pending", "resolved", "closed"]
PriorityValue = Literal["low", "normal", "high", "urgent"]
ChannelValue = Literal["phone", "email", "portal", "chat", "api", "manual"]
SlaStateValue = Literal["ok", "warning", "breached"]
View = Literal["active", "mine", "unassigned", "late", "pending", "resolved", "closed", "all"]
Order = Literal["due", "newest", "oldest"]

PAUSED = (
    "Whether the {target} clock is paused (the ticket waits for the customer, or is resolved): "
    "its due instant is then null and the business seconds left are kept."
)
LEFT = "Business seconds left on the {target} target while its clock is paused; else null."


# --- tickets ------------------------------------------------------------------------------


class TicketOut(Schema):
    id: int = Field(description="The ticket's id; its reference in mail subjects is [#id].")
    subject: str = Field(description="What the ticket is about.")
    status: str = Field(
        description="new, open, pending (waiting for the customer), resolved or closed."
    )
    priority: str = Field(description="low, normal, high or urgent.")
    channel: str = Field(
        description="Where it came from: phone, email, portal, chat, api or manual."
    )
    queue_id: int = Field(description="The queue it waits in.")
    category_id: int | None = Field(description="Its category, if any.")
    account_id: int | None = Field(description="The customer's account.")
    contact_id: int | None = Field(description="The customer's contact.")
    requester_email: str = Field(description="Where replies are mailed; empty: nowhere.")
    asset_id: int | None = Field(description="The equipment it is about, if any.")
    contract_id: int | None = Field(description="The service contract it was opened under.")
    coverage: str = Field(
        description="warranty (the asset's warranty covers the work), contract (the contract "
        "covers it and it uses one incident) or none (billable)."
    )
    assignee_id: int | None = Field(description="The agent working it; null: the queue's.")
    owner_id: int = Field(description="Who owns it: the assignee, else the queue's lead.")
    team_id: int | None = Field(description="The queue's team, which sees it.")
    sla_policy_id: int | None = Field(description="The SLA policy timing it; null: none.")
    sla_state: str = Field(
        description="ok, warning (a target is near) or breached (one was missed); empty when "
        "no SLA policy covers the ticket."
    )
    first_response_due: datetime | None = Field(
        description="When the first response is due (UTC); null once answered, paused or "
        "without a target."
    )
    resolution_due: datetime | None = Field(
        description="When the resolution is due (UTC); null when paused, stopped or without a "
        "target."
    )
    first_response_breached: bool = Field(description="The first response came (or is) late.")
    resolution_breached: bool = Field(description="The resolution came (or is) late.")
    first_response_paused: bool = Field(description=PAUSED.format(target="first-response"))
    resolution_paused: bool = Field(description=PAUSED.format(target="resolution"))
    first_response_left: int | None = Field(description=LEFT.format(target="first-response"))
    resolution_left: int | None = Field(description=LEFT.format(target="resolution"))
    first_responded_at: datetime | None = Field(description="When an agent first replied (UTC).")
    resolved_at: datetime | None = Field(description="When it was resolved (UTC).")
    closed_at: datetime | None = Field(description="When it was closed (UTC).")
    last_customer_at: datetime | None = Field(description="The customer's last message (UTC).")
    customer_messages: int = Field(description="How many messages the customer sent.")
    transfers: int = Field(description="Moves to another queue or agent.")
    reopened: int = Field(description="Times it was opened again after being resolved.")
    first_contact_resolution: bool | None = Field(
        description="Resolved on one customer contact, with no transfer or reopening; null "
        "until resolved."
    )
    csat_score: int | None = Field(description="The customer's satisfaction, 1 to 5.")
    csat_comment: str = Field(description="The customer's comment with their score.")
    merged_into_id: int | None = Field(description="The ticket it was merged into (then closed).")
    created_at: datetime = Field(description="When it was opened (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")
    custom: dict[str, Any] = Field(description=CUSTOM_OUT)

    @staticmethod
    def resolve_first_response_paused(obj: Any) -> bool:
        return obj.first_response_left is not None

    @staticmethod
    def resolve_resolution_paused(obj: Any) -> bool:
        return obj.resolution_left is not None

    @staticmethod
    def resolve_custom(obj: Any) -> dict[str, Any]:
        return customfields.values_of(obj, KEY)


class TicketDetailOut(TicketOut):
    related: list[int] = Field(
        description="Related tickets you may see, newest first (20 at most)."
    )

    coverage_warning: str = Field(
        description="Why the contract named does not cover the ticket (other account, ended, "
        "channel or asset not covered, no incidents left); empty otherwise."
    )

    @staticmethod
    def resolve_coverage_warning(obj: Any) -> str:
        from clientela.service.contracts import reason_for

        return reason_for(obj)

    @staticmethod
    def resolve_related(obj: Any, context: Any) -> list[int]:
        actor = context["request"].user
        return [ticket.pk for ticket in selectors.related_tickets(actor, obj)]


class TicketPage(Schema):
    items: list[TicketOut] = Field(description="One page of tickets.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same `order`) for the next page; null at the end."
    )


class TicketPatch(Schema):
    subject: str | None = Field(default=None, max_length=500, description="What it is about.")
    priority: PriorityValue | None = Field(
        default=None, description="A new priority re-times the running SLA targets."
    )
    queue: Id | None = Field(
        default=None,
        description="An active queue's id; a move to another queue is a transfer to its team.",
    )
    category: Id | None = Field(default=None, description="A category's id; null: none.")
    account: Id | None = Field(default=None, description="An account you may see; null: none.")
    contact: Id | None = Field(default=None, description="A contact you may see; null: none.")
    asset: Id | None = Field(
        default=None,
        description="An asset of the ticket's account (its account when none is given); null: "
        "none. Coverage is found again.",
    )
    contract: Id | None = Field(
        default=None,
        description="The contract wanted; null: none. Omitted on a new ticket: the contract "
        "that covers it, if any. One that does not cover leaves the ticket not covered.",
    )
    requester_email: str | None = Field(
        default=None, max_length=254, description="Where replies are mailed; empty: nowhere."
    )
    custom: dict[str, Any] | None = Field(default=None, description=CUSTOM_IN)


class TicketIn(TicketPatch):
    subject: str = Field(max_length=500, description="What it is about.")  # type: ignore[assignment]
    priority: PriorityValue = Field(  # type: ignore[assignment]
        default="normal", description="low, normal, high or urgent; it sets the SLA targets."
    )
    queue: Id | None = Field(
        default=None, description="An active queue's id; the first active queue when omitted."
    )
    requester_email: str | None = Field(
        default=None,
        max_length=254,
        description="Where replies are mailed; the contact's e-mail when omitted.",
    )
    channel: ChannelValue = Field(default="api", description="Where the request came from.")
    message: str = Field(
        default="",
        max_length=MAX_BODY,
        description="What the customer said: the conversation's first message, if any.",
    )


class TicketStatusIn(Schema):
    status: StatusValue = Field(
        description="The status to enter. Allowed moves: new → open, pending, resolved or "
        "closed; open → pending, resolved or closed; pending → open, resolved or closed; "
        "resolved → open or closed. A closed ticket stays closed."
    )


class TicketAssignIn(Schema):
    assignee: Id | None = Field(description="An active user's id; null: back to the queue.")


class TicketMergeIn(Schema):
    into: Id = Field(description="The ticket (one you may change) that takes the conversation.")


class TicketSplitIn(Schema):
    messages: list[Id] = Field(
        min_length=1,
        max_length=1000,
        description="The messages of this ticket that move to the new one (not all of them).",
    )
    subject: str = Field(min_length=1, max_length=500, description="The new ticket's subject.")


class TicketRelatedIn(Schema):
    ticket: Id = Field(description="A ticket you may see.")


# --- the conversation ---------------------------------------------------------------------


class TicketFileIn(Schema):
    filename: str = Field(min_length=1, max_length=200, description="The file's name.")
    content_type: str = Field(
        default="application/octet-stream", max_length=100, description="Its media type."
    )
    content_base64: str = Field(
        description="The content in standard base64 with padding (RFC 4648, no line breaks); "
        "at most the configured attachment size once decoded."
    )


class TicketReplyIn(Schema):
    body: str = Field(max_length=MAX_BODY, description="The answer, mailed to the requester.")
    status: StatusValue | None = Field(
        default=None, description="A status to enter after the reply, e.g. pending or resolved."
    )
    attachments: list[TicketFileIn] = Field(
        default_factory=list, max_length=MAX_FILES, description="Files sent with the reply."
    )


class TicketNoteIn(Schema):
    body: str = Field(max_length=MAX_BODY, description="The note, seen by agents only.")
    attachments: list[TicketFileIn] = Field(
        default_factory=list, max_length=MAX_FILES, description="Files kept with the note."
    )


class TicketAttachmentOut(Schema):
    id: int = Field(description="Download it from /api/v1/ticket-attachments/{id}.")
    filename: str = Field(description="The file's name as it was sent.")
    content_type: str = Field(description="The media type it was sent with.")
    size: int = Field(description="Its size in bytes.")


class TicketMessageOut(Schema):
    id: int = Field(description="The message's id.")
    kind: str = Field(
        description="customer (from the customer), reply (an agent's answer), note (internal) "
        "or system (automatic)."
    )
    body: str = Field(description="The text.")
    author_id: int | None = Field(description="The agent who wrote it; null for the customer's.")
    author_name: str = Field(description="The agent's name; empty for the customer's.")
    contact_id: int | None = Field(description="The contact who wrote it, when known.")
    from_address: str = Field(description="The sender's address of a message that was mailed in.")
    to_addresses: str = Field(description="Where a reply is mailed; empty when it is not.")
    channel: str = Field(description="The channel it came or went by.")
    delivery: str = Field(
        description="For a mailed reply: queued, sent or failed; empty for the others."
    )
    delivery_error: str = Field(description="Why the mail was not sent, when it failed.")
    created_at: datetime = Field(description="When it was written (UTC).")
    attachments: list[TicketAttachmentOut] = Field(description="Its files.")

    @staticmethod
    def resolve_author_name(obj: Any) -> str:
        return obj.author.display_name if obj.author_id else ""

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        """From the prefetch cache when the caller prefetched ``attachments``."""
        return list(obj.attachments.all())


# The OpenAPI document lists the tickets' custom fields in these schemas' ``custom``.
describe_record_schemas(
    KEY,
    name="Ticket",
    out=(TicketOut, TicketDetailOut),
    create=(TicketIn,),
    update=(TicketPatch,),
)
