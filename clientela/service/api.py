"""API for tickets: the filtered queue, one ticket with its SLA clock, changes, the lifecycle,
assignment, the conversation (replies, notes, attachments), merges, splits and related tickets."""

from __future__ import annotations

import base64
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import Field

from clientela.platform.api import PageParams
from clientela.platform.errors import ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.models import User
from clientela.service import conversation, selectors, services, split
from clientela.service.conversation import NewFile
from clientela.service.schemas import (
    Id,
    Order,
    PriorityValue,
    SlaStateValue,
    TicketAssignIn,
    TicketDetailOut,
    TicketFileIn,
    TicketIn,
    TicketMergeIn,
    TicketMessageOut,
    TicketNoteIn,
    TicketPage,
    TicketPatch,
    TicketRelatedIn,
    TicketReplyIn,
    TicketSplitIn,
    TicketStatusIn,
    View,
)

router = Router(tags=["Tickets"])
CURSOR = "Where the previous page ended (its `next_cursor`); omit for the first page."
LIMIT = "Items per page, 1 to 200."
BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


class TicketQuery(PageParams):
    cursor: str | None = Field(default=None, max_length=500, description=CURSOR)
    limit: int = Field(default=50, ge=1, le=200, description=LIMIT)
    view: View = Field(
        default="active",
        description="active (new, open or pending), mine (active and assigned to you), "
        "unassigned, late (active with a missed target), pending, resolved, closed or all.",
    )
    queue: Id | None = Field(default=None, description="Only this queue's tickets.")
    priority: PriorityValue | None = Field(default=None, description="Only this priority.")
    sla_state: SlaStateValue | None = Field(default=None, description="ok, warning or breached.")
    account: Id | None = Field(default=None, description="Only this account's tickets.")
    contact: Id | None = Field(default=None, description="Only this contact's tickets.")
    assignee: Id | None = Field(default=None, description="Only the tickets this user works.")
    q: str = Field(
        default="",
        max_length=100,
        description="Words in the subject or the requester's e-mail, or a ticket number (#12).",
    )
    order: Order = Field(
        default="due",
        description="due (the nearest SLA instant first, tickets without a running clock "
        "last), newest or oldest.",
    )


def _page(actor: User, filters: selectors.TicketFilters, params: TicketQuery) -> dict[str, Any]:
    """A keyset page whose cursor names its order: one from another order is refused (422)
    rather than skipping or repeating rows."""
    inner = None
    if params.cursor:
        key, dot, inner = params.cursor.partition(".")
        if not dot or key != params.order:
            message = _(
                "This cursor belongs to another sort order; start again from the first page."
            )
            raise ValidationFailed(errors={"cursor": [message]})
    page = selectors.ticket_page(
        actor, filters, order=params.order, cursor=inner, limit=params.limit
    )
    next_cursor = f"{params.order}.{page.next_cursor}" if page.next_cursor else None
    return {"items": page.items, "next_cursor": next_cursor}


def _decoded_size(text: str) -> int:
    """The bytes a well-formed base64 text decodes to, read from its length and padding."""
    return len(text) // 4 * 3 - text[-2:].count("=")


def _files(items: list[TicketFileIn]) -> list[NewFile]:
    """The attachments decoded strictly; one too large is refused from its length, before
    anything is decoded. Errors name ``attachments.<n>.content_base64``."""
    limit = conversation.max_attachment_bytes()
    errors: dict[str, list[str]] = {}
    for n, item in enumerate(items):
        if _decoded_size(item.content_base64) > limit:
            message = _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
            errors[f"attachments.{n}.content_base64"] = [message]
    if errors:
        raise ValidationFailed(errors=errors)
    files = []
    for n, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except ValueError:  # binascii.Error, or characters outside ASCII
            errors[f"attachments.{n}.content_base64"] = [_("This is not valid base64.")]
            continue
        files.append(NewFile(item.filename, item.content_type, content))
    if errors:
        raise ValidationFailed(errors=errors)
    return files


# --- tickets ------------------------------------------------------------------------------


@router.get("/tickets", response=TicketPage, summary="Tickets, filtered")
def list_tickets(request: AuthedRequest, params: Query[TicketQuery]):
    """The tickets you may see; a cursor from another `order` answers 422."""
    filters = selectors.TicketFilters(
        view=params.view,
        queue_id=params.queue,
        priority=params.priority or "",
        sla_state=params.sla_state or "",
        account_id=params.account,
        contact_id=params.contact,
        assignee_id=params.assignee,
        query=params.q,
    )
    return _page(request.user, filters, params)


@router.post("/tickets", response={201: TicketDetailOut}, summary="Open a ticket")
def create_ticket(request: AuthedRequest, payload: TicketIn):
    """The SLA clock starts and the queue's rule assigns it. An unknown or inactive queue
    answers 422 naming `queue`; an account or contact you may not see, 404 naming it."""
    values = payload.dict(exclude_unset=True, exclude={"message"})
    values["channel"] = payload.channel
    ticket = services.ticket_create(actor=request.user, values=values, message=payload.message)
    return Status(201, ticket)


