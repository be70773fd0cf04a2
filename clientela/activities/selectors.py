"""Reads on activities, always starting from what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from clientela.activities.models import Activity, ActivityKind, ActivityStatus, CalendarFeed
from clientela.customers.models import Account, AccountContact, Contact, Lead
from clientela.platform import registry
from clientela.platform.errors import NotFound
from clientela.platform.models import User
from clientela.platform.permissions import get_visible, team_ids, visible_to

CALENDAR_KINDS = (ActivityKind.MEETING, ActivityKind.TASK, ActivityKind.CALL)
RELATED = ("owner", "team", "account", "contact", "lead")


def activity_base(actor: User) -> QuerySet[Activity]:
    return visible_to(actor, Activity.objects.select_related(*RELATED))


def activity_get(actor: User, activity_id: Any) -> Activity:
    return get_visible(actor, Activity.objects.select_related(*RELATED), activity_id)


@dataclass(frozen=True)
class ActivityFilters:
    kind: str = ""
    status: str = ""
    owner_id: int | None = None
    account_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    query: str = ""


def _aware(moment: datetime | None) -> datetime | None:
    """A bound given without a zone means the active one (the user's, or UTC)."""
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def activity_list(actor: User, filters: ActivityFilters | None = None) -> QuerySet[Activity]:
    """Visible activities, filtered, with ``sort_at`` (due date, else creation) to page on."""
    f = filters or ActivityFilters()
    exact = {
        "kind": f.kind,
        "status": f.status,
        "owner_id": f.owner_id,
        "account_id": f.account_id,
        "contact_id": f.contact_id,
        "lead_id": f.lead_id,
        "due_at__gte": _aware(f.due_from),
        "due_at__lt": _aware(f.due_to),
    }
    rows = activity_base(actor).filter(**{k: v for k, v in exact.items() if v not in (None, "")})
    if f.query:
        rows = rows.filter(Q(subject__icontains=f.query) | Q(outcome__icontains=f.query))
    return rows.annotate(sort_at=Coalesce("due_at", "created_at"))


@dataclass(frozen=True)
class Agenda:
    overdue: list[Activity]
    today: list[Activity]
    upcoming: list[Activity]
    undated: list[Activity]

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.upcoming or self.undated)

    def all_items(self) -> list[Activity]:
        return [*self.overdue, *self.today, *self.upcoming, *self.undated]


def my_agenda(actor: User, now: datetime | None = None, limit: int = 50) -> Agenda:
    """The actor's planned activities by day in their time zone: overdue, today, upcoming."""
    local = timezone.localtime(now or timezone.now())
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = start + timedelta(days=1)
    planned = activity_base(actor).filter(owner_id=actor.pk, status=ActivityStatus.PLANNED)
    return Agenda(
        overdue=list(planned.filter(due_at__lt=start).order_by("due_at", "id")[:limit]),
        today=list(planned.filter(due_at__gte=start, due_at__lt=tomorrow).order_by("due_at", "id")),
        upcoming=list(planned.filter(due_at__gte=tomorrow).order_by("due_at", "id")[:limit]),
        undated=list(planned.filter(due_at__isnull=True).order_by("-created_at", "-id")[:limit]),
    )


def calendar_activities(
    actor: User, start: datetime, end: datetime, *, team: bool = False
) -> QuerySet[Activity]:
    """Meetings, tasks and calls with a due time in ``[start, end)``: the actor's, or the
    actor's and their teams' (as far as the actor may see them)."""
    rows = (
        activity_base(actor)
        .filter(kind__in=CALENDAR_KINDS, due_at__gte=start, due_at__lt=end)
        .exclude(status=ActivityStatus.CANCELLED)
    )
    if team:
        teams = team_ids(actor)
        rows = rows.filter(
            Q(owner_id=actor.pk) | Q(team_id__in=teams) | Q(owner__teams__in=teams)
        ).distinct()
    else:
        rows = rows.filter(owner_id=actor.pk)
    return rows.order_by("due_at", "id")


