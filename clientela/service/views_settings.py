"""Settings → Service desk: queues, business calendars, SLA policies, support mailboxes and
ticket categories.

Each kind has its own right (``service.queue``, ``service.calendar``, ``service.sla``,
``service.mailbox``, ``service.category``; area "platform": administrators change them,
managers read them). Whoever may view a kind sees its pages read only; creating, editing and
deleting show only to those allowed, and the services in ``configuration`` check again. The
pages share one flow, as Settings → Products and prices does (``sales.views_catalog``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import holidays
from django.contrib import messages
from django.db.models import Count, Model, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, NotFound
from clientela.platform.http import AuthedRequest
from clientela.platform.models import Tag, Team, User
from clientela.service import configuration, hours
from clientela.service.forms_settings import (
    PRIORITIES,
    CalendarForm,
    CategoryForm,
    Choices,
    MailboxForm,
    QueueForm,
    SettingsForm,
    SlaPolicyForm,
)
from clientela.service.models import (
    ACTIVE,
    BusinessCalendar,
    MailAccount,
    Priority,
    Queue,
    SlaPolicy,
    TicketCategory,
)

NS = "service_settings"
MAX_PK = 2**63 - 1  # a longer id in a link is no record, not a database error


def _nothing(_record: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Kind:
    """What the pages of one kind of set-up record need, so they share one flow."""

    key: str  # the right: "service.queue"
    model: type[Model]
    form: type[SettingsForm]
    save: Callable[..., Any]
    delete: Callable[..., None]
    id_name: str  # the services' keyword for the record's id: "queue_id"
    url: str  # url names: <url>_list, <url>_create, <url>_edit, <url>_delete
    template: str  # the form page
    plural: Promise
    new: Promise
    saved: Promise  # messages, with %(name)s
    deleted: Promise
    choices: Callable[[Any], dict[str, Choices]] = _nothing
    more: Callable[[Any], dict[str, Any]] = _nothing  # more for the form page


# --- choices ---------------------------------------------------------------------------------


def _calendars() -> Choices:
    return list(BusinessCalendar.objects.order_by("name").values_list("pk", "name"))


def _queues() -> Choices:
    return list(Queue.objects.order_by("position", "name").values_list("pk", "name"))


def _queue_choices(queue: Queue | None) -> dict[str, Choices]:
    """Active users may lead a queue; an inactive lead it already has stays listed."""
    lead_id = queue.lead_id if queue else None
    users = User.objects.filter(Q(is_active=True) | Q(pk=lead_id))
    return {
        "team": list(Team.objects.order_by("name").values_list("pk", "name")),
        "lead": [(u.pk, u.display_name) for u in users.order_by("first_name", "username")],
        "calendar": _calendars(),
    }


def _policy_choices(_policy: Any) -> dict[str, Choices]:
    tags = list(Tag.objects.order_by("name").values_list("pk", "name"))
    return {"calendar": _calendars(), "queue": _queues(), "tier": tags}


def _mailbox_choices(_mailbox: Any) -> dict[str, Choices]:
    return {"queue": _queues()}


# --- how the pages say hours, targets and holidays -----------------------------------------


def week_text(spec: dict[str, list[str]]) -> str:
    """Opening hours in a line; neighbouring days open alike go together ("Mon to Fri")."""
    groups: list[tuple[int, int, tuple[str, ...]]] = []
    for index, key in enumerate(hours.DAY_KEYS):
        ranges = tuple(spec.get(key) or ())
        if groups and groups[-1][2] == ranges:
            groups[-1] = (groups[-1][0], index, ranges)
        else:
            groups.append((index, index, ranges))
    parts = []
    for first, last, ranges in groups:
        if ranges:
            days = str(WEEKDAYS_ABBR[first])
            if last != first:
                days += f"\N{EN DASH}{WEEKDAYS_ABBR[last]}"
            parts.append(f"{days} {', '.join(ranges)}")
    return " · ".join(parts) or _("Closed every day")


def minutes_text(minutes: int | None) -> str:
    """A target in business time, in hours and minutes (a day of it is not 24 hours)."""
    if minutes is None:
        return "—"
    whole, rest = divmod(minutes, 60)
    if not whole:
        return _("%(minutes)s min") % {"minutes": rest}
    if rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": whole, "minutes": rest}
    return _("%(hours)s h") % {"hours": whole}


def _holiday_language(supported: tuple[str, ...]) -> str | None:
    """The reader's language as the holidays package names it, if it has it."""
    wanted = to_locale(get_language() or "en")
    for code in supported:
        if code == wanted or code.split("_")[0] == wanted.split("_")[0]:
            return code
    return None


