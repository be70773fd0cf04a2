"""API for the service desk's set-up: queues, business calendars and the holidays that close them,
SLA policies, support mailboxes (with a sign-in check) and ticket categories.

They are settings records (``service.queue``, ``service.calendar``, ``service.sla``,
``service.mailbox``, ``service.category``): the built-in roles let administrators change them
and managers read them. The services take a whole record, so a change reads the record and lays
the fields sent over it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from ninja import Query, Router, Schema, Status
from pydantic import Field

from clientela.platform.api import PageParams
from clientela.platform.http import AuthedRequest
from clientela.platform.models import User
from clientela.platform.pagination import paginate
from clientela.service import configuration
from clientela.service.models import BusinessCalendar, Queue, SlaPolicy, TicketCategory
from clientela.service.models_mail import MailAccount
from clientela.service.schemas_settings import (
    ServiceCalendarIn,
    ServiceCalendarOut,
    ServiceCalendarPage,
    ServiceCalendarPatch,
    ServiceHolidayOut,
    ServiceHolidayQuery,
    ServiceMailboxCheckOut,
    ServiceMailboxIn,
    ServiceMailboxOut,
    ServiceMailboxPage,
    ServiceMailboxPatch,
    ServiceQueueIn,
    ServiceQueueOut,
    ServiceQueuePage,
    ServiceQueuePatch,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaPolicyPage,
    SlaPolicyPatch,
    TicketCategoryIn,
    TicketCategoryOut,
    TicketCategoryPage,
    TicketCategoryPatch,
)
from clientela.service.selectors_settings import (
    calendar_holidays,
    setting_get,
    setting_rows,
    values_of,
)

router = Router(tags=["Service desk settings"])
CURSOR = "Where the previous page ended (its `next_cursor`); omit for the first page."
LIMIT = "Items per page, 1 to 200."


class SettingsQuery(PageParams):
    cursor: str | None = Field(default=None, max_length=500, description=CURSOR)
    limit: int = Field(default=50, ge=1, le=200, description=LIMIT)


class ActiveQuery(SettingsQuery):
    active: bool | None = Field(default=None, description="Only the active (true) or inactive.")


def _page(rows: QuerySet[Any], ordering: tuple[str, ...], params: SettingsQuery) -> Any:
    return paginate(rows, ordering=ordering, cursor=params.cursor, limit=params.limit)


def _listed(actor: User, model: type[Model], params: ActiveQuery) -> QuerySet[Any]:
    rows = setting_rows(actor, model)
    return rows if params.active is None else rows.filter(active=params.active)


def _changed(actor: User, model: type[Model], pk: int, payload: Schema) -> dict[str, Any]:
    """The record as its service takes it, with the fields sent laid over it."""
    values = values_of(setting_get(actor, model, pk), type(payload).model_fields)
    values.update(payload.model_dump(exclude_unset=True))
    return values


# --- queues --------------------------------------------------------------------------------


@router.get("/service/queues", response=ServiceQueuePage, summary="Ticket queues")
def list_queues(request: AuthedRequest, params: Query[ActiveQuery]):
    rows = _listed(request.user, Queue, params)
    return _page(rows, ("position", "name", "id"), params)


@router.post("/service/queues", response={201: ServiceQueueOut}, summary="Create a queue")
def create_queue(request: AuthedRequest, payload: ServiceQueueIn):
    """A name in use, a bad support address or an unknown team, lead or calendar answer 422
    naming the field."""
    return Status(201, configuration.queue_save(actor=request.user, values=payload.model_dump()))


@router.get("/service/queues/{queue_id}", response=ServiceQueueOut, summary="One queue")
def get_queue(request: AuthedRequest, queue_id: int):
    return setting_get(request.user, Queue, queue_id)


@router.patch("/service/queues/{queue_id}", response=ServiceQueueOut, summary="Change a queue")
def patch_queue(request: AuthedRequest, queue_id: int, payload: ServiceQueuePatch):
    values = _changed(request.user, Queue, queue_id, payload)
    return configuration.queue_save(actor=request.user, values=values, queue_id=queue_id)


@router.delete("/service/queues/{queue_id}", response={204: None}, summary="Delete a queue")
def delete_queue(request: AuthedRequest, queue_id: int):
    """A queue that holds tickets or receives a mailbox's mail answers 409: make it inactive
    instead. The SLA policies scoped to it go with it."""
    configuration.queue_delete(actor=request.user, queue_id=queue_id)
    return Status(204, None)


# --- business calendars --------------------------------------------------------------------


@router.get("/service/calendars", response=ServiceCalendarPage, summary="Business calendars")
def list_calendars(request: AuthedRequest, params: Query[SettingsQuery]):
    rows = setting_rows(request.user, BusinessCalendar)
    return _page(rows, ("name", "id"), params)


@router.post(
    "/service/calendars", response={201: ServiceCalendarOut}, summary="Create a business calendar"
)
def create_calendar(request: AuthedRequest, payload: ServiceCalendarIn):
    """An unknown time zone answers 422 on `timezone`, bad windows on `hours`, a country or
    state the holidays package lacks on `country`."""
    values = payload.model_dump()
    return Status(201, configuration.calendar_save(actor=request.user, values=values))


@router.get("/service/calendars/{calendar_id}", response=ServiceCalendarOut, summary="One calendar")
def get_calendar(request: AuthedRequest, calendar_id: int):
    return setting_get(request.user, BusinessCalendar, calendar_id)


@router.patch(
    "/service/calendars/{calendar_id}", response=ServiceCalendarOut, summary="Change a calendar"
)
def patch_calendar(request: AuthedRequest, calendar_id: int, payload: ServiceCalendarPatch):
    """`hours`, `closed_days` or `open_days`, when sent, replace the whole week or list. New
    hours time the SLA clocks started from now on."""
    values = _changed(request.user, BusinessCalendar, calendar_id, payload)
    return configuration.calendar_save(actor=request.user, values=values, calendar_id=calendar_id)


@router.delete(
    "/service/calendars/{calendar_id}", response={204: None}, summary="Delete a calendar"
)
def delete_calendar(request: AuthedRequest, calendar_id: int):
    """A calendar that a queue or an SLA policy uses answers 409."""
    configuration.calendar_delete(actor=request.user, calendar_id=calendar_id)
    return Status(204, None)


@router.get(
    "/service/calendars/{calendar_id}/holidays",
    response=list[ServiceHolidayOut],
    summary="The public holidays that close a calendar",
)
def list_calendar_holidays(
    request: AuthedRequest, calendar_id: int, params: Query[ServiceHolidayQuery]
):
    """Its country's and state's holidays in the year, by date, less those it works
    (`open_days`); none without a country. Its other closed days are its `closed_days`."""
    calendar = setting_get(request.user, BusinessCalendar, calendar_id)
    return calendar_holidays(calendar, params.year)


# --- SLA policies ---------------------------------------------------------------------------


@router.get("/service/sla-policies", response=SlaPolicyPage, summary="SLA policies")
def list_sla_policies(request: AuthedRequest, params: Query[ActiveQuery]):
    rows = _listed(request.user, SlaPolicy, params)
    return _page(rows, ("position", "id"), params)


@router.post("/service/sla-policies", response={201: SlaPolicyOut}, summary="Create a policy")
def create_sla_policy(request: AuthedRequest, payload: SlaPolicyIn):
    """A target outside 1 to 527040 minutes answers 422 on `targets.<priority>.<target>`."""
    values = payload.model_dump()
    return Status(201, configuration.sla_policy_save(actor=request.user, values=values))


@router.get("/service/sla-policies/{policy_id}", response=SlaPolicyOut, summary="One policy")
def get_sla_policy(request: AuthedRequest, policy_id: int):
    return setting_get(request.user, SlaPolicy, policy_id)


@router.patch(
    "/service/sla-policies/{policy_id}", response=SlaPolicyOut, summary="Change an SLA policy"
)
def patch_sla_policy(request: AuthedRequest, policy_id: int, payload: SlaPolicyPatch):
    """`targets`, when sent, replaces them all. Tickets opened from now on take the change;
    running clocks keep the targets they started with."""
    values = _changed(request.user, SlaPolicy, policy_id, payload)
    return configuration.sla_policy_save(actor=request.user, values=values, policy_id=policy_id)


@router.delete(
    "/service/sla-policies/{policy_id}", response={204: None}, summary="Delete an SLA policy"
)
def delete_sla_policy(request: AuthedRequest, policy_id: int):
    """The tickets it timed keep their due instants and no longer name a policy."""
    configuration.sla_policy_delete(actor=request.user, policy_id=policy_id)
    return Status(204, None)


# --- mailboxes ------------------------------------------------------------------------------


@router.get("/service/mailboxes", response=ServiceMailboxPage, summary="Support mailboxes")
def list_mailboxes(request: AuthedRequest, params: Query[ActiveQuery]):
    rows = _listed(request.user, MailAccount, params)
    return _page(rows, ("name", "id"), params)


@router.post("/service/mailboxes", response={201: ServiceMailboxOut}, summary="Add a mailbox")
def create_mailbox(request: AuthedRequest, payload: ServiceMailboxIn):
    """The password is kept for the IMAP server and never answered."""
    values = payload.model_dump()
    return Status(201, configuration.mailbox_save(actor=request.user, values=values))


@router.get("/service/mailboxes/{mailbox_id}", response=ServiceMailboxOut, summary="One mailbox")
def get_mailbox(request: AuthedRequest, mailbox_id: int):
    return setting_get(request.user, MailAccount, mailbox_id)


@router.patch(
    "/service/mailboxes/{mailbox_id}", response=ServiceMailboxOut, summary="Change a mailbox"
)
def patch_mailbox(request: AuthedRequest, mailbox_id: int, payload: ServiceMailboxPatch):
    """Without `password` (or with '') the stored one is kept. Another host, user or folder
    is another mailbox: it is read again from its first message."""
    values = _changed(request.user, MailAccount, mailbox_id, payload)
    return configuration.mailbox_save(actor=request.user, values=values, mailbox_id=mailbox_id)


@router.delete("/service/mailboxes/{mailbox_id}", response={204: None}, summary="Remove a mailbox")
def delete_mailbox(request: AuthedRequest, mailbox_id: int):
    """The mail already taken in stays, with its tickets."""
    configuration.mailbox_delete(actor=request.user, mailbox_id=mailbox_id)
    return Status(204, None)


@router.post(
    "/service/mailboxes/{mailbox_id}/check",
    response=ServiceMailboxCheckOut,
    summary="Try signing in to a mailbox",
)
def check_mailbox(request: AuthedRequest, mailbox_id: int):
    """Signs in and opens the folder now, reading nothing: `ok`, or the server's or network's
    complaint in `error`."""
    error = configuration.mailbox_check(actor=request.user, mailbox_id=mailbox_id)
    return {"ok": not error, "error": error}


# --- ticket categories ----------------------------------------------------------------------


@router.get("/service/categories", response=TicketCategoryPage, summary="Ticket categories")
def list_categories(request: AuthedRequest, params: Query[ActiveQuery]):
    rows = _listed(request.user, TicketCategory, params).prefetch_related("skills")
    return _page(rows, ("name", "id"), params)


@router.post(
    "/service/categories", response={201: TicketCategoryOut}, summary="Create a ticket category"
)
def create_category(request: AuthedRequest, payload: TicketCategoryIn):
    values = payload.model_dump()
    return Status(201, configuration.category_save(actor=request.user, values=values))


@router.get("/service/categories/{category_id}", response=TicketCategoryOut, summary="One category")
def get_category(request: AuthedRequest, category_id: int):
    return setting_get(request.user, TicketCategory, category_id)


@router.patch(
    "/service/categories/{category_id}", response=TicketCategoryOut, summary="Change a category"
)
def patch_category(request: AuthedRequest, category_id: int, payload: TicketCategoryPatch):
    values = _changed(request.user, TicketCategory, category_id, payload)
    return configuration.category_save(actor=request.user, values=values, category_id=category_id)


@router.delete(
    "/service/categories/{category_id}", response={204: None}, summary="Delete a category"
)
def delete_category(request: AuthedRequest, category_id: int):
    """Its tickets keep their place and no longer name a category."""
    configuration.category_delete(actor=request.user, category_id=category_id)
    return Status(204, None)
