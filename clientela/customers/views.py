"""Account and contact pages: the same selectors and services as the API.

The record pages are the single customer view: a header (name, status, owner, tags), the facts,
addresses, e-mails and phones, the people or accounts tied to the record, and tabs for the
timeline (loaded with htmx from the platform's timeline partial) and the audit history.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from clientela.customers import selectors, services
from clientela.customers.forms import (
    AccountForm,
    AddressFormSet,
    ContactForm,
    EmailFormSet,
    MembershipFormSet,
    PhoneFormSet,
    RecordForms,
)
from clientela.customers.lists import SPECS
from clientela.customers.models import Account, Contact, Lead
from clientela.platform import audit, customforms, panels, permissions
from clientela.platform.customfields import Definition
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.http import AuthedRequest
from clientela.platform.listing import FilterKind
from clientela.platform.selectors import record_history

TABS = ("overview", "timeline", "history")
ACCOUNT_FIELDS = (
    "name",
    "kind",
    "tax_id",
    "country",
    "industry",
    "size_band",
    "lifecycle",
    "relationship",
    "website",
    "description",
    "external_id",
)
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "job_title",
    "tax_id",
    "language",
    "preferred_channel",
    "birthday",
    "age_band",
    "gender",
    "income_band",
    "education",
    "do_not_contact",
    "description",
    "external_id",
)
ADDRESS_FIELDS = (
    "kind",
    "street",
    "complement",
    "district",
    "city",
    "state",
    "postal_code",
    "country",
)


def _rights(request: AuthedRequest, kind: str) -> dict[str, bool]:
    key = f"customers.{kind}"
    return {
        "can_edit": permissions.can(request.user, key, "edit"),
        "can_delete": permissions.can(request.user, key, "delete"),
    }


def _tab(request: AuthedRequest) -> str:
    tab = request.GET.get("tab", "overview")
    return tab if tab in TABS else "overview"


def _picker(kind: str) -> customforms.Picker:
    """A lookup field that the kind's list filters on gets the list filter's record picker."""

    def picker(item: Definition) -> str:
        if item.target not in {spec.object_type for spec in SPECS.values()}:
            return ""  # only the lists' record types can be searched for
        filters = SPECS[kind].current().filters
        if any(f.key == item.name and f.kind == FilterKind.REFERENCE for f in filters):
            return reverse("customers:reference_choices", args=[kind, item.name])
        return ""

    return picker


def custom_form(
    request: AuthedRequest, kind: str, record: Account | Contact | Lead | None
) -> customforms.CustomFieldsForm:
    """The record type's custom fields, beside its form (accounts, contacts and leads)."""
    return customforms.CustomFieldsForm(
        request.POST if request.method == "POST" else None,
        actor=request.user,
        object_type=f"customers.{kind}",
        record=record,
        picker=_picker(kind),
    )


def custom_shown(request: AuthedRequest, kind: str, record: Any) -> customforms.Shown:
    return customforms.shown(request.user, f"customers.{kind}", record)


def _record_context(record: Account | Contact) -> dict[str, Any]:
    return {
        "emails": selectors.record_points(record, "email"),
        "phones": selectors.record_points(record, "phone"),
        "addresses": list(record.addresses.all()),
        "tags": sorted((t.name for t in record.tags.all()), key=str.casefold),
    }


