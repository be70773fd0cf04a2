"""Settings → Webhooks (administrators), and the public address inbound webhooks post to.

The pages are thin over ``services.webhooks`` and ``services.inbound_hooks``; a secret is shown
once, on the page that answers its creation or rotation, and never again.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clientela.platform import inbound, outbox
from clientela.platform.errors import FORM_ERRORS, DomainError
from clientela.platform.forms import apply_errors
from clientela.platform.forms_webhooks import InboundHookForm, WebhookEndpointForm
from clientela.platform.http import AuthedRequest, problem
from clientela.platform.models import DeliveryStatus, InboundHook
from clientela.platform.pagination import paginate
from clientela.platform.services import inbound_hooks as inbound_services
from clientela.platform.services import webhooks as services

MAX_BODY = 256 * 1024


def _inbound_url(request: HttpRequest, hook: InboundHook) -> str:
    return request.build_absolute_uri(reverse("inbound_hook", args=[hook.public_id]))


def _kind_label(key: str) -> Any:
    try:
        return inbound.get(key).label
    except KeyError:
        return key


def webhook_list(request: AuthedRequest) -> HttpResponse:
    endpoints = list(services.endpoint_list(request.user))
    hooks = [
        {"row": h, "kind": _kind_label(h.kind), "url": _inbound_url(request, h)}
        for h in inbound_services.hook_list(request.user)
    ]
    return render(
        request, "platform/settings/webhooks.html", {"endpoints": endpoints, "hooks": hooks}
    )


def _secret_page(request: AuthedRequest, secret: str, **context: Any) -> HttpResponse:
    context["secret"] = secret
    response = render(request, "platform/settings/webhook_secret.html", context)
    response["Cache-Control"] = "no-store"
    return response


def webhook_create(request: AuthedRequest) -> HttpResponse:
    services.require_admin(request.user, services.KEY, "create")
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(actor=request.user, values=form.values())
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            return _secret_page(request, secret, endpoint=endpoint, created=True)
    return render(request, "platform/settings/webhook_form.html", {"form": form, "endpoint": None})


def webhook_edit(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    endpoint = services.endpoint_get(request.user, endpoint_id)
    services.require_admin(request.user, services.KEY, "edit")
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "is_active": endpoint.is_active,
    }
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(actor=request.user, pk=endpoint.pk, values=form.values())
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The webhook was saved."))
            return redirect("settings:webhook_detail", endpoint_id=endpoint.pk)
    context = {"form": form, "endpoint": endpoint}
    return render(request, "platform/settings/webhook_form.html", context)


def webhook_detail(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    endpoint = services.endpoint_get(request.user, endpoint_id)
    status = request.GET.get("status", "")
    status = status if status in DeliveryStatus.values else ""
    page = paginate(
        services.delivery_list(request.user, endpoint.pk, status),
        ordering=("-created_at", "-id"),
        cursor=request.GET.get("cursor"),
        limit=25,
    )
    labels = dict(outbox.event_types())
    context = {
        "endpoint": endpoint,
        "events": [labels.get(e, e) for e in endpoint.event_types if e != "*"],
        "all_events": "*" in endpoint.event_types,
        "page": page,
        "status": status,
        "statuses": DeliveryStatus.choices,
    }
    return render(request, "platform/settings/webhook_detail.html", context)


def webhook_delete(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    endpoint = services.endpoint_get(request.user, endpoint_id)
    services.require_admin(request.user, services.KEY, "delete")
    if request.method == "POST":
        services.endpoint_delete(actor=request.user, pk=endpoint.pk)
        messages.success(request, _("The webhook was deleted."))
        return redirect("settings:webhook_list")
    cancel = reverse("settings:webhook_detail", args=[endpoint.pk])
    return render(
        request, "platform/settings/webhook_delete.html", {"object": endpoint, "cancel": cancel}
    )


@require_POST
def webhook_rotate(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    endpoint, secret = services.endpoint_rotate_secret(actor=request.user, pk=endpoint_id)
    return _secret_page(request, secret, endpoint=endpoint, created=False)


@require_POST
def webhook_enable(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    services.endpoint_enable(actor=request.user, pk=endpoint_id)
    messages.success(request, _("The webhook is on again; waiting deliveries go out shortly."))
    return redirect("settings:webhook_detail", endpoint_id=endpoint_id)


@require_POST
def delivery_resend(request: AuthedRequest, endpoint_id: int, delivery_id: UUID) -> HttpResponse:
    try:
        services.delivery_resend(
            actor=request.user, endpoint_id=endpoint_id, delivery_id=delivery_id
        )
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The delivery will be sent again."))
    return redirect("settings:webhook_detail", endpoint_id=endpoint_id)


# --- inbound endpoints -----------------------------------------------------------------------


def inbound_create(request: AuthedRequest) -> HttpResponse:
    services.require_admin(request.user, inbound_services.KEY, "create")
    form = InboundHookForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            hook, secret = inbound_services.hook_create(actor=request.user, values=form.values())
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            url = _inbound_url(request, hook)
            return _secret_page(request, secret, hook=hook, hook_url=url, created=True)
    return render(request, "platform/settings/inbound_form.html", {"form": form, "hook": None})


def inbound_edit(request: AuthedRequest, hook_id: int) -> HttpResponse:
    hook = inbound_services.hook_get(request.user, hook_id)
    initial = {
        "kind": hook.kind,
        "description": hook.description,
        "owner": hook.owner_id,
        "is_active": hook.is_active,
    }
    form = InboundHookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inbound_services.hook_update(actor=request.user, pk=hook.pk, values=form.values())
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The inbound webhook was saved."))
            return redirect("settings:webhook_list")
    context = {
        "form": form,
        "hook": hook,
        "hook_url": _inbound_url(request, hook),
        "kind": _kind_label(hook.kind),
    }
    return render(request, "platform/settings/inbound_form.html", context)


def inbound_delete(request: AuthedRequest, hook_id: int) -> HttpResponse:
    hook = inbound_services.hook_get(request.user, hook_id)
    services.require_admin(request.user, inbound_services.KEY, "delete")
    if request.method == "POST":
        inbound_services.hook_delete(actor=request.user, pk=hook.pk)
        messages.success(request, _("The inbound webhook was deleted."))
        return redirect("settings:webhook_list")
    cancel = reverse("settings:inbound_edit", args=[hook.pk])
    return render(
        request, "platform/settings/webhook_delete.html", {"object": hook, "cancel": cancel}
    )


@require_POST
def inbound_rotate(request: AuthedRequest, hook_id: int) -> HttpResponse:
    hook, secret = inbound_services.hook_rotate_secret(actor=request.user, pk=hook_id)
    url = _inbound_url(request, hook)
    return _secret_page(request, secret, hook=hook, hook_url=url, created=False)


# --- the public address ----------------------------------------------------------------------


def _problem(
    request: HttpRequest, status: int, title: str, code: str, errors: dict | None = None
) -> HttpResponse:
    return problem(request, status, title, code=code, errors=errors)


def _too_big(request: HttpRequest) -> bool:
    limit = int(getattr(settings, "INBOUND_HOOK_MAX_BYTES", MAX_BODY))
    length = str(request.META.get("CONTENT_LENGTH") or "")
    return length.isdigit() and int(length) > limit


def _throttled(hook: InboundHook) -> bool:
    """A light fixed-window limit per endpoint (posts per minute), shared through the cache."""
    limit = int(getattr(settings, "INBOUND_HOOK_RATE_LIMIT", 120))
    key = f"inbound-hook:{hook.pk}"
    cache.add(key, 0, 60)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 60)
        count = 1
    return count > limit


def _authentic(request: HttpRequest, hook: InboundHook, body: bytes) -> bool:
    authorization = request.headers.get("Authorization", "")
    scheme, _sep, bearer = authorization.partition(" ")
    return inbound_services.authentic(
        hook,
        body,
        signature=request.headers.get("X-Clientela-Signature", ""),
        timestamp=request.headers.get("X-Clientela-Timestamp", ""),
        bearer=bearer if scheme.lower() == "bearer" else "",
    )


def _refusal(request: HttpRequest, hook: InboundHook | None, body: bytes) -> HttpResponse | None:
    if hook is None:
        return _problem(request, 404, _("Not found."), "not_found")
    limit = int(getattr(settings, "INBOUND_HOOK_MAX_BYTES", MAX_BODY))
    if len(body) > limit:
        return _problem(request, 413, _("The request is too large."), "too_large")
    if _throttled(hook):
        return _problem(request, 429, _("Too many requests; try again in a minute."), "throttled")
    if not _authentic(request, hook, body):
        response = _problem(
            request, 401, _("The signature or the secret is not right."), "bad_signature"
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    if not hook.is_active:
        return _problem(request, 410, _("This webhook is switched off."), "disabled")
    return None


@csrf_exempt
@login_not_required
@require_POST
def inbound_receive(request: HttpRequest, public_id: str) -> HttpResponse:
    """``POST /hooks/in/<public id>``: one JSON object, signed or with the secret as token."""
    if _too_big(request):
        return _problem(request, 413, _("The request is too large."), "too_large")
    hook = InboundHook.objects.select_related("owner").filter(public_id=public_id[:32]).first()
    body = request.read(int(getattr(settings, "INBOUND_HOOK_MAX_BYTES", MAX_BODY)) + 1)
    refusal = _refusal(request, hook, body)
    if refusal is not None or hook is None:
        return refusal or _problem(request, 404, _("Not found."), "not_found")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _problem(request, 400, _("The body is not valid JSON."), "bad_request")
    if not isinstance(data, dict):
        errors = {"body": [_("Send one JSON object.")]}
        return _problem(request, 422, _("Some fields are not valid."), "validation_failed", errors)
    try:
        object_type, record = inbound_services.receive(hook, data)
    except DomainError as exc:
        return _problem(request, exc.status, str(exc.message), exc.code, exc.errors)
    return JsonResponse({"object_type": object_type, "id": record.pk}, status=201)
