"""The HTTP API: one NinjaAPI, routers contributed by the apps, errors as RFC 9457 problem+json."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import SessionAuth

from clientela.platform.api_auth import ApiTokenAuth
from clientela.platform.api_customfields import with_custom_fields
from clientela.platform.errors import DomainError
from clientela.platform.http import problem
from clientela.platform.services.tokens import token_authenticate

logger = logging.getLogger(__name__)


_signed_in: ContextVar[bool] = ContextVar("clientela_openapi_signed_in", default=False)


def _docs_reader(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The document and its page name the custom fields only to a signed-in reader (session
    or token): their keys, labels and options are the company's own business."""

    @wraps(view)
    def read(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        signed_in = bool(getattr(request.user, "is_authenticated", False))
        header = request.headers.get("Authorization", "")
        if not signed_in and header.lower().startswith("bearer "):
            signed_in = token_authenticate(header[7:].strip()) is not None
        mark = _signed_in.set(signed_in)
        try:
            return view(request, *args, **kwargs)
        finally:
            _signed_in.reset(mark)

    return read


class ClientelaApi(NinjaAPI):
    """The document names the custom fields defined at the moment it is read (for a signed-in
    reader; anyone else reads the fields' object without its members).

    The rest of it comes from the code alone, so it is built once per process and language
    (half a second to two seconds of schema generation) and copied for each reader."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._documents: dict[tuple[str | None, str, str], OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        key = (path_prefix, translation.get_language() or "", repr(path_params))
        built = self._documents.get(key)
        if built is None:
            built = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            self._documents[key] = built
        spec = copy.deepcopy(built)
        return with_custom_fields(spec) if _signed_in.get() else spec


api = ClientelaApi(
    title="Clientela API",
    version="1",
    description="Clientela's HTTP API. Authenticate with a personal API token "
    "(`Authorization: Bearer clt_…`) or a browser session.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=_docs_reader,
    auth=[ApiTokenAuth(), SessionAuth()],
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem(
        request,
        exc.status,
        str(exc.message),
        code=exc.code,
        errors={k: [str(m) for m in v] for k, v in exc.errors.items()},
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        location = ".".join(str(p) for p in item.get("loc", ())[1:]) or "body"
        errors.setdefault(location, []).append(str(item.get("msg", "")))
    return problem(
        request, 422, _("Some fields are not valid."), code="validation_failed", errors=errors
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(request, 401, _("Authentication required."), code="not_authenticated")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, _("Not found."), code="not_found")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals, with a translated title and a stable code instead of its text."""
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        title, code = _("The CSRF check failed; reload the page and try again."), "csrf_failed"
    elif exc.status_code == 400:
        title, code = _("The request could not be read."), "bad_request"
    else:
        title, code = _("The request could not be processed."), "http_error"
    return problem(request, exc.status_code, str(title), code=code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem(request, 413, _("The request is too large."), code="too_large")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return problem(request, 400, _("The request could not be read."), code="bad_request")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s", request.path)
    return problem(request, 500, _("Something went wrong on the server."), code="server_error")


def _mount() -> None:
    import clientela.customers.api_dedup  # noqa: F401 (duplicates and merges)
    from clientela.activities.api import router as activities_router
    from clientela.customers import api_leads, api_privacy  # noqa: F401 (leads, consent, privacy)
    from clientela.customers.api import router as customers_router
    from clientela.customers.api_imports import router as imports_router
    from clientela.customers.api_lists import bulk_router  # and the list operations
    from clientela.platform.api import router as platform_router
    from clientela.platform.api_configuration import router as configuration_router
    from clientela.platform.api_customfields import router as custom_fields_router
    from clientela.platform.api_saved_views import router as saved_views_router
    from clientela.platform.api_webhooks import router as webhooks_router
    from clientela.sales.api import router as sales_router

    api.add_router("/v1/", platform_router)
    api.add_router("/v1/", saved_views_router)
    api.add_router("/v1/", webhooks_router)
    api.add_router("/v1/", "clientela.platform.api_plugins.router")  # plugins (decision 0009)
    api.add_router("/v1/", custom_fields_router)
    api.add_router("/v1/", "clientela.platform.api_customobjects.router")  # decision 0008
    api.add_router("/v1/", configuration_router)
    api.add_router("/v1/", "clientela.platform.api_rules.router")  # rules (decision 0007)
    api.add_router("/v1/", bulk_router)  # before customers: its paths are more specific
    api.add_router("/v1/", imports_router)  # before customers: /contacts/export is not an id
    api.add_router("/v1/", customers_router)
    api.add_router("/v1/", activities_router)
    api.add_router("/v1/", sales_router)
    api.add_router("/v1/", "clientela.sales.api_catalog.router")  # products, prices, rates
    api.add_router("/v1/", "clientela.sales.api_documents.router")  # lines, quotes, orders
    api.add_router("/v1/", "clientela.sales.api_settings.router")  # company profile, quotas
    api.add_router("/v1/", "clientela.service.api.router")  # tickets
    api.add_router("/v1/", "clientela.service.api_settings.router")  # service desk set-up
    api.add_router("/v1/", "clientela.service.api_reports.router")  # service metrics
    api.add_router("/v1/", "clientela.service.api_kb.router")  # knowledge base
    api.add_router("/v1/", "clientela.service.api_assets.router")  # assets, contracts, plans
    api.add_router("/v1/", "clientela.service.api_dispatch.router")  # technicians, appointments


_mount()