@router.get("/tickets/{ticket_id}", response=TicketDetailOut, summary="One ticket")
def get_ticket(request: AuthedRequest, ticket_id: int):
    return selectors.ticket_get(request.user, ticket_id)


@router.patch("/tickets/{ticket_id}", response=TicketDetailOut, summary="Change a ticket")
def patch_ticket(request: AuthedRequest, ticket_id: int, payload: TicketPatch):
    """Only the fields sent change. Another queue is a transfer; another priority keeps the
    business time already used and re-times the running targets."""
    return services.ticket_update(
        actor=request.user, ticket_id=ticket_id, values=payload.dict(exclude_unset=True)
    )


@router.post(
    "/tickets/{ticket_id}/status", response=TicketDetailOut, summary="Move a ticket's status"
)
def set_ticket_status(request: AuthedRequest, ticket_id: int, payload: TicketStatusIn):
    """Pending pauses the SLA clock, open resumes it; a move the lifecycle does not allow
    answers 409 with the code `invalid_transition`."""
    return services.ticket_set_status(
        actor=request.user, ticket_id=ticket_id, status=payload.status
    )


@router.post("/tickets/{ticket_id}/assign", response=TicketDetailOut, summary="Assign a ticket")
def assign_ticket(request: AuthedRequest, ticket_id: int, payload: TicketAssignIn):
    """Taking it from another agent counts as a transfer; null gives it back to the queue."""
    return services.ticket_assign(
        actor=request.user, ticket_id=ticket_id, assignee_id=payload.assignee
    )


# --- the conversation ---------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/messages",
    response=list[TicketMessageOut],
    summary="A ticket's conversation, oldest first",
)
def ticket_messages(request: AuthedRequest, ticket_id: int):
    """Customer messages, replies, internal notes and automatic messages, with their files."""
    return selectors.conversation(selectors.ticket_get(request.user, ticket_id))


@router.post(
    "/tickets/{ticket_id}/replies", response={201: TicketMessageOut}, summary="Answer a ticket"
)
def reply_ticket(request: AuthedRequest, ticket_id: int, payload: TicketReplyIn):
    """Mailed to the requester after it is saved. The first reply stops the first-response
    clock. Bad base64, a file too large or of a refused type (.exe, .js…) answer 422 and
    nothing is written; a closed ticket answers 409."""
    message = conversation.ticket_reply(
        actor=request.user,
        ticket_id=ticket_id,
        body=payload.body,
        files=_files(payload.attachments),
        status=payload.status or "",
    )
    return Status(201, message)


@router.post(
    "/tickets/{ticket_id}/notes", response={201: TicketMessageOut}, summary="Add an internal note"
)
def note_ticket(request: AuthedRequest, ticket_id: int, payload: TicketNoteIn):
    """Seen by agents only, never mailed; the SLA clock is not touched."""
    message = conversation.ticket_note(
        actor=request.user,
        ticket_id=ticket_id,
        body=payload.body,
        files=_files(payload.attachments),
    )
    return Status(201, message)


@router.post(
    "/tickets/{ticket_id}/merge",
    response=TicketDetailOut,
    summary="Merge a ticket into another",
)
def merge_ticket(request: AuthedRequest, ticket_id: int, payload: TicketMergeIn):
    """The conversation and files move into `into`, which is answered; this ticket is closed,
    pointing there. A closed ticket on either side answers 409."""
    return conversation.ticket_merge(actor=request.user, ticket_id=ticket_id, into_id=payload.into)


@router.post(
    "/tickets/{ticket_id}/split",
    response={201: TicketDetailOut},
    summary="Split messages off into a new ticket",
)
def split_ticket(request: AuthedRequest, ticket_id: int, payload: TicketSplitIn):
    """The chosen messages move, with their attachments, to a new ticket for the same customer
    in the same queue; both are related. Answers the new ticket."""
    new = split.ticket_split(
        actor=request.user,
        ticket_id=ticket_id,
        message_ids=payload.messages,
        subject=payload.subject,
    )
    return Status(201, selectors.ticket_get(request.user, new.pk))


@router.post("/tickets/{ticket_id}/related", response=TicketDetailOut, summary="Relate two tickets")
def relate_ticket(request: AuthedRequest, ticket_id: int, payload: TicketRelatedIn):
    """Both tickets then list each other in `related`."""
    conversation.ticket_link(actor=request.user, ticket_id=ticket_id, other_id=payload.ticket)
    return selectors.ticket_get(request.user, ticket_id)


@router.delete(
    "/tickets/{ticket_id}/related/{other_id}",
    response={204: None},
    summary="Unrelate two tickets",
)
def unrelate_ticket(request: AuthedRequest, ticket_id: int, other_id: int):
    conversation.ticket_link(
        actor=request.user, ticket_id=ticket_id, other_id=other_id, linked=False
    )
    return Status(204, None)


@router.get(
    "/ticket-attachments/{attachment_id}",
    response={200: None},
    summary="Download a ticket's attachment",
    openapi_extra={"responses": {"200": {"description": "The file", "content": BINARY}}},
)
def download_attachment(request: AuthedRequest, attachment_id: int) -> FileResponse:
    """Always a download (`attachment`, application/octet-stream), never shown inline."""
    found = selectors.attachment_get(request.user, attachment_id)
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
