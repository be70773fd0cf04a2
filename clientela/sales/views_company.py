"""Settings → Company profile: what quotes print (name, address, logo, PIX key, terms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import apply_errors
from clientela.platform.http import AuthedRequest
from clientela.sales import company as service

FIELDS = (
    *("name", "legal_name", "tax_id", "address", "city", "email", "phone", "website"),
    *("pix_key", "quote_terms", "quote_valid_days"),
)


class CompanyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    legal_name = forms.CharField(label=gettext_lazy("Legal name"), max_length=200, required=False)
    tax_id = forms.CharField(label=gettext_lazy("Tax id (CNPJ)"), max_length=32, required=False)
    address = forms.CharField(
        label=gettext_lazy("Address"), max_length=1000, required=False, widget=forms.Textarea
    )
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    email = forms.CharField(label=gettext_lazy("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    website = forms.CharField(label=gettext_lazy("Website"), max_length=200, required=False)
    pix_key = forms.CharField(
        label=gettext_lazy("PIX key"),
        max_length=77,
        required=False,
        help_text=gettext_lazy("BRL quotes show a PIX QR code for their total with this key."),
    )
    quote_terms = forms.CharField(
        label=gettext_lazy("Quote terms"), max_length=20000, required=False, widget=forms.Textarea
    )
    quote_valid_days = forms.IntegerField(
        label=gettext_lazy("Quotes valid for (days)"), min_value=1, max_value=365
    )
    logo = forms.FileField(
        label=gettext_lazy("Logo"),
        required=False,
        help_text=gettext_lazy("A PNG or JPEG image of at most 300 KiB."),
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)


def company_settings(request: AuthedRequest) -> HttpResponse:
    profile = service.company_get(request.user)
    can_edit = permissions.can(request.user, service.KEY, "edit")
    initial: dict[str, Any] = {name: getattr(profile, name) for name in FIELDS}
    form = CompanyForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        permissions.require(request.user, service.KEY, "edit")
        if form.is_valid():
            try:
                data = form.cleaned_data
                service.company_save(
                    actor=request.user, values={name: data[name] for name in FIELDS}
                )
                upload = data.get("logo")
                if upload is not None:
                    service.logo_save(actor=request.user, content=upload.read(service.MAX_LOGO + 1))
                elif data.get("remove_logo"):
                    service.logo_save(actor=request.user, content=None)
            except FORM_ERRORS as exc:
                apply_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("The company profile was saved."))
                return redirect("sales:company_settings")
    context = {"form": form, "profile": profile, "can_edit": can_edit}
    return render(request, "sales/company.html", context)
