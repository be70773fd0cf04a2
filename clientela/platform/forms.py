"""HTML forms of the platform: login, second factor, preferences, tokens, users, teams, roles,
custom field definitions."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from clientela.platform import auth, customfields, registry
from clientela.platform.models import FieldType, Role, Team, User


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


# --- custom fields (Settings → Custom fields) --------------------------------------------------


def record_types() -> list[tuple[str, Any]]:
    """The record types that take custom fields, labelled and in the registry's order
    (customers' first)."""
    customizable = {c.key for c in customfields.customizable_types()}
    return [(t.key, t.label) for t in registry.all_types() if t.key in customizable]


def _link_targets() -> list[tuple[str, Any]]:
    return [("", "—"), *((t.key, t.label) for t in registry.all_types() if t.owned)]


def _optional_text(label: Any, limit: int, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=limit, required=False, help_text=help_text)


def _optional_number(label: Any, step: str = "any") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=40, required=False, widget=forms.NumberInput(attrs={"step": step})
    )


class CustomFieldForm(forms.Form):
    """A custom field's definition as typed; ``customfields`` services clean and check it.

    ``SHOWN_FOR`` says which types use an input: the page hides the others (customfields.js),
    and without JavaScript the service ignores what does not apply to the chosen type.
    """

    object_type = forms.ChoiceField(label=_("Record type"), choices=record_types)
    label = forms.CharField(label=_("Label"), max_length=120)
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        required=False,
        help_text=_(
            "How the API, imports and exports name the field: lower-case letters, digits "
            "and “_”. It cannot change later. Left empty, it is made from the label."
        ),
        widget=forms.TextInput(attrs={"data-key-input": "", "autocomplete": "off"}),
    )
    field_type = forms.ChoiceField(
        label=_("Type"),
        choices=FieldType.choices,
        widget=forms.Select(attrs={"data-type-select": ""}),
    )
    choices = forms.CharField(
        label=_("Options"),
        required=False,
        max_length=30_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: “value|label”, or just the label."),
    )
    target = forms.ChoiceField(label=_("Linked record type"), choices=_link_targets, required=False)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=20,  # the service checks the code, and only for an amount of money
        required=False,
        initial="BRL",
        help_text=_("Three-letter code, e.g. BRL, USD."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    default = _optional_text(
        _("Default value"),
        1000,
        _("Filled in on new records; written as you would type it in the record's form."),
    )
    help_text = _optional_text(_("Help text"), 300, _("Shown under the input."))
    group = _optional_text(
        _("Group"), 80, _("Fields with the same group are shown together under this heading.")
    )
    position = forms.IntegerField(
        label=_("Position"),
        required=False,
        min_value=0,
        max_value=10_000,
        help_text=_("Smaller numbers come first. Left empty, the field goes last."),
    )
    min_value = _optional_number(_("Minimum"))
    max_value = _optional_number(_("Maximum"))
    max_length = _optional_number(_("Maximum length"), "1")
    pattern = _optional_text(
        _("Pattern"),
        200,
        _("A regular expression the whole value must match, e.g. [A-Z]{3}-\\d{2}."),
    )
    filterable = forms.BooleanField(
        label=_("Use in list filters and sorts"), required=False, initial=True
    )
    searchable = forms.BooleanField(label=_("Include in search"), required=False)

    SHOWN_FOR: dict[str, tuple[str, ...]] = {
        "choices": (FieldType.CHOICE, FieldType.MULTI_CHOICE),
        "target": (FieldType.LOOKUP,),
        "currency": (FieldType.CURRENCY,),
        "min_value": (FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY),
        "max_value": (FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY),
        "max_length": (
            *(FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL),
            *(FieldType.PHONE, FieldType.URL),
        ),
        "pattern": (
            *(FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL),
            *(FieldType.PHONE, FieldType.URL),
        ),
        "filterable": tuple(t for t in FieldType.values if t != FieldType.LONG_TEXT),
    }
    # What the service takes; the rest of the form is the page's.
    SENT = (
        *("label", "required", "default", "help_text", "group", "position", "choices"),
        *("min_value", "max_value", "max_length", "pattern", "currency", "filterable"),
        "searchable",
    )

    def rows(self) -> list[dict[str, Any]]:
        """Each input with the types it applies to ("" for all)."""
        return [
            {"field": bound, "types": " ".join(self.SHOWN_FOR.get(bound.name, ()))}
            for bound in self.visible_fields()
        ]

    def clean_key(self) -> str:
        return str(self.cleaned_data.get("key") or "").strip().lower()

    def values(self) -> dict[str, Any]:
        """What the service takes: every input in ``SENT`` (and the create-only ones present),
        an empty position left to the service, an empty key made from the label."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.SENT if name in self.fields}
        if values.get("position") is None:
            values.pop("position", None)
        for name in ("object_type", "field_type", "target"):
            if name in self.fields:
                values[name] = data.get(name) or ""
        if "key" in self.fields:
            values["key"] = data.get("key") or suggested_key(data.get("label") or "")
        return values


class CustomFieldEditForm(CustomFieldForm):
    """The same, for a field that exists: its record type, key and type stay (a type change
    converts every value: ``CustomFieldTypeForm``), and inputs its type does not use go."""

    def __init__(self, *args: Any, field_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("object_type", "key", "field_type", "target"):
            del self.fields[name]
        for name, types in self.SHOWN_FOR.items():
            if field_type not in types:
                self.fields.pop(name, None)


class CustomFieldTypeForm(forms.Form):
    field_type = forms.ChoiceField(
        label=_("New type"),
        choices=FieldType.choices,
        widget=forms.Select(attrs={"data-type-select": ""}),
    )
    choices = CustomFieldForm.base_fields["choices"]
    target = CustomFieldForm.base_fields["target"]
    currency = CustomFieldForm.base_fields["currency"]

    SHOWN_FOR = {
        name: CustomFieldForm.SHOWN_FOR[name] for name in ("choices", "target", "currency")
    }
    rows = CustomFieldForm.rows

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or "" for name in self.SHOWN_FOR}


def suggested_key(label: str) -> str:
    """A key made from a label: "Nível de satisfação" → "nivel_de_satisfacao"."""
    key = slugify(label).replace("-", "_")
    key = key.lstrip("0123456789_")[:40].rstrip("_")
    return key or "field"
