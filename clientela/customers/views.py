"""Account and contact pages: the same selectors and services as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clientela.customers import selectors, services
from clientela.customers.forms import AccountForm, ContactForm
from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS
from clientela.platform.forms import apply_errors
from clientela.platform.http import AuthedRequest
from clientela.platform.selectors import record_history

PAGE_SIZE = 50


def account_detail(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(request.user, account_id)
    tab = request.GET.get("tab", "overview")
    context: dict[str, Any] = {"account": account, "tab": tab, **_rights(request, "account")}
    if tab == "history":
        context["history"] = record_history(request.user, account)[:200]
    else:
        context["contacts"] = selectors.account_contacts(request.user, account)[:100]
    return render(request, "customers/account_detail.html", context)


def _rights(request: AuthedRequest, kind: str) -> dict[str, bool]:
    key = f"customers.{kind}"
    return {
        "can_edit": permissions.can(request.user, key, "edit"),
        "can_delete": permissions.can(request.user, key, "delete"),
    }


def account_form(request: AuthedRequest, account_id: int | None = None) -> HttpResponse:
    account = selectors.account_get(request.user, account_id) if account_id else None
    initial = {f: getattr(account, f) for f in AccountForm.base_fields} if account else {}
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if account is None:
                account = services.account_create(actor=request.user, values=form.cleaned_data)
            else:
                account = services.account_update(
                    actor=request.user, account_id=account.pk, values=form.cleaned_data
                )
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The account was saved."))
            return redirect("customers:account_detail", account_id=account.pk)
    return render(request, "customers/account_form.html", {"form": form, "account": account})


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


def contact_detail(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = selectors.contact_get(request.user, contact_id)
    tab = request.GET.get("tab", "overview")
    context: dict[str, Any] = {"contact": contact, "tab": tab, **_rights(request, "contact")}
    if tab == "history":
        context["history"] = record_history(request.user, contact)[:200]
    return render(request, "customers/contact_detail.html", context)


def contact_form(request: AuthedRequest, contact_id: int | None = None) -> HttpResponse:
    contact = selectors.contact_get(request.user, contact_id) if contact_id else None
    initial: dict[str, Any] = {}
    if contact:
        initial = {f: getattr(contact, f) for f in ContactForm.base_fields if f != "account"}
        initial["account"] = contact.account_id
    elif request.GET.get("account", "").isdigit():
        initial["account"] = int(request.GET["account"])
    choices = list(selectors.account_list(request.user).values_list("id", "name")[:500])
    form = ContactForm(request.POST or None, initial=initial, account_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            if contact is None:
                contact = services.contact_create(actor=request.user, values=form.cleaned_data)
            else:
                contact = services.contact_update(
                    actor=request.user, contact_id=contact.pk, values=form.cleaned_data
                )
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("The contact was saved."))
            return redirect("customers:contact_detail", contact_id=contact.pk)
    return render(request, "customers/contact_form.html", {"form": form, "contact": contact})


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
