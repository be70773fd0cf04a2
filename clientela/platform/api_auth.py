"""API authentication by personal token; read-only tokens may only read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from clientela.platform.errors import PermissionDenied
from clientela.platform.services.tokens import token_authenticate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied(code="read_only_token")
        request.user = api_token.user
        return api_token.user