def account_detail(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(request.user, account_id)
    tab = _tab(request)
    context: dict[str, Any] = {
        "account": account,
        "tab": tab,
        **_rights(request, "account"),
        **_record_context(account),
        **selectors.account_family(request.user, account),
        "custom": custom_shown(request, "account", account),
    }
    if tab == "history":
        context["history"] = audit.for_display(record_history(request.user, account)[:200])
    elif tab == "overview":
        context["people"] = selectors.account_people(request.user, account)
        context["panels"] = panels.rendered(request, "customers.account", account)
    return render(request, "customers/account_detail.html", context)


# --- forms --------------------------------------------------------------------------------------


def _initial_rows(record: Account | Contact | None, kind: str) -> list[dict[str, Any]]:
    if record is None:
        return []
    return [
        {"value": p["value"], "label": p["label"]} for p in selectors.record_points(record, kind)
    ]


def _initial_addresses(record: Account | Contact | None) -> list[dict[str, Any]]:
    if record is None:
        return []
    return [{f: getattr(a, f) for f in ADDRESS_FIELDS} for a in record.addresses.all()]


def _initial(record: Account | Contact | None, fields: tuple[str, ...]) -> dict[str, Any]:
    if record is None:
        return {}
    initial = {f: getattr(record, f) for f in fields}
    initial["tags"] = ", ".join(sorted(t.name for t in record.tags.all()))
    return initial


def _posted(formsets: dict[str, Any], data: Any) -> dict[str, Any]:
    """The formsets whose rows were posted; a post without a formset leaves that list alone."""
    if data is None:
        return formsets
    return {k: f for k, f in formsets.items() if f"{f.prefix}-TOTAL_FORMS" in data}


def _shared_formsets(data: Any, record: Account | Contact | None) -> dict[str, Any]:
    return {
        "emails": EmailFormSet(data, prefix="emails", initial=_initial_rows(record, "email")),
        "phones": PhoneFormSet(data, prefix="phones", initial=_initial_rows(record, "phone")),
        "addresses": AddressFormSet(data, prefix="addresses", initial=_initial_addresses(record)),
    }


def _account_forms(request: AuthedRequest, account: Account | None) -> RecordForms:
    data = request.POST if request.method == "POST" else None
    choices = selectors.account_choices(request.user, exclude=account.pk if account else None)
    if account is not None and account.parent_id not in {None, *(c[0] for c in choices)}:
        choices.append((account.parent_id, _("(an account you cannot see)")))  # type: ignore[arg-type]
    initial = _initial(account, ACCOUNT_FIELDS)
    if account is not None:
        initial["parent"] = account.parent_id
    main = AccountForm(data, initial=initial, parent_choices=choices)
    custom = custom_form(request, "account", account)
    return RecordForms(main, _posted(_shared_formsets(data, account), data), custom)


def _may_write(request: AuthedRequest, kind: str, record: Account | Contact | None) -> None:
    """Refuse the form itself (403) to someone who could not save it."""
    permissions.require(request.user, f"customers.{kind}", "edit" if record else "create")


def account_form(request: AuthedRequest, account_id: int | None = None) -> HttpResponse:
    account = selectors.account_get(request.user, account_id) if account_id else None
    _may_write(request, "account", account)
    forms = _account_forms(request, account)
    if request.method == "POST" and forms.is_valid():
        try:
            if account is None:
                saved = services.account_create(actor=request.user, values=forms.values())
            else:
                saved = services.account_update(
                    actor=request.user, account_id=account.pk, values=forms.values()
                )
        except FORM_ERRORS as exc:
            forms.apply(exc.errors, exc.message)
        else:
            messages.success(request, _("The account was saved."))
            return redirect("customers:account_detail", account_id=saved.pk)
    context = {
        "form": forms.main,
        "formsets": forms.formsets,
        "custom_form": forms.custom,
        "account": account,
    }
    return render(request, "customers/account_form.html", context)


def account_delete(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(request.user, account_id)
    if request.method == "POST":
        try:
            services.account_delete(actor=request.user, account_id=account.pk)
        except FORM_ERRORS as exc:
            messages.error(request, str(exc.message))
            return redirect("customers:account_detail", account_id=account.pk)
        messages.success(request, _("The account %(name)s was deleted.") % {"name": account.name})
        return redirect("customers:account_list")
    return render(
        request,
        "platform/confirm_delete.html",
        {"object": account, "cancel_url": "customers:account_list"},
    )


# --- contacts -----------------------------------------------------------------------------------


def contact_detail(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = selectors.contact_get(request.user, contact_id)
    tab = _tab(request)
    context: dict[str, Any] = {
        "contact": contact,
        "tab": tab,
        **_rights(request, "contact"),
        **_record_context(contact),
        "custom": custom_shown(request, "contact", contact),
    }
    if tab == "history":
        context["history"] = audit.for_display(record_history(request.user, contact)[:200])
    elif tab == "overview":
        context["memberships"] = selectors.contact_accounts(request.user, contact)
        context["panels"] = panels.rendered(request, "customers.contact", contact)
    return render(request, "customers/contact_detail.html", context)


def _contact_forms(request: AuthedRequest, contact: Contact | None) -> RecordForms:
    data = request.POST if request.method == "POST" else None
    choices = selectors.account_choices(request.user)
    initial = _initial(contact, CONTACT_FIELDS)
    rows: list[dict[str, Any]] = []
    if contact is not None:
        initial["account"] = contact.account_id
        rows = [
            {"account_id": m.account_id, "role": m.role}
            for m in selectors.contact_accounts(request.user, contact)
        ]
        if contact.account_id not in {None, *(c[0] for c in choices)}:
            choices.append((contact.account_id, _("(an account you cannot see)")))  # type: ignore[arg-type]
    elif request.GET.get("account", "").isdigit():
        initial["account"] = int(request.GET["account"])
    formsets = _shared_formsets(data, contact)
    formsets["accounts"] = MembershipFormSet(
        data, prefix="accounts", initial=rows, form_kwargs={"account_choices": choices}
    )
    main = ContactForm(data, initial=initial, account_choices=choices)
    return RecordForms(main, _posted(formsets, data), custom_form(request, "contact", contact))


def contact_form(request: AuthedRequest, contact_id: int | None = None) -> HttpResponse:
    contact = selectors.contact_get(request.user, contact_id) if contact_id else None
    _may_write(request, "contact", contact)
    forms = _contact_forms(request, contact)
    if request.method == "POST" and forms.is_valid():
        try:
            if contact is None:
                saved = services.contact_create(actor=request.user, values=forms.values())
            else:
                saved = services.contact_update(
                    actor=request.user, contact_id=contact.pk, values=forms.values()
                )
        except FORM_ERRORS as exc:
            forms.apply(exc.errors, exc.message)
        else:
            messages.success(request, _("The contact was saved."))
            return redirect("customers:contact_detail", contact_id=saved.pk)
    context = {
        "form": forms.main,
        "formsets": forms.formsets,
        "custom_form": forms.custom,
        "contact": contact,
    }
    return render(request, "customers/contact_form.html", context)


def contact_delete(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = selectors.contact_get(request.user, contact_id)
    if request.method == "POST":
        try:
            services.contact_delete(actor=request.user, contact_id=contact.pk)
        except FORM_ERRORS as exc:
            messages.error(request, str(exc.message))
            return redirect("customers:contact_detail", contact_id=contact.pk)
        messages.success(request, _("The contact %(name)s was deleted.") % {"name": str(contact)})
        return redirect("customers:contact_list")
    return render(
        request,
        "platform/confirm_delete.html",
        {"object": contact, "cancel_url": "customers:contact_list"},
    )