def feed_activities(user: User, days_back: int = 90) -> QuerySet[Activity]:
    """What a user's calendar feed carries: their own dated activities, recent and upcoming."""
    since = timezone.now() - timedelta(days=days_back)
    return (
        activity_base(user)
        .filter(owner_id=user.pk, due_at__gte=since)
        .exclude(status=ActivityStatus.CANCELLED)
        .order_by("due_at", "id")
    )


def calendar_feed(user: User) -> CalendarFeed | None:
    """The user's own feed (its prefix and dates; the secret is never stored), if any."""
    return CalendarFeed.objects.filter(user=user).first()


def _about(record: Account | Contact | Lead) -> Q:
    """The activities that belong on a customer record's timeline.

    An account gathers its contacts' activities and those of leads converted into it; a contact
    gathers those of the leads converted into it, so a lead's history follows the person.
    """
    if isinstance(record, Account):
        members = AccountContact.objects.filter(account=record).values("contact_id")
        return (
            Q(account=record)
            | Q(contact_id__in=Contact.objects.filter(account=record).values("id"))
            | Q(contact_id__in=members)
            | Q(lead_id__in=Lead.objects.filter(converted_account=record).values("id"))
        )
    if isinstance(record, Contact):
        leads = Lead.objects.filter(converted_contact=record).values("id")
        return Q(contact=record) | Q(lead_id__in=leads)
    return Q(lead=record)


def timeline_activities(actor: User, record: Account | Contact | Lead) -> QuerySet[Activity]:
    """Visible activities about ``record``, with ``happened_at`` for the timeline's order."""
    return (
        visible_to(actor, Activity.objects.select_related("owner", "contact", "lead"))
        .filter(_about(record))
        .annotate(happened_at=Coalesce("due_at", "completed_at", "created_at"))
    )


def with_visible_links[T: (list[Activity], Agenda)](actor: User, rows: T) -> T:
    """Set ``shown_account``/``shown_contact``/``shown_lead`` on each activity: the linked record
    when the actor may see it, else None, so pages never name a record out of the actor's sight.
    One query per kind of link, whatever the number of rows."""
    items = rows.all_items() if isinstance(rows, Agenda) else rows
    for name, model in (("account", Account), ("contact", Contact), ("lead", Lead)):
        ids = {getattr(a, f"{name}_id") for a in items} - {None}
        seen = set(visible_to(actor, model.objects.filter(pk__in=ids)).values_list("pk", flat=True))
        for activity in items:
            linked = getattr(activity, f"{name}_id")
            setattr(activity, f"shown_{name}", getattr(activity, name) if linked in seen else None)
    return rows


LINKS: dict[str, Any] = {"account": Account, "contact": Contact, "lead": Lead}
CHOICES = 300


def link_choices(actor: User, initial: dict[str, Any]) -> dict[str, list[tuple[int, str]]]:
    """A few hundred visible records per link for the form, plus the chosen one if further down.

    Each model's own ordering is backed by an index (name, or newest first for leads); ordering
    by ``updated_at`` would sort every visible row, a million contacts on each form load.
    """
    choices = {}
    for name, model in LINKS.items():
        rows = visible_to(actor, model.objects.all())
        listed = [(r.pk, str(r)) for r in rows[:CHOICES]]
        chosen = initial.get(name)
        if chosen and chosen not in {pk for pk, _label in listed}:
            record = rows.filter(pk=chosen).first()
            if record is not None:
                listed.insert(0, (record.pk, str(record)))
        choices[name] = listed
    return choices


def link_target(actor: User, data: Any) -> tuple[str, Any]:
    """The customer record a quick log is for (``?account=``/``contact``/``lead``), if visible."""
    for name, model in LINKS.items():
        if str(data.get(name, "")).isdigit():
            return name, get_visible(actor, model.objects.all(), data[name])
    raise NotFound()


def linked_record(actor: User, link_type: str, link_id: Any) -> Any | None:
    """The record of a later app an activity is linked to (a deal), when it exists and the
    actor may see it; ``None`` otherwise (the page then names nothing)."""
    if not link_type or not str(link_id or "").isdigit():
        return None
    try:
        model = registry.get(link_type).model
    except KeyError:
        return None
    return visible_to(actor, model._default_manager.all()).filter(pk=int(link_id)).first()
