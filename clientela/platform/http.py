"""Request types for type checking: behind the login middleware the user is always a User."""

from __future__ import annotations

from django.http import HttpRequest

from clientela.platform.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
