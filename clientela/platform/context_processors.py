"""What every page of the shell needs: navigation, unread notifications, languages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from clientela.platform import navigation, selectors


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"LANGUAGES_CHOICES": settings.LANGUAGES}
    return {
        "nav_sections": navigation.sections_for(user, request.path),
        "unread_notifications": selectors.unread_count(user),
        "LANGUAGES_CHOICES": settings.LANGUAGES,
    }
