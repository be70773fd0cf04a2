"""API shapes for the service desk's set-up: queues, business calendars (with the public holidays
that close them), SLA policies, support mailboxes and ticket categories.

As for tickets, requests name references the way the services do (``team``, ``lead``,
``calendar``, ``queue``, ``tier``), so a refusal's 422 names the field that was sent; answers
give them as ``…_id``. A change (``…Patch``) sets only the fields sent; a field that cannot be
empty refuses ``null`` rather than blanking the record.

The checks that need the domain (a time zone, opening hours, a country's holidays, target
minutes, an e-mail address, a name in use) are the services': their 422 names the field as
sent (``timezone``, ``hours``, ``targets.urgent.first_response``). A value of the wrong type is
refused by the schema, under ``payload.<field>``.

A mailbox's password is write-only: no answer carries it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from clientela.service.configuration import MAX_TARGET_MINUTES
from clientela.service.schemas import Id

# A field that may be omitted but not sent as null: defaults are not validated, and a null
# sent is refused by the field's type instead of blanking the record.
UNSET: Any = None
MAX_DAYS = 1000  # dates in a calendar's closed_days or open_days
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
Day = Annotated[dt.date, Field(ge=EARLIEST, le=LATEST)]
Minutes = Annotated[int, Field(strict=True)]  # a JSON integer; its range is the service's
# The choices the model declares (a test keeps them equal).
AssignmentValue = Literal["manual", "round_robin", "least_loaded", "by_skill"]

HOURS = (
    'Opening hours per weekday, e.g. {"mon": ["09:00-12:00", "13:00-18:00"], …}: days mon to '
    'sun, each a list of "HH:MM-HH:MM" windows that do not overlap ("24:00" may end one); a day '
    "not named is closed."
)
TARGETS = (
    'Targets per priority (low, normal, high, urgent) in business minutes, e.g. {"urgent": '
    '{"first_response": 30, "resolution": 240}}; each from 1 to '
    f"{MAX_TARGET_MINUTES}. A priority or target not named has no target."
)
ASSIGNMENT = (
    "How new tickets are handed out: manual (they wait for an agent), round_robin (in turn) or "
    "least_loaded (to the agent with the fewest open tickets) or by_skill (least loaded of the "
    "technicians who have every skill of the ticket's category; of the whole team when none has)."
)


class ServiceSettingsPage(Schema):
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")


# --- queues --------------------------------------------------------------------------------


class ServiceQueueOut(Schema):
    id: int = Field(description="The queue's id.")
    name: str = Field(description="Unique among queues.")
    email: str = Field(description="Its support address; empty: none.")
    team_id: int | None = Field(description="The team that works (and sees) its tickets.")
    lead_id: int = Field(description="The user who owns its unassigned tickets.")
    assignment: str = Field(description=ASSIGNMENT)
    calendar_id: int | None = Field(description="Its business calendar; null: round the clock.")
    acknowledge: bool = Field(description="Whether new e-mail tickets get an acknowledgement.")
    active: bool = Field(description="Whether it takes new tickets.")
    position: int = Field(description="Its place in lists, smallest first.")


class ServiceQueuePatch(Schema):
    name: str = Field(default=UNSET, max_length=100, description="Unique among queues.")
    email: str = Field(default=UNSET, max_length=254, description="Support address; '': none.")
    team: Id | None = Field(default=None, description="A team's id; null: none.")
    lead: Id = Field(default=UNSET, description="The id of the user who owns unassigned tickets.")
    assignment: AssignmentValue = Field(default=UNSET, description=ASSIGNMENT)
    calendar: Id | None = Field(default=None, description="A business calendar's id; null: none.")
    acknowledge: bool = Field(default=UNSET, description="Acknowledge new e-mail tickets.")
    active: bool = Field(default=UNSET, description="Whether it takes new tickets.")
    position: int = Field(default=UNSET, ge=0, le=10_000, description="Place in lists, 0 first.")


class ServiceQueueIn(ServiceQueuePatch):
    name: str = Field(max_length=100, description="Unique among queues.")
    email: str = Field(default="", max_length=254, description="Support address; '': none.")
    lead: Id = Field(description="The id of the user who owns the unassigned tickets.")
    assignment: AssignmentValue = Field(default="manual", description=ASSIGNMENT)
    acknowledge: bool = Field(default=True, description="Acknowledge new e-mail tickets.")
    active: bool = Field(default=True, description="Whether it takes new tickets.")
    position: int = Field(default=0, ge=0, le=10_000, description="Place in lists, 0 first.")


class ServiceQueuePage(ServiceSettingsPage):
    items: list[ServiceQueueOut] = Field(description="One page of queues, by position and name.")


# --- business calendars --------------------------------------------------------------------


class ServiceCalendarOut(Schema):
    id: int = Field(description="The calendar's id.")
    name: str = Field(description="Unique among calendars.")
    timezone: str = Field(description="The IANA time zone its hours are in.")
    hours: dict[str, list[str]] = Field(description=HOURS + " Answers name all seven days.")
    country: str = Field(description="The country whose public holidays close it; '': none.")
    subdivision: str = Field(description="The state or region whose holidays also close it.")
    closed_days: list[dt.date] = Field(description="Other days it is closed, in order.")
    open_days: list[dt.date] = Field(description="Public holidays it works, in order.")


class ServiceCalendarPatch(Schema):
    name: str = Field(default=UNSET, max_length=100, description="Unique among calendars.")
    timezone: str = Field(
        default=UNSET, max_length=64, description="An IANA time zone, e.g. America/Sao_Paulo."
    )
    hours: dict[str, list[str]] = Field(default=UNSET, description=HOURS)
    country: str = Field(
        default=UNSET, max_length=3, description="ISO 3166 code, e.g. BR; '': no holidays."
    )
    subdivision: str = Field(
        default=UNSET, max_length=10, description="State or region code, e.g. SP; '': none."
    )
    closed_days: list[Day] = Field(
        default=UNSET, max_length=MAX_DAYS, description="Other closed days (YYYY-MM-DD)."
    )
    open_days: list[Day] = Field(
        default=UNSET, max_length=MAX_DAYS, description="Holidays worked (YYYY-MM-DD)."
    )


class ServiceCalendarIn(ServiceCalendarPatch):
    name: str = Field(max_length=100, description="Unique among calendars.")
    timezone: str = Field(
        default="America/Sao_Paulo", max_length=64, description="An IANA time zone."
    )
    hours: dict[str, list[str]] = Field(description=HOURS)
    country: str = Field(default="", max_length=3, description="ISO 3166 code; '': none.")
    subdivision: str = Field(default="", max_length=10, description="State or region code.")
    closed_days: list[Day] = Field(
        default_factory=list, max_length=MAX_DAYS, description="Other closed days."
    )
    open_days: list[Day] = Field(
        default_factory=list, max_length=MAX_DAYS, description="Holidays worked."
    )


class ServiceCalendarPage(ServiceSettingsPage):
    items: list[ServiceCalendarOut] = Field(description="One page of calendars, by name.")


class ServiceHolidayOut(Schema):
    date: dt.date = Field(description="The day.")
    name: str = Field(description="The holiday's name, in your language when one is known.")


class ServiceHolidayQuery(Schema):
    year: int | None = Field(
        default=None, ge=1900, le=2999, description="The year; this year (in its zone) if omitted."
    )


# --- SLA policies ---------------------------------------------------------------------------


class SlaTargetIn(Schema):
    first_response: Minutes | None = Field(
        default=None, description="Business minutes to the first reply; null: no target."
    )
    resolution: Minutes | None = Field(
        default=None, description="Business minutes to resolve; null: no target."
    )


class SlaPolicyOut(Schema):
    id: int = Field(description="The policy's id.")
    name: str = Field(description="Unique among policies.")
    position: int = Field(description="The first active policy (smallest) matching a ticket wins.")
    calendar_id: int | None = Field(description="The hours its clock runs in; null: always.")
    targets: dict[str, dict[str, int]] = Field(description=TARGETS)
    queue_id: int | None = Field(description="Only this queue's tickets; null: any queue.")
    tier_id: int | None = Field(description="Only accounts with this tag; null: any account.")
    warn_percent: int = Field(description="A ticket turns to warning at this % of a target.")
    active: bool = Field(description="Whether it times new tickets.")


class SlaPolicyPatch(Schema):
    name: str = Field(default=UNSET, max_length=100, description="Unique among policies.")
    position: int = Field(default=UNSET, ge=0, le=10_000, description="Matching order, 0 first.")
    calendar: Id | None = Field(default=None, description="A business calendar's id; null: none.")
    targets: dict[str, SlaTargetIn] = Field(default=UNSET, description=TARGETS)
    queue: Id | None = Field(default=None, description="A queue's id; null: any queue.")
    tier: Id | None = Field(default=None, description="An account tag's id; null: any account.")
    warn_percent: int = Field(default=UNSET, ge=0, le=100, description="Warn at this % (0-100).")
    active: bool = Field(default=UNSET, description="Whether it times new tickets.")


class SlaPolicyIn(SlaPolicyPatch):
    name: str = Field(max_length=100, description="Unique among policies.")
    position: int = Field(default=0, ge=0, le=10_000, description="Matching order, 0 first.")
    targets: dict[str, SlaTargetIn] = Field(description=TARGETS)
    warn_percent: int = Field(default=80, ge=0, le=100, description="Warn at this % (0-100).")
    active: bool = Field(default=True, description="Whether it times new tickets.")


class SlaPolicyPage(ServiceSettingsPage):
    items: list[SlaPolicyOut] = Field(description="One page of policies, in matching order.")


# --- mailboxes ------------------------------------------------------------------------------


class ServiceMailboxOut(Schema):
    id: int = Field(description="The mailbox's id.")
    name: str = Field(description="Unique among mailboxes.")
    queue_id: int = Field(description="The queue its mail goes to.")
    host: str = Field(description="The IMAP server.")
    port: int = Field(description="The IMAP port.")
    use_ssl: bool = Field(description="IMAP over TLS from the start (port 993).")
    starttls: bool = Field(description="Plain IMAP upgraded with STARTTLS.")
    username: str = Field(description="The user name it signs in with (never the password).")
    folder: str = Field(description="The folder read for new mail.")
    processed_folder: str = Field(description="Where read mail is moved; '': left in place.")
    active: bool = Field(description="Whether it is polled.")
    last_polled_at: dt.datetime | None = Field(description="When it was last read (UTC).")
    last_error: str = Field(description="What went wrong the last time; '': nothing.")


class ServiceMailboxPatch(Schema):
    name: str = Field(default=UNSET, max_length=100, description="Unique among mailboxes.")
    queue: Id = Field(default=UNSET, description="The id of the queue its mail goes to.")
    host: str = Field(default=UNSET, max_length=255, description="The IMAP server.")
    port: int = Field(default=UNSET, ge=1, le=65535, description="The IMAP port.")
    use_ssl: bool = Field(default=UNSET, description="IMAP over TLS from the start.")
    starttls: bool = Field(default=UNSET, description="Upgrade plain IMAP with STARTTLS.")
    username: str = Field(default=UNSET, max_length=255, description="The user name.")
    password: str = Field(
        default=UNSET, max_length=255, description="Write-only; omitted or '': kept as it is."
    )
    folder: str = Field(default=UNSET, max_length=255, description="The folder read; INBOX.")
    processed_folder: str = Field(
        default=UNSET, max_length=255, description="Where read mail goes; '': left in place."
    )
    active: bool = Field(default=UNSET, description="Whether it is polled.")


class ServiceMailboxIn(ServiceMailboxPatch):
    name: str = Field(max_length=100, description="Unique among mailboxes.")
    queue: Id = Field(description="The id of the queue its mail goes to.")
    host: str = Field(max_length=255, description="The IMAP server.")
    port: int = Field(default=993, ge=1, le=65535, description="The IMAP port.")
    use_ssl: bool = Field(default=True, description="IMAP over TLS from the start.")
    starttls: bool = Field(default=False, description="Upgrade plain IMAP with STARTTLS.")
    username: str = Field(max_length=255, description="The user name.")
    password: str = Field(max_length=255, description="Write-only: no answer carries it.")
    folder: str = Field(default="INBOX", max_length=255, description="The folder read.")
    processed_folder: str = Field(
        default="", max_length=255, description="Where read mail goes; '': left in place."
    )
    active: bool = Field(default=True, description="Whether it is polled.")


class ServiceMailboxPage(ServiceSettingsPage):
    items: list[ServiceMailboxOut] = Field(description="One page of mailboxes, by name.")


class ServiceMailboxCheckOut(Schema):
    ok: bool = Field(description="Whether Clientela could sign in and open the folder.")
    error: str = Field(description="What the server or the network answered; '' when ok.")


# --- ticket categories ----------------------------------------------------------------------


SKILLS = "The skills its tickets need: a queue assigning by skill and a planned visit use them."


class TicketCategoryOut(Schema):
    id: int = Field(description="The category's id.")
    name: str = Field(description="Unique among categories.")
    active: bool = Field(description="Whether new tickets may take it.")
    skills: list[int] = Field(description=SKILLS + " Skill ids.")

    @staticmethod
    def resolve_skills(obj: Any) -> list[int]:
        return sorted(skill.pk for skill in obj.skills.all())


class TicketCategoryPatch(Schema):
    name: str = Field(default=UNSET, max_length=100, description="Unique among categories.")
    active: bool = Field(default=UNSET, description="Whether new tickets may take it.")
    skills: list[Id] = Field(default=UNSET, max_length=100, description=SKILLS + " Skill ids.")


class TicketCategoryIn(TicketCategoryPatch):
    name: str = Field(max_length=100, description="Unique among categories.")
    active: bool = Field(default=True, description="Whether new tickets may take it.")


class TicketCategoryPage(ServiceSettingsPage):
    items: list[TicketCategoryOut] = Field(description="One page of categories, by name.")
