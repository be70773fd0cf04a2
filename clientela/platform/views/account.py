"""A user's own pages: preferences, API tokens and two-factor authentication."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.platform import auth
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import CodeForm, PreferencesForm, TokenForm, apply_errors
from clientela.platform.http import AuthedRequest
from clientela.platform.services import tokens, users
from clientela.platform.services.twofactor import totp_disable, totp_enable

SETUP_KEY = "clientela_totp_setup"


def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    initial = {
        "language": user.language or request.LANGUAGE_CODE,
        "time_zone": user.time_zone or settings.TIME_ZONE,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            users.preferences_update(actor=user, **form.cleaned_data)
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            response = redirect("profile")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                form.cleaned_data["language"],
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=settings.HTTPS,
                httponly=True,
            )
            messages.success(request, _("Your preferences were saved."))
            return response
    return render(request, "platform/profile.html", {"form": form})


def token_list(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = tokens.token_create(actor=request.user, **form.cleaned_data)
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            form = TokenForm()
    rows = request.user.api_tokens.all()
    return render(
        request,
        "platform/tokens.html",
        {"form": form, "tokens": rows, "new_secret": new_secret, "now": timezone.now()},
    )


@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    try:
        token = tokens.token_revoke(actor=request.user, token_id=token_id)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("tokens")


def two_factor(request: AuthedRequest) -> HttpResponse:
    """Turn TOTP on (scan, then confirm a code) or off (confirm a code)."""
    user = request.user
    form = CodeForm(request.POST or None)
    if user.totp_enabled:
        if request.method == "POST" and form.is_valid():
            try:
                totp_disable(actor=user, code=form.cleaned_data["code"])
            except FORM_ERRORS as exc:
                apply_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("Two-factor authentication is off."))
                return redirect("profile")
        return render(request, "platform/two_factor.html", {"form": form, "enabled": True})
    secret = request.session.get(SETUP_KEY) or auth.new_totp_secret()
    request.session[SETUP_KEY] = secret
    if request.method == "POST" and form.is_valid():
        try:
            totp_enable(actor=user, secret=secret, code=form.cleaned_data["code"])
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            request.session.pop(SETUP_KEY, None)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("profile")
    uri = auth.totp_uri(user, secret)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return render(
        request,
        "platform/two_factor.html",
        {"form": form, "enabled": False, "secret": secret, "qr": qr},
    )
