"""Lead pages: detail with status buttons, create/edit, delete, the conversion wizard.

The same services and selectors as the API; the forms here only shape what the user typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from clientela.customers import selectors_leads
from clientela.customers.models import (
    DisqualifyReason,
    Industry,
    Lead,
    LeadRating,
    LeadSource,
    LeadStatus,
    SizeBand,
)
from clientela.customers.services import leads
from clientela.customers.views import custom_form, custom_shown
from clientela.platform import audit, permissions
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import apply_errors
from clientela.platform.http import AuthedRequest
from clientela.platform.selectors import record_history

KEY = "customers.lead"


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class LeadForm(forms.Form):
    first_name = forms.CharField(label=_lazy("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_lazy("Last name"), max_length=100, required=False)
    company = forms.CharField(label=_lazy("Company"), max_length=200, required=False)
    job_title = forms.CharField(label=_lazy("Job title"), max_length=120, required=False)
    email = forms.CharField(label=_lazy("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_lazy("Phone"), max_length=40, required=False)
    website = forms.CharField(label=_lazy("Website"), max_length=200, required=False)
    country = forms.CharField(label=_lazy("Country"), max_length=2, initial="BR")
    tax_id = forms.CharField(label=_lazy("Tax id (CNPJ/CPF)"), max_length=32, required=False)
    industry = forms.ChoiceField(
        label=_lazy("Industry"), choices=_blank(Industry.choices), required=False
    )
    size_band = forms.ChoiceField(
        label=_lazy("Size"), choices=_blank(SizeBand.choices), required=False
    )
    source = forms.ChoiceField(label=_lazy("Source"), choices=LeadSource.choices, initial="manual")
    rating = forms.ChoiceField(
        label=_lazy("Rating"), choices=_blank(LeadRating.choices), required=False
    )
    description = forms.CharField(
        label=_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class NotesForm(forms.Form):
    """All that may change on a converted lead."""

    description = forms.CharField(
        label=_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


def _rights(request: AuthedRequest) -> dict[str, bool]:
    return {
        "can_edit": permissions.can(request.user, KEY, "edit"),
        "can_delete": permissions.can(request.user, KEY, "delete"),
    }


def lead_detail(request: AuthedRequest, lead_id: int) -> HttpResponse:
    lead = selectors_leads.lead_get(request.user, lead_id)
    tab = request.GET.get("tab", "overview")
    context: dict[str, Any] = {
        "lead": lead,
        "tab": tab,
        "next_statuses": [(s, LeadStatus(s).label) for s in leads.allowed_statuses(lead)],
        "reasons": DisqualifyReason.choices,
        "convertible": (lead.status, LeadStatus.CONVERTED.value) in leads.LEAD_TRANSITIONS,
        "custom": custom_shown(request, "lead", lead),
        **_rights(request),
    }
    if tab == "history":
        context["history"] = audit.for_display(record_history(request.user, lead)[:200])
    return render(request, "customers/lead_detail.html", context)


def _save(request: AuthedRequest, lead: Lead | None, values: dict[str, Any]) -> Lead:
    if lead is None:
        return leads.lead_create(actor=request.user, values=values)
    return leads.lead_update(actor=request.user, lead_id=lead.pk, values=values)


def lead_form(request: AuthedRequest, lead_id: int | None = None) -> HttpResponse:
    lead = selectors_leads.lead_get(request.user, lead_id) if lead_id else None
    converted = lead is not None and lead.status == LeadStatus.CONVERTED
    form_class = NotesForm if converted else LeadForm
    initial = {f: getattr(lead, f) for f in form_class.base_fields} if lead else {}
    form = form_class(request.POST or None, initial=initial)
    custom = None if converted else custom_form(request, "lead", lead)  # notes only, then
    valid = [form.is_valid(), custom is None or custom.is_valid()]
    if request.method == "POST" and all(valid):
        values = dict(form.cleaned_data)
        try:
            lead = _save(request, lead, values if custom is None else custom.put(values))
        except FORM_ERRORS as exc:
            errors = exc.errors if custom is None else custom.apply(exc.errors)
            apply_errors(form, errors, exc.message)
        else:
            messages.success(request, _("The lead was saved."))
            return redirect("customers:lead_detail", lead_id=lead.pk)
    context = {"form": form, "custom_form": custom, "lead": lead}
    return render(request, "customers/lead_form.html", context)


def lead_delete(request: AuthedRequest, lead_id: int) -> HttpResponse:
    lead = selectors_leads.lead_get(request.user, lead_id)
    if request.method == "POST":
        try:
            leads.lead_delete(actor=request.user, lead_id=lead.pk)
        except FORM_ERRORS as exc:
            messages.error(request, str(exc.message))
            return redirect("customers:lead_detail", lead_id=lead.pk)
        messages.success(request, _("The lead %(name)s was deleted.") % {"name": str(lead)})
        return redirect("customers:lead_list")
    return render(
        request, "customers/lead_detail.html", {"lead": lead, "confirm_delete": True, "tab": ""}
    )


def lead_status(request: AuthedRequest, lead_id: int) -> HttpResponse:
    """The status buttons post here; a refused move comes back as a message."""
    lead = selectors_leads.lead_get(request.user, lead_id)
    if request.method == "POST":
        status = request.POST.get("status", "")
        try:
            leads.lead_set_status(
                actor=request.user,
                lead_id=lead.pk,
                status=status,
                reason=request.POST.get("reason", ""),
            )
        except FORM_ERRORS as exc:
            detail = "; ".join(str(m) for msgs in exc.errors.values() for m in msgs)
            messages.error(request, detail or str(exc.message))
        else:
            messages.success(
                request,
                _("The lead is now %(status)s.") % {"status": LeadStatus(status).label.lower()},
            )
    return redirect("customers:lead_detail", lead_id=lead.pk)


# --- conversion wizard ------------------------------------------------------------------------

ACCOUNT_MODES = [
    ("create", _lazy("Create a new account")),
    ("link", _lazy("Link an existing account")),
    ("none", _lazy("No account (a person)")),
]
CONTACT_MODES = [
    ("create", _lazy("Create a new contact")),
    ("link", _lazy("Link an existing contact")),
]
ACCOUNT_FIELDS = ("name", "tax_id", "website")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")


class ConvertForm(forms.Form):
    account_mode = forms.ChoiceField(
        label=_lazy("Account"), choices=ACCOUNT_MODES, widget=forms.RadioSelect, initial="create"
    )
    account_id = forms.TypedChoiceField(
        label=_lazy("Existing account"), required=False, coerce=int, empty_value=None
    )
    account_name = forms.CharField(label=_lazy("Account name"), max_length=200, required=False)
    account_tax_id = forms.CharField(label=_lazy("Tax id (CNPJ)"), max_length=32, required=False)
    account_website = forms.CharField(label=_lazy("Website"), max_length=200, required=False)
    contact_mode = forms.ChoiceField(
        label=_lazy("Contact"), choices=CONTACT_MODES, widget=forms.RadioSelect, initial="create"
    )
    contact_id = forms.TypedChoiceField(
        label=_lazy("Existing contact"), required=False, coerce=int, empty_value=None
    )
    contact_first_name = forms.CharField(label=_lazy("First name"), max_length=100, required=False)
    contact_last_name = forms.CharField(label=_lazy("Last name"), max_length=100, required=False)
    contact_email = forms.CharField(label=_lazy("E-mail"), max_length=254, required=False)
    contact_phone = forms.CharField(label=_lazy("Phone"), max_length=40, required=False)
    contact_job_title = forms.CharField(label=_lazy("Job title"), max_length=120, required=False)

    def __init__(
        self,
        *args: Any,
        accounts: list[tuple[int, str]],
        contacts: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_id"].choices = _blank(accounts)  # type: ignore[attr-defined]
        self.fields["contact_id"].choices = _blank(contacts)  # type: ignore[attr-defined]
        # parts later apps add (sales: open an opportunity), each behind its own checkbox
        self.extra_parts: list[tuple[str, str, list[str]]] = []
        for name, part in leads.conversion_extra_forms().items():
            self.fields[f"extra_{name}"] = forms.BooleanField(label=part.label, required=False)
            keys = []
            for item in part.fields:
                key = f"extra_{name}_{item.key}"
                widget = forms.DateInput(attrs={"type": "date"}) if item.kind == "date" else None
                self.fields[key] = forms.CharField(
                    label=item.label, max_length=200, required=False, widget=widget
                )
                keys.append(key)
            self.extra_parts.append((name, f"extra_{name}", keys))

    def plan(self) -> leads.ConversionPlan:
        data = self.cleaned_data
        extras = {
            name: {k.removeprefix(f"{box}_"): data[k] for k in keys if data.get(k)}
            for name, box, keys in self.extra_parts
            if data.get(box)
        }
        return leads.ConversionPlan(
            account_mode=data["account_mode"],
            account_id=data["account_id"],
            account_values={f: data[f"account_{f}"] for f in ACCOUNT_FIELDS},
            contact_mode=data["contact_mode"],
            contact_id=data["contact_id"],
            contact_values={f: data[f"contact_{f}"] for f in CONTACT_FIELDS},
            extras=extras,
        )


def _convert_initial(lead: Lead) -> dict[str, Any]:
    account = leads.lead_account_values(lead)
    contact = leads.lead_contact_values(lead)
    initial = {f"account_{f}": account.get(f, "") for f in ACCOUNT_FIELDS}
    initial.update({f"contact_{f}": contact.get(f, "") for f in CONTACT_FIELDS})
    initial["account_mode"] = "create" if lead.company else "none"
    return initial


def _choices(request: AuthedRequest, lead: Lead) -> dict[str, Any]:
    """Suggested matches first, then what the user searched for in the wizard."""
    found = selectors_leads.conversion_matches(request.user, lead)
    accounts = found.accounts + selectors_leads.account_choices(
        request.user, request.GET.get("account_q", "")[:100]
    )
    contacts = found.contacts + selectors_leads.contact_choices(
        request.user, request.GET.get("contact_q", "")[:100]
    )
    account_choices = {a.pk: f"{a.name} {a.tax_id}".strip() for a in accounts}
    contact_choices = {c.pk: f"{c} {c.email}".strip() for c in contacts}
    return {
        "matches": found,
        "accounts": list(account_choices.items()),
        "contacts": list(contact_choices.items()),
    }


def _field_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """``account.name`` from the service is the form's ``account_name``, and an extra part's
    ``extras.opportunity.amount`` its ``extra_opportunity_amount``."""
    found = {}
    for key, problems in errors.items():
        if key.startswith("extras."):
            found["extra_" + key.removeprefix("extras.").replace(".", "_")] = problems
        else:
            found[key.replace(".", "_", 1)] = problems
    return found


def lead_convert(request: AuthedRequest, lead_id: int) -> HttpResponse:
    lead = selectors_leads.lead_get(request.user, lead_id)
    if lead.status == LeadStatus.CONVERTED:
        messages.error(request, _("This lead was already converted."))
        return redirect("customers:lead_detail", lead_id=lead.pk)
    choices = _choices(request, lead)
    form = ConvertForm(
        request.POST or None,
        initial=_convert_initial(lead),
        accounts=choices["accounts"],
        contacts=choices["contacts"],
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = leads.lead_convert(actor=request.user, lead_id=lead.pk, plan=form.plan())
        except FORM_ERRORS as exc:
            apply_errors(form, _field_errors(exc.errors), exc.message)
        else:
            messages.success(request, _("The lead was converted."))
            return redirect("customers:contact_detail", contact_id=result.contact.pk)
    context = {"lead": lead, "form": form, **choices}
    context["account_q"] = request.GET.get("account_q", "")
    context["contact_q"] = request.GET.get("contact_q", "")
    return render(request, "customers/lead_convert.html", context)
