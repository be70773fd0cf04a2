"""Activity pages: my agenda, all activities, one activity, the form, quick log, complete, delete.

The same selectors and services as the API; the calendar and iCalendar pages are in
``views_calendar``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.activities import selectors, services
from clientela.activities.forms import ActivityForm, CompleteForm, QuickLogForm
from clientela.activities.models import Activity, ActivityKind, ActivityStatus
from clientela.platform import customforms, permissions
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import apply_errors
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate

PAGE_SIZE = 50
KEY = "activities.activity"
LINKS = selectors.LINKS
FORM_FIELDS = [
    *("kind", "subject", "status", "due_at", "duration_minutes", "reminder_at", "location"),
    *("direction", "account", "contact", "lead", "outcome", "body"),
]


def _rights(actor: Any) -> dict[str, bool]:
    return {
        f"can_{a}": permissions.can(actor, "activities.activity", a)
        for a in ("create", "edit", "delete")
    }


def agenda(request: AuthedRequest) -> HttpResponse:
    agenda_ = selectors.with_visible_links(request.user, selectors.my_agenda(request.user))
    context = {"agenda": agenda_, **_rights(request.user)}
    return render(request, "activities/agenda.html", context)


def activity_list(request: AuthedRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    filters = selectors.ActivityFilters(
        kind=kind if kind in ActivityKind.values else "",
        status=status if status in ActivityStatus.values else "",
        query=request.GET.get("q", "").strip()[:200],
    )
    page = paginate(
        selectors.activity_list(request.user, filters),
        ordering=("-sort_at", "-id"),
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    selectors.with_visible_links(request.user, page.items)
    context = {
        "page": page,
        "filters": filters,
        "kinds": ActivityKind.choices,
        "statuses": ActivityStatus.choices,
        **_rights(request.user),
    }
    return render(request, "activities/list.html", context)


def detail(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, activity_id)
    selectors.with_visible_links(request.user, [activity])
    context = {
        "activity": activity,
        "linked": selectors.linked_record(request.user, activity.link_type, activity.link_id),
        "complete_form": CompleteForm(),
        "custom": customforms.shown(request.user, KEY, activity),
        **_rights(request.user),
    }
    return render(request, "activities/detail.html", context)


def _initial(request: AuthedRequest, activity: Activity | None) -> dict[str, Any]:
    if activity is not None:
        values = {f: getattr(activity, f) for f in FORM_FIELDS if f not in LINKS}
        values.update({f: getattr(activity, f"{f}_id") for f in LINKS})
        values["due_at"] = activity.due_at and timezone.localtime(activity.due_at)
        values["reminder_at"] = activity.reminder_at and timezone.localtime(activity.reminder_at)
        return values
    fresh: dict[str, Any] = {"status": ActivityStatus.PLANNED, "kind": ActivityKind.CALL}
    if request.GET.get("kind") in ActivityKind.values:
        fresh["kind"] = request.GET["kind"]
    for name in LINKS:
        if request.GET.get(name, "").isdigit():
            fresh[name] = int(request.GET[name])
    return fresh


def _link(request: AuthedRequest) -> dict[str, Any]:
    """A new activity's link to a later app's record (``?link_type=sales.opportunity&link_id=``,
    carried through the form); the service checks the type and that the actor sees it."""
    data = request.POST if request.method == "POST" else request.GET
    link_type, link_id = str(data.get("link_type", ""))[:40], str(data.get("link_id", ""))
    if not link_type:
        return {}
    return {"link_type": link_type, "link_id": int(link_id) if link_id.isdigit() else link_id}


def activity_form(request: AuthedRequest, activity_id: int | None = None) -> HttpResponse:
    activity = selectors.activity_get(request.user, activity_id) if activity_id else None
    link = _link(request) if activity is None else {}
    initial = _initial(request, activity)
    form = ActivityForm(
        request.POST or None,
        initial=initial,
        link_choices=selectors.link_choices(request.user, initial),
    )
    custom = customforms.CustomFieldsForm(
        request.POST or None, actor=request.user, object_type=KEY, record=activity
    )
    if request.method == "POST" and all([form.is_valid(), custom.is_valid()]):
        values = custom.put({**form.cleaned_data, **link})
        try:
            if activity is None:
                activity = services.activity_create(actor=request.user, values=values)
            else:
                activity = services.activity_update(
                    actor=request.user, activity_id=activity.pk, values=values
                )
        except FORM_ERRORS as exc:
            apply_errors(form, custom.apply(exc.errors), exc.message)
        else:
            messages.success(request, _("The activity was saved."))
            return redirect("activities:detail", activity_id=activity.pk)
    context = {
        "form": form,
        "custom_form": custom,
        "activity": activity,
        "link": link,
        "linked": selectors.linked_record(request.user, **link) if link else None,
    }
    return render(request, "activities/form.html", context)


def quick_log(request: AuthedRequest) -> HttpResponse:
    """The htmx "log a call" form above a customer's timeline; saving refreshes the timeline."""
    name, record = selectors.link_target(
        request.user, request.POST if request.method == "POST" else request.GET
    )
    permissions.require(request.user, "activities.activity", "create")
    form = QuickLogForm(request.POST or None)
    saved = None
    if request.method == "POST" and form.is_valid():
        values = {**form.cleaned_data, name: record, "status": ActivityStatus.DONE}
        values["due_at"] = timezone.now()
        if values["kind"] not in {ActivityKind.CALL, ActivityKind.SMS, ActivityKind.EMAIL}:
            values["direction"] = ""
        try:
            saved = services.activity_create(actor=request.user, values=values)
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            form = QuickLogForm()
    context = {"form": form, "field": name, "record": record, "saved": saved}
    response = render(request, "activities/_quick_log.html", context)
    if saved is not None:
        response["HX-Trigger"] = "timeline-refresh"
    return response


def _back(request: AuthedRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
def complete(request: AuthedRequest, activity_id: int) -> HttpResponse:
    fallback = reverse("activities:detail", args=[activity_id])
    form = CompleteForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    try:
        activity = services.activity_complete(
            actor=request.user, activity_id=activity_id, outcome=outcome
        )
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("“%(subject)s” is done.") % {"subject": activity.subject})
    return redirect(_back(request, fallback))


def delete(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, activity_id)
    if request.method == "POST":
        try:
            services.activity_delete(actor=request.user, activity_id=activity.pk)
        except FORM_ERRORS as exc:
            messages.error(request, str(exc.message))
            return redirect("activities:detail", activity_id=activity.pk)
        messages.success(request, _("The activity was deleted."))
        return redirect("activities:agenda")
    return render(
        request,
        "platform/confirm_delete.html",
        {"object": activity, "cancel_url": "activities:agenda"},
    )
