"""HTML forms of the platform: login, second factor, preferences, tokens, users, teams, roles."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from clientela.platform import auth
from clientela.platform.models import Role, Team, User


class LoginForm(AuthenticationForm):
    """Django's login form, refusing early while the name or the address is locked out."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts. Wait a few minutes and try again."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        ip = auth.client_ip(self.request) if self.request else "unknown"
        if auth.login_blocked(username, ip):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            auth.login_failed(username, ip)
            raise
        auth.login_succeeded(username, ip)
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _zones() -> list[tuple[str, str]]:
    return [
        (z, z)
        for z in sorted(zoneinfo.available_timezones())
        if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    ]


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zones)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the name of the script."),
    )
    read_only = forms.BooleanField(
        label=_("Read-only"),
        required=False,
        help_text=_("The token may read but never change data."),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for a token that does not expire."),
    )


class UserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )


class NewUserForm(UserForm):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to let the user choose one with 'Forgot your password?'."),
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"), queryset=User.objects.filter(is_active=True), required=False
    )


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


def apply_errors(form: forms.Form, errors: dict[str, list[str]], fallback: object) -> None:
    """Show a service's field errors on the form (unknown fields as form-wide errors)."""
    if not errors:
        form.add_error(None, str(fallback))
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