def public_holidays(country: str, subdivision: str, year: int) -> list[tuple[dt.date, str]]:
    """The public holidays of a year that a calendar of this country and state closes on."""
    if not country:
        return []
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
        language = _holiday_language(tuple(found.supported_languages))
        if language and language != found.default_language:
            found = holidays.country_holidays(
                country, subdiv=subdivision or None, years=year, language=language
            )
    except (NotImplementedError, KeyError, ValueError):
        return []
    return sorted(found.items())


def _calendar_more(calendar: BusinessCalendar | None) -> dict[str, Any]:
    if calendar is None:
        return {}
    year = timezone.localdate().year
    worked = set(calendar.open_days or [])
    found = public_holidays(calendar.country, calendar.subdivision, year)
    rows = [{"day": day, "name": name, "worked": day.isoformat() in worked} for day, name in found]
    return {"year": year, "holidays": rows}


# --- the kinds -------------------------------------------------------------------------------

QUEUE = Kind(
    "service.queue",
    Queue,
    QueueForm,
    configuration.queue_save,
    configuration.queue_delete,
    "queue_id",
    "queue",
    "service/settings/queue_form.html",
    gettext_lazy("Queues"),
    gettext_lazy("New queue"),
    gettext_lazy("The queue “%(name)s” was saved."),
    gettext_lazy("The queue “%(name)s” was deleted."),
    _queue_choices,
)
CALENDAR = Kind(
    "service.calendar",
    BusinessCalendar,
    CalendarForm,
    configuration.calendar_save,
    configuration.calendar_delete,
    "calendar_id",
    "calendar",
    "service/settings/calendar_form.html",
    gettext_lazy("Business calendars"),
    gettext_lazy("New business calendar"),
    gettext_lazy("The business calendar “%(name)s” was saved."),
    gettext_lazy("The business calendar “%(name)s” was deleted."),
    more=_calendar_more,
)
SLA_POLICY = Kind(
    "service.sla",
    SlaPolicy,
    SlaPolicyForm,
    configuration.sla_policy_save,
    configuration.sla_policy_delete,
    "policy_id",
    "sla_policy",
    "service/settings/sla_policy_form.html",
    gettext_lazy("SLA policies"),
    gettext_lazy("New SLA policy"),
    gettext_lazy("The SLA policy “%(name)s” was saved."),
    gettext_lazy("The SLA policy “%(name)s” was deleted."),
    _policy_choices,
)
MAILBOX = Kind(
    "service.mailbox",
    MailAccount,
    MailboxForm,
    configuration.mailbox_save,
    configuration.mailbox_delete,
    "mailbox_id",
    "mailbox",
    "service/settings/mailbox_form.html",
    gettext_lazy("Mailboxes"),
    gettext_lazy("New mailbox"),
    gettext_lazy("The mailbox “%(name)s” was saved."),
    gettext_lazy("The mailbox “%(name)s” was deleted."),
    _mailbox_choices,
)
CATEGORY = Kind(
    "service.category",
    TicketCategory,
    CategoryForm,
    configuration.category_save,
    configuration.category_delete,
    "category_id",
    "category",
    "service/settings/categories.html",
    gettext_lazy("Ticket categories"),
    gettext_lazy("New category"),
    gettext_lazy("The category “%(name)s” was saved."),
    gettext_lazy("The category “%(name)s” was deleted."),
)
KINDS = (QUEUE, CALENDAR, SLA_POLICY, MAILBOX, CATEGORY)


# --- shared --------------------------------------------------------------------------------


def _rights(actor: User, kind: Kind) -> dict[str, bool]:
    return {f"can_{a}": permissions.can(actor, kind.key, a) for a in ("create", "edit", "delete")}


def _tabs(actor: User) -> list[tuple[str, str, Promise]]:
    """The tabs of the kinds the actor may see: (url name, kind, label)."""
    return [
        (f"{NS}:{k.url}_list", k.url, k.plural)
        for k in KINDS
        if permissions.can(actor, k.key, "view")
    ]


