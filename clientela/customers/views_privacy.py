"""A contact's Privacy page: consents per channel and purpose, export, anonymisation.

One URL; the posted ``action`` says which of the four things the user asked for.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from clientela.customers import consent, privacy, selectors
from clientela.customers.models import ConsentChannel, ConsentPurpose, ConsentStatus, Contact
from clientela.customers.services import consent as consent_services
from clientela.customers.services import privacy as privacy_services
from clientela.platform import auth, permissions
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import apply_errors
from clientela.platform.http import AuthedRequest

KEY = "customers.contact"
HISTORY_LIMIT = 500


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_lazy("Channel"), choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(label=_lazy("Purpose"), choices=ConsentPurpose.choices)
    status = forms.ChoiceField(label=_lazy("Decision"), choices=ConsentStatus.choices)
    source = forms.CharField(
        label=_lazy("Source"),
        max_length=100,
        required=False,
        help_text=_lazy("How the person told us, e.g. phone call, signed form."),
    )
    text = forms.CharField(
        label=_lazy("Text shown or read to the person"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnonymiseForm(forms.Form):
    confirm_name = forms.CharField(label=_lazy("Type the contact's full name to confirm"))

    def __init__(self, *args: Any, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contact = contact

    def clean_confirm_name(self) -> str:
        typed = " ".join(self.cleaned_data["confirm_name"].split()).casefold()
        if typed != " ".join(str(self.contact).split()).casefold():
            raise forms.ValidationError(_("The name typed does not match."))
        return typed


def _proof(request: AuthedRequest, text: str) -> dict[str, str]:
    """What the page itself can prove: where the change was entered, from where, and the text."""
    return {
        "form": "privacy page",
        "ip": auth.client_ip(request),
        "user_agent": request.headers.get("User-Agent", "")[:500],
        "text": text,
    }


def _record_consent(request: AuthedRequest, contact: Contact, form: ConsentForm) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    values = {
        "channel": data["channel"],
        "purpose": data["purpose"],
        "status": data["status"],
        "source": data["source"] or _("privacy page"),
        "proof": _proof(request, data["text"]),
    }
    try:
        consent_services.consent_record(actor=request.user, contact_id=contact.pk, values=values)
    except FORM_ERRORS as exc:
        apply_errors(form, exc.errors, exc.message)
        return False
    messages.success(request, _("The consent change was recorded."))
    return True


def _set_dnc(request: AuthedRequest, contact: Contact) -> None:
    value = request.POST.get("value") == "1"
    try:
        consent_services.contact_set_do_not_contact(
            actor=request.user, contact_id=contact.pk, value=value
        )
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Do not contact is now %(state)s.") % {"state": _("on") if value else _("off")},
        )


def _export(request: AuthedRequest, contact: Contact) -> HttpResponse:
    export = privacy_services.contact_personal_data_export(
        actor=request.user, contact_id=contact.pk
    )
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _anonymise(request: AuthedRequest, contact: Contact, form: AnonymiseForm) -> bool:
    if not form.is_valid():
        return False
    try:
        privacy_services.contact_anonymise(actor=request.user, contact_id=contact.pk)
    except FORM_ERRORS as exc:
        apply_errors(form, exc.errors, exc.message)
        return False
    messages.success(request, _("The contact's personal data was erased."))
    return True


def _context(request: AuthedRequest, contact: Contact) -> dict[str, Any]:
    return {
        "contact": contact,
        "matrix": consent.consent_matrix(contact),
        "purposes": ConsentPurpose.choices,
        "history": consent.consent_history(contact)[:HISTORY_LIMIT],
        "can_edit": permissions.can(request.user, KEY, "edit"),
        "can_export": permissions.can(request.user, KEY, "export"),
        "can_erase": permissions.can(request.user, KEY, "delete"),
        "erased": privacy.is_erased(contact),
    }


def contact_privacy(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = selectors.contact_get(request.user, contact_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    consent_form = ConsentForm(request.POST if action == "consent" else None)
    erase_form = AnonymiseForm(request.POST if action == "anonymise" else None, contact=contact)
    done = False
    if action == "consent":
        done = _record_consent(request, contact, consent_form)
    elif action == "dnc":
        _set_dnc(request, contact)
        done = True
    elif action == "export":
        return _export(request, contact)
    elif action == "anonymise":
        done = _anonymise(request, contact, erase_form)
    if done:
        return redirect("customers:contact_privacy", contact_id=contact.pk)
    context = _context(request, contact)
    context.update(consent_form=consent_form, erase_form=erase_form)
    status = 422 if action in ("consent", "anonymise") else 200
    return render(request, "customers/contact_privacy.html", context, status=status)
