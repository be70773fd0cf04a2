"""Reads of the service desk's set-up (queues, calendars, SLA policies, mailboxes, categories).

They are settings records, not owned by anyone: whoever may view the record type sees them all,
so the only check is the type's permission. A record is read in the shape its service takes
(``values_of``) so a change can send only what differs and the service still gets it whole.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import holidays
from django.db.models import Model, QuerySet
from django.utils import timezone, translation

from clientela.platform import permissions
from clientela.platform.errors import NotFound
from clientela.platform.models import User
from clientela.service.models import BusinessCalendar, Queue, SlaPolicy, TicketCategory
from clientela.service.models_mail import MailAccount

KEYS: dict[type[Model], str] = {
    Queue: "service.queue",
    BusinessCalendar: "service.calendar",
    SlaPolicy: "service.sla",
    MailAccount: "service.mailbox",
    TicketCategory: "service.category",
}
WRITE_ONLY = frozenset({"password"})  # the services keep it when it is not sent
# the holidays package's names for the languages Clientela speaks
HOLIDAY_LANGUAGES = {"en": "en_US", "pt-br": "pt_BR"}


def setting_rows[M: Model](actor: User, model: type[M]) -> QuerySet[M]:
    """Every record of a set-up kind, for whoever may view the kind."""
    permissions.require(actor, KEYS[model], "view")
    return model._default_manager.all()


def setting_get[M: Model](actor: User, model: type[M], pk: int) -> M:
    found = setting_rows(actor, model).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def values_of(record: Model, names: Any) -> dict[str, Any]:
    """The record's ``names`` as its service takes them: a reference by its id, a write-only
    field left out (the service keeps what is stored)."""
    values = {}
    for name in names:
        if name not in WRITE_ONLY:
            field = record._meta.get_field(name)
            values[name] = getattr(record, getattr(field, "attname", name))
    return values


def calendar_holidays(calendar: BusinessCalendar, year: int | None) -> list[dict[str, Any]]:
    """The public holidays that close the calendar in ``year`` (its current year by default):
    its country's and state's, less the ones it works (``open_days``); named in the caller's
    language when the package knows it, else in the country's own."""
    if not calendar.country:
        return []
    if year is None:
        year = timezone.now().astimezone(zoneinfo.ZoneInfo(calendar.timezone)).year
    language = HOLIDAY_LANGUAGES.get(translation.get_language() or "")
    found = holidays.country_holidays(
        calendar.country, subdiv=calendar.subdivision or None, years=year, language=language
    )
    worked = {dt.date.fromisoformat(day) for day in calendar.open_days or []}
    return [{"date": day, "name": name} for day, name in sorted(found.items()) if day not in worked]