def _record(model: type[Model], pk: int) -> Any:
    found = model._default_manager.filter(pk=pk).first() if 0 < pk <= MAX_PK else None
    if found is None:
        raise NotFound()
    return found


def _page(request: AuthedRequest, kind: Kind, template: str, **context: Any) -> HttpResponse:
    urls = {name: f"{NS}:{kind.url}_{name}" for name in ("list", "create", "edit", "delete")}
    context.update(kind=kind, tab=kind.url, tabs=_tabs(request.user), urls=urls)
    context.update(_rights(request.user, kind))
    return render(request, template, context)


def _values(form: SettingsForm, record: Model | None) -> dict[str, Any]:
    """The form as the service's values: a new record leaves out what was left empty (the
    service's defaults apply); a change sends every field, so an emptied one is emptied."""
    return {k: v for k, v in form.values().items() if record is not None or v is not None}


def _edit(request: AuthedRequest, kind: Kind, pk: int | None) -> HttpResponse:
    actor = request.user
    action = "edit" if pk is not None else "create"
    permissions.require(actor, kind.key, "view" if pk is not None else "create")
    record = _record(kind.model, pk) if pk is not None else None
    data = request.POST if request.method == "POST" else None
    if data is not None:
        permissions.require(actor, kind.key, action)
    form = kind.form(
        data,
        initial=kind.form.initial_for(record),
        choices=kind.choices(record),
        editing=record is not None,
    )
    editable = permissions.can(actor, kind.key, action)
    for field in form.fields.values():
        field.disabled = not editable
    if data is not None and form.is_valid():
        ids = {kind.id_name: record.pk} if record is not None else {}
        try:
            saved = kind.save(actor=actor, values=_values(form, record), **ids)
        except FORM_ERRORS as exc:
            form.show_errors(exc.errors, exc.message)
        else:
            messages.success(request, str(kind.saved) % {"name": saved.name})
            return redirect(f"{NS}:{kind.url}_list")
    more = kind.more(record)
    return _page(request, kind, kind.template, form=form, record=record, editable=editable, **more)


def _delete(request: AuthedRequest, kind: Kind, pk: int) -> HttpResponse:
    """A confirmation page (the list asks in a dialog); the POST deletes, or shows the
    service's refusal ("it is in use") as a message."""
    permissions.require(request.user, kind.key, "delete")
    record = _record(kind.model, pk)
    if request.method == "POST":
        try:
            kind.delete(actor=request.user, **{kind.id_name: record.pk})
        except FORM_ERRORS as exc:
            reason = {"name": record.name, "reason": exc.message}
            messages.error(request, _("“%(name)s” was not deleted. %(reason)s") % reason)
        else:
            messages.success(request, str(kind.deleted) % {"name": record.name})
        return redirect(f"{NS}:{kind.url}_list")
    context = {"object": record, "cancel_url": f"{NS}:{kind.url}_list"}
    return render(request, "platform/confirm_delete.html", context)


# --- lists ---------------------------------------------------------------------------------


def queue_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, QUEUE.key, "view")
    active = Count("tickets", filter=Q(tickets__status__in=ACTIVE))
    rows = Queue.objects.select_related("team", "lead", "calendar").annotate(active_tickets=active)
    return _page(request, QUEUE, "service/settings/queues.html", rows=list(rows))


def calendar_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, CALENDAR.key, "view")
    rows = [(c, week_text(c.hours or {})) for c in BusinessCalendar.objects.order_by("name")]
    return _page(request, CALENDAR, "service/settings/calendars.html", rows=rows)


def _targets_text(targets: dict[str, dict[str, int]]) -> list[tuple[Any, str, str]]:
    """Per priority with a target: (label, first response, resolution)."""
    return [
        (
            Priority(p).label,
            minutes_text(targets[p].get("first_response")),
            minutes_text(targets[p].get("resolution")),
        )
        for p in PRIORITIES
        if targets.get(p)
    ]


def sla_policy_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, SLA_POLICY.key, "view")
    policies = SlaPolicy.objects.select_related("calendar", "queue", "tier")
    rows = [(p, _targets_text(p.targets or {})) for p in policies.order_by("position", "id")]
    return _page(request, SLA_POLICY, "service/settings/sla_policies.html", rows=rows)


def mailbox_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, MAILBOX.key, "view")
    rows = MailAccount.objects.select_related("queue").order_by("name")
    return _page(request, MAILBOX, "service/settings/mailboxes.html", rows=list(rows))


