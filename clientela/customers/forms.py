"""HTML forms for accounts and contacts; services do the real validation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    tax_id = forms.CharField(label=_("Tax id (CNPJ/CPF)"), max_length=32, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        initial="BR",
        help_text=_("Two-letter code, e.g. BR, US, GB."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    tax_id = forms.CharField(label=_("CPF"), max_length=32, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    account = forms.TypedChoiceField(
        label=_("Account"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, *args: object, account_choices: list[tuple[int, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["account"].choices = [("", "—"), *account_choices]  # type: ignore[attr-defined]
