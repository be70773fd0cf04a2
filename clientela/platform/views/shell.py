"""The shell: dashboard, sections still to come, language switch, notifications, search."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from clientela.platform import search, selectors
from clientela.platform.errors import NotFound
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.platform.services import notifications, users

COMING_SOON = {
    "leads": (_("Leads"), _("Capture and qualify prospects before they become customers.")),
    "pipeline": (_("Pipeline"), _("Opportunities on a board by stage, with forecasts.")),
    "activities": (_("Activities"), _("Calls, meetings, tasks and notes, with a calendar.")),
    "marketing": (_("Marketing"), _("Segments, campaigns, e-mail sending and lead scoring.")),
    "service": (_("Service"), _("Tickets, SLAs, contracts and the knowledge base.")),
    "contactcenter": (_("Contact center"), _("Queues, routing, dialog scripts and live calls.")),
    "reports": (_("Reports"), _("KPIs, dashboards and forecasts from your own data.")),
}


def dashboard(request: AuthedRequest) -> HttpResponse:
    context = {
        "figures": search.dashboard_figures(request.user),
        "recent_notifications": selectors.notification_list(request.user)[:5],
    }
    return render(request, "platform/dashboard.html", context)


def coming_soon(request: AuthedRequest, section: str) -> HttpResponse:
    title, summary = COMING_SOON[section]
    return render(
        request,
        "platform/coming_soon.html",
        {"title": title, "summary": summary, "section": section},
    )


def _safe_next(request: AuthedRequest) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_not_required
@require_POST
def set_language(request: AuthedRequest) -> HttpResponse:
    """Switch the interface language; kept on the user so it follows them across devices."""
    from django.conf import settings

    code = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request))
    if not check_for_language(code) or code not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        users.preferences_update(actor=request.user, language=code)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.HTTPS,
        httponly=True,
    )
    return response


def notification_list(request: AuthedRequest) -> HttpResponse:
    page = paginate(
        selectors.notification_list(request.user),
        ordering=("-id",),
        cursor=request.GET.get("cursor"),
        limit=25,
    )
    return render(request, "platform/notifications.html", {"page": page})


@require_POST
def notification_read(request: AuthedRequest, notification_id: int) -> HttpResponse:
    try:
        note = notifications.notification_mark_read(
            actor=request.user, notification_id=notification_id
        )
    except NotFound:
        return redirect("notifications")
    return redirect(note.url or "notifications")


@require_POST
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    notifications.notification_mark_all_read(actor=request.user)
    return redirect("notifications")


def notification_bell(request: AuthedRequest) -> HttpResponse:
    """The bell's badge, refreshed by htmx."""
    return render(
        request,
        "platform/_bell.html",
        {"unread_notifications": selectors.unread_count(request.user)},
    )


def global_search(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = search.run(request.user, query) if query else []
    return render(request, "platform/search.html", {"query": query, "results": results})


@login_not_required
def healthz(request: AuthedRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
