"""HTML forms for accounts and contacts; the services do the real validation.

A record's page posts one main form plus repeatable rows (formsets) for e-mails, phones,
addresses and, for contacts, accounts with roles. ``RecordForms`` bundles them: it turns the
filled rows into the service's values and puts the service's ``emails.1.value``-style errors back
on the row and field they belong to.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from clientela.customers.models import (
    AccountKind,
    AccountRole,
    AddressKind,
    AgeBand,
    Education,
    Gender,
    IncomeBand,
    Industry,
    Lifecycle,
    PreferredChannel,
    Relationship,
    SizeBand,
)
from clientela.platform.customforms import CustomFieldsForm
from clientela.platform.forms import apply_errors

BLANK = [("", "—")]


def _optional(choices: Any) -> list[tuple[str, Any]]:
    return [*BLANK, *choices]


def _tags_field() -> forms.CharField:
    return forms.CharField(
        label=_("Tags"),
        max_length=1100,
        required=False,
        help_text=_("Separated by commas, e.g. VIP, Key account."),
    )


def _external_id_field() -> forms.CharField:
    return forms.CharField(
        label=_("External id"),
        max_length=100,
        required=False,
        help_text=_("The record's id in another system; unique when set."),
    )


def _description_field() -> forms.CharField:
    return forms.CharField(
        label=_("Description"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=AccountKind.choices, initial="company", required=False
    )
    tax_id = forms.CharField(
        label=_("Tax id"),
        max_length=32,
        required=False,
        help_text=_("CNPJ or CPF in Brazil (check digits verified); free-form elsewhere."),
    )
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        initial="BR",
        help_text=_("Two-letter code, e.g. BR, US, GB."),
    )
    industry = forms.ChoiceField(
        label=_("Industry"), choices=_optional(Industry.choices), required=False
    )
    size_band = forms.ChoiceField(
        label=_("Size"), choices=_optional(SizeBand.choices), required=False
    )
    lifecycle = forms.ChoiceField(
        label=_("Lifecycle status"), choices=Lifecycle.choices, initial="prospect", required=False
    )
    relationship = forms.ChoiceField(
        label=_("Relationship"), choices=Relationship.choices, initial="customer", required=False
    )
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    parent = forms.TypedChoiceField(
        label=_("Parent account"), required=False, coerce=int, empty_value=None
    )
    description = _description_field()
    tags = _tags_field()
    external_id = _external_id_field()

    def __init__(self, *args: Any, parent_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [*BLANK, *parent_choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """A select left out of the post keeps the record's value (or the default)."""
        cleaned = super().clean() or {}
        for name in ("kind", "lifecycle", "relationship"):
            if not cleaned.get(name):
                cleaned.pop(name, None)
        return cleaned


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    account = forms.TypedChoiceField(
        label=_("Primary account"), required=False, coerce=int, empty_value=None
    )
    tax_id = forms.CharField(label=_("CPF"), max_length=32, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=_optional(settings.LANGUAGES), required=False
    )
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=_optional(PreferredChannel.choices), required=False
    )
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    age_band = forms.ChoiceField(
        label=_("Age band"), choices=_optional(AgeBand.choices), required=False
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=_optional(Gender.choices), required=False)
    income_band = forms.ChoiceField(
        label=_("Income band"), choices=_optional(IncomeBand.choices), required=False
    )
    education = forms.ChoiceField(
        label=_("Education"), choices=_optional(Education.choices), required=False
    )
    do_not_contact = forms.BooleanField(
        label=_("Do not contact"),
        required=False,
        help_text=_("Nobody may call, write or send campaigns to this person."),
    )
    description = _description_field()
    tags = _tags_field()
    external_id = _external_id_field()

    def __init__(self, *args: Any, account_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [*BLANK, *account_choices]  # type: ignore[attr-defined]


# --- repeatable rows -------------------------------------------------------------------------


class PointForm(forms.Form):
    value = forms.CharField(label=_("Value"), max_length=254, required=False)
    label = forms.CharField(
        label=_("Label"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. work, mobile")}),
    )


class EmailForm(PointForm):
    value = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class PhoneForm(PointForm):
    value = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )


class AddressForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AddressKind.choices, initial="main")
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    complement = forms.CharField(label=_("Complement"), max_length=100, required=False)
    district = forms.CharField(label=_("District"), max_length=100, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.CharField(
        label=_("State"), max_length=60, required=False, help_text=_("In Brazil: SP, RJ, MG…")
    )
    postal_code = forms.CharField(
        label=_("Postal code"), max_length=20, required=False, help_text=_("CEP: 01310-100")
    )
    country = forms.CharField(label=_("Country"), max_length=2, required=False, initial="BR")

    TEXT = ("street", "complement", "district", "city", "state", "postal_code")


class MembershipForm(forms.Form):
    account_id = forms.TypedChoiceField(
        label=_("Account"), required=False, coerce=int, empty_value=None
    )
    role = forms.ChoiceField(label=_("Role"), choices=AccountRole.choices, initial="employee")

    def __init__(self, *args: Any, account_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_id"].choices = [*BLANK, *account_choices]  # type: ignore[attr-defined]


EmailFormSet = formset_factory(EmailForm, extra=1, max_num=20, absolute_max=40)
PhoneFormSet = formset_factory(PhoneForm, extra=1, max_num=20, absolute_max=40)
AddressFormSet = formset_factory(AddressForm, extra=1, max_num=10, absolute_max=20)
MembershipFormSet = formset_factory(MembershipForm, extra=1, max_num=50, absolute_max=60)


def _row_filled(name: str, data: dict[str, Any]) -> bool:
    if name == "addresses":
        return any(data.get(field) for field in AddressForm.TEXT)
    if name == "accounts":
        return data.get("account_id") is not None
    return bool(data.get("value"))


def _row_value(name: str, data: dict[str, Any]) -> dict[str, Any]:
    if name == "addresses":
        return {**data, "country": data.get("country") or None}
    return dict(data)


class RecordForms:
    """The main form, its formsets and its custom fields, validated, read and given errors
    together."""

    def __init__(
        self, main: forms.Form, formsets: dict[str, Any], custom: CustomFieldsForm | None = None
    ) -> None:
        self.main = main
        self.formsets = formsets
        self.custom = custom
        self._rows: dict[str, list[forms.Form]] = {}

    def is_valid(self) -> bool:
        valid = [self.main.is_valid()] + [f.is_valid() for f in self.formsets.values()]
        if self.custom is not None:
            valid.append(self.custom.is_valid())
        return all(valid)

    def values(self) -> dict[str, Any]:
        """The service's values: the main fields plus each formset's filled rows, in order,
        and the custom fields that changed."""
        values = dict(self.main.cleaned_data)
        for name, formset in self.formsets.items():
            filled = [f for f in formset.forms if _row_filled(name, f.cleaned_data)]
            self._rows[name] = filled
            values[name] = [_row_value(name, f.cleaned_data) for f in filled]
        if self.custom is not None:
            self.custom.put(values)
        return values

    def apply(self, errors: dict[str, list[str]], fallback: object) -> None:
        """Put each error on its row's or custom field's input; the rest on the main form."""
        if self.custom is not None:
            errors = self.custom.apply(errors)
        rest: dict[str, list[str]] = {}
        for key, messages in errors.items():
            if not self._apply_row(key, messages):
                rest[key] = messages
        apply_errors(self.main, rest, fallback)

    def _apply_row(self, key: str, messages: list[str]) -> bool:
        name, _dot, rest = key.partition(".")
        index, _dot, field = rest.partition(".")
        rows = self._rows.get(name, [])
        if not index.isdigit() or int(index) >= len(rows):
            return False
        row = rows[int(index)]
        for message in messages:
            row.add_error(field if field in row.fields else None, message)
        return True
