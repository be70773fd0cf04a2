"""Per-request wiring: the user's language and time zone, the audit channel, login required."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone, translation

from clientela.platform.context import use_channel
from clientela.platform.errors import NotFound, PermissionDenied

PUBLIC_PREFIXES = ("/api/", "/static/", "/favicon.ico", "/healthz")


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        channel = "api" if request.path.startswith("/api/") else "ui"
        try:
            with use_channel(channel):
                return self.get_response(request)
        finally:
            timezone.deactivate()


class DomainErrorMiddleware:
    """A NotFound or PermissionDenied raised in a page view becomes the 404 or 403 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied from exception
        return None


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login except the API (its own auth answers 401) and static files."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
