"""The calendar pages: week and month grids, iCalendar downloads and the secret feed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clientela.activities import calendar, ics, selectors, services
from clientela.platform import permissions
from clientela.platform.http import AuthedRequest
from clientela.platform.models import Scope

MAX_EXPORT_DAYS = 366


def _may_see_team(request: AuthedRequest) -> bool:
    grant = permissions.grant_for(request.user, "activities.activity")
    return grant.scope != Scope.OWN or bool(permissions.team_ids(request.user))


def calendar_view(request: AuthedRequest) -> HttpResponse:
    mode = request.GET.get("view", "week")
    mode = mode if mode in calendar.MODES else "week"
    span = calendar.span(mode, calendar.parse_anchor(request.GET.get("date")))
    team = request.GET.get("who") == "team" and _may_see_team(request)
    rows = list(selectors.calendar_activities(request.user, span.start, span.end, team=team))
    context = {
        "span": span,
        "days": calendar.lay_out(span, rows),
        "weekdays": calendar.lay_out(calendar.span("week", span.first), [])[:7],
        "who": "team" if team else "me",
        "can_team": _may_see_team(request),
        "today": calendar.today(),
        "count": len(rows),
    }
    return render(request, "activities/calendar.html", context)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@require_GET
def export_range(request: AuthedRequest) -> HttpResponse:
    """Download the visible activities between two dates (the user's days) as a .ics file."""
    start, end = _day(request.GET.get("start")), _day(request.GET.get("end"))
    if start is None or end is None or not 0 <= (end - start).days < MAX_EXPORT_DAYS:
        return HttpResponse(
            _("Give a start and an end date (YYYY-MM-DD), at most a year apart."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = selectors.activity_list(
        request.user,
        selectors.ActivityFilters(
            due_from=_local_midnight(start), due_to=_local_midnight(end + timedelta(days=1))
        ),
    ).order_by("due_at", "id")
    body = ics.calendar(
        rows, name=_("Clientela activities"), base_url=request.build_absolute_uri("/")
    )
    return ics.response(body, filename=f"activities-{start}-{end}.ics")


@require_GET
def export_one(request: AuthedRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_get(request.user, activity_id)
    if activity.due_at is None:
        raise Http404
    body = ics.calendar([activity], name=activity.subject, base_url=request.build_absolute_uri("/"))
    return ics.response(body, filename=f"activity-{activity.pk}.ics")


@login_not_required
@require_GET
def feed(request: AuthedRequest, secret: str) -> HttpResponse:
    """The secret-URL feed calendar apps subscribe to; the URL is the only credential."""
    user = services.calendar_feed_user(secret)
    if user is None:
        raise Http404
    body = ics.calendar(
        selectors.feed_activities(user),
        name=_("Clientela: %(name)s") % {"name": user.display_name},
        base_url=request.build_absolute_uri("/"),
    )
    response = ics.response(body)
    response["Cache-Control"] = "private, max-age=300"
    return response


def feed_settings(request: AuthedRequest) -> HttpResponse:
    """Show, create, replace or switch off the user's feed URL (shown once, like a token)."""
    secret = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_feed_revoke(actor=request.user)
        else:
            secret = services.calendar_feed_regenerate(actor=request.user)
    url = reverse("activities:feed", args=[secret]) if secret else ""
    context = {
        "feed": selectors.calendar_feed(request.user),
        "feed_url": request.build_absolute_uri(url) if url else "",
    }
    return render(request, "activities/feed.html", context)