# --- one record: create, view or change, delete --------------------------------------------


def queue_form(request: AuthedRequest, queue_id: int | None = None) -> HttpResponse:
    return _edit(request, QUEUE, queue_id)


def queue_delete(request: AuthedRequest, queue_id: int) -> HttpResponse:
    return _delete(request, QUEUE, queue_id)


def calendar_form(request: AuthedRequest, calendar_id: int | None = None) -> HttpResponse:
    return _edit(request, CALENDAR, calendar_id)


def calendar_delete(request: AuthedRequest, calendar_id: int) -> HttpResponse:
    return _delete(request, CALENDAR, calendar_id)


def sla_policy_form(request: AuthedRequest, policy_id: int | None = None) -> HttpResponse:
    return _edit(request, SLA_POLICY, policy_id)


def sla_policy_delete(request: AuthedRequest, policy_id: int) -> HttpResponse:
    return _delete(request, SLA_POLICY, policy_id)


def mailbox_form(request: AuthedRequest, mailbox_id: int | None = None) -> HttpResponse:
    return _edit(request, MAILBOX, mailbox_id)


def mailbox_delete(request: AuthedRequest, mailbox_id: int) -> HttpResponse:
    return _delete(request, MAILBOX, mailbox_id)


@require_POST
def mailbox_check(request: AuthedRequest, mailbox_id: int) -> HttpResponse:
    """Sign in to the mailbox with its saved settings now, and say how it went."""
    permissions.require(request.user, MAILBOX.key, "view")
    record = _record(MailAccount, mailbox_id)
    problem = configuration.mailbox_check(actor=request.user, mailbox_id=record.pk)
    if problem:
        messages.error(request, _("The connection failed: %(error)s") % {"error": problem})
    else:
        messages.success(request, _("Connection works."))
    return redirect(f"{NS}:mailbox_edit", record.pk)


# --- ticket categories: one list, each row its own form ------------------------------------


def _row_form(category: TicketCategory, data: Any = None) -> CategoryForm:
    return CategoryForm(
        data,
        initial=CategoryForm.initial_for(category),
        auto_id=f"id_category_{category.pk}_%s",
        form_id=f"category-{category.pk}",
        row=category.pk,
    )


def _categories(
    request: AuthedRequest, new: CategoryForm | None = None, edited: CategoryForm | None = None
) -> HttpResponse:
    can_edit = permissions.can(request.user, CATEGORY.key, "edit")
    rows = []
    for category in TicketCategory.objects.order_by("name"):
        form = None
        if can_edit:
            mine = edited is not None and edited.row == category.pk
            form = edited if mine else _row_form(category)
        rows.append({"record": category, "form": form})
    new = new or CategoryForm(initial=CategoryForm.defaults, auto_id="id_new_%s")
    return _page(request, CATEGORY, CATEGORY.template, rows=rows, new=new)


def _save_category(request: AuthedRequest, form: CategoryForm, pk: int | None) -> bool:
    if not form.is_valid():
        return False
    ids = {"category_id": pk} if pk is not None else {}
    try:
        saved = configuration.category_save(actor=request.user, values=form.values(), **ids)
    except FORM_ERRORS as exc:
        form.show_errors(exc.errors, exc.message)
        return False
    messages.success(request, str(CATEGORY.saved) % {"name": saved.name})
    return True


def category_list(request: AuthedRequest) -> HttpResponse:
    """The categories; its POST adds one."""
    permissions.require(request.user, CATEGORY.key, "view")
    if request.method != "POST":
        return _categories(request)
    permissions.require(request.user, CATEGORY.key, "create")
    new = CategoryForm(request.POST, auto_id="id_new_%s")
    if _save_category(request, new, None):
        return redirect(f"{NS}:category_list")
    return _categories(request, new=new)


@require_POST
def category_edit(request: AuthedRequest, category_id: int) -> HttpResponse:
    """Rename a category, or switch it off (or on) for new tickets."""
    permissions.require(request.user, CATEGORY.key, "edit")
    category = _record(TicketCategory, category_id)
    form = _row_form(category, request.POST)
    if _save_category(request, form, category.pk):
        return redirect(f"{NS}:category_list")
    return _categories(request, edited=form)


def category_delete(request: AuthedRequest, category_id: int) -> HttpResponse:
    return _delete(request, CATEGORY, category_id)
