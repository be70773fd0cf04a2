"""Request types for type checking: behind the login middleware the user is always a User."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from clientela.platform.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]


def problem(
    request: HttpRequest,
    status: int,
    title: str,
    *,
    code: str,
    detail: str = "",
    errors: dict[str, Any] | None = None,
) -> HttpResponse:
    """An RFC 9457 problem+json answer: the API's errors, and the public inbound hooks'."""
    body: dict[str, Any] = {
        "type": f"about:blank#{code}",
        "title": title,
        "status": status,
        "code": code,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = {k: [str(m) for m in v] for k, v in errors.items()}
    return JsonResponse(body, status=status, content_type="application/problem+json")
