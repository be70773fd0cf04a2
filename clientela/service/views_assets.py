"""Pages of the installed base (assets and their warranties), service contracts with their
entitlement, maintenance plans, and what a ticket's page posts here (its asset and contract,
time logged). Thin: every write is a service of ``installed_base``, ``contracts`` or
``maintenance``; a refusal comes back onto the form, another team's record is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clientela.customers import selectors as customer_selectors
from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, NotFound, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.models import User
from clientela.service import (
    contracts,
    installed_base,
    maintenance,
    selectors,
    selectors_assets,
    services,
)
from clientela.service.forms_assets import (
    AssetForm,
    ContractForm,
    PlanForm,
    TicketCoverageForm,
    WarrantyForm,
    WorkLogForm,
    asset_choices,
    contract_choices,
)
from clientela.service.models_assets import AssetStatus, ContractStatus
from clientela.service.selectors_assets import AssetFilters, ContractFilters

NS = "service_assets"
ASSET, CONTRACT, PLAN = "service.asset", "service.contract", maintenance.KEY
PAGE_SIZE = 50
ORDER_LABELS = {
    "product": gettext_lazy("Product"),
    "serial": gettext_lazy("Serial number"),
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
}
CONTRACT_ORDERS = {
    "ends": gettext_lazy("Ending soonest"),
    "name": gettext_lazy("Name"),
    "newest": gettext_lazy("Newest first"),
}


def _rights(actor: User, key: str) -> dict[str, bool]:
    return {f"can_{a}": permissions.can(actor, key, a) for a in ("create", "edit", "delete")}


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 16 else None


def _accounts(actor: User, chosen: int | None) -> list[tuple[int, str]]:
    listed = customer_selectors.account_choices(actor, limit=300)
    if chosen and chosen not in {pk for pk, _name in listed}:
        found = customer_selectors.account_list(actor).filter(pk=chosen).first()
        if found is not None:
            listed.insert(0, (found.pk, found.name))
    return listed


def _submit(form: Any, write: Callable[[], Any]) -> Any:
    """The service's answer, or None with its refusal on the form."""
    if not form.is_valid():
        return None
    try:
        return write()
    except (*FORM_ERRORS, NotFound) as exc:
        if isinstance(exc, NotFound) and not exc.errors:
            raise
        form.apply(exc)
        return None


def _page(request: AuthedRequest, page_fn: Callable[..., Any], filters: Any, order: str) -> Any:
    try:
        cursor = request.GET.get("cursor") or None
        return page_fn(request.user, filters, order=order, cursor=cursor, limit=PAGE_SIZE)
    except ValidationFailed:
        return page_fn(request.user, filters, order=order, limit=PAGE_SIZE)


# --- assets --------------------------------------------------------------------------------


def asset_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, ASSET, "view")
    get = request.GET
    status = get.get("status", "") if get.get("status", "") in AssetStatus.values else ""
    order = get.get("order", "") if get.get("order", "") in ORDER_LABELS else "product"
    filters = AssetFilters(_int(get.get("account")), status, get.get("q", "").strip()[:100])
    page = _page(request, selectors_assets.asset_page, filters, order)
    params = {"account": filters.account_id or "", "status": status, "q": filters.query}
    params = {k: v for k, v in {**params, "order": order}.items() if v}
    states = selectors_assets.warranty_states(page.items)
    context = {
        "rows": [(a, states[a.pk]) for a in page.items],
        "page": page,
        "filters": filters,
        "order": order,
        "orders": ORDER_LABELS.items(),
        "statuses": AssetStatus.choices,
        "filtered": bool(set(params) - {"order"}),
        "next_query": urlencode({**params, "cursor": page.next_cursor or ""}),
        "first_query": urlencode(params),
        **_rights(request.user, ASSET),
    }
    return render(request, "service/assets/assets.html", context)


def _asset_form(actor: User, asset: Any, data: Any, initial: dict[str, Any]) -> AssetForm:
    account = _int(str(data.get("account", ""))) if data else initial.get("account")
    exclude = asset.pk if asset is not None else None
    return AssetForm(
        data,
        initial=initial,
        account_choices=_accounts(actor, account),
        parent_choices=asset_choices(actor, account, exclude=exclude),
    )


def asset_form(request: AuthedRequest, asset_id: int | None = None) -> HttpResponse:
    actor = request.user
    asset = selectors_assets.asset_get(actor, asset_id) if asset_id else None
    permissions.require(actor, ASSET, "edit" if asset else "create")
    initial = AssetForm.initial_for(asset) or {
        "account": _int(request.GET.get("account")),
        "parent": _int(request.GET.get("parent")),
        "status": AssetStatus.ACTIVE,
    }
    data = request.POST if request.method == "POST" else None
    form = _asset_form(actor, asset, data, initial)
    if data is not None:
        if asset is None:
            saved = _submit(
                form, lambda: installed_base.asset_create(actor=actor, values=form.values())
            )
        else:
            saved = _submit(
                form,
                lambda: installed_base.asset_update(
                    actor=actor, asset_id=asset.pk, values=form.values()
                ),
            )
        if saved is not None:
            messages.success(request, _("The asset “%(name)s” was saved.") % {"name": saved})
            return redirect(NS + ":asset", saved.pk)
    title = _("Edit asset") if asset else _("New asset")
    context = {"form": form, "record": asset, "title": title, "kind": "asset"}
    return render(request, "service/assets/form.html", context)


def asset_detail(request: AuthedRequest, asset_id: int, **forms: Any) -> HttpResponse:
    actor = request.user
    asset = selectors_assets.asset_get(actor, asset_id)
    warranties = list(asset.warranties.all())
    plans = []
    if permissions.can(actor, PLAN, "view"):
        plans = list(selectors_assets.plan_rows(actor).filter(asset=asset))
    parts = list(selectors_assets.asset_base(actor).filter(parent=asset).order_by("id"))
    context = {
        "asset": asset,
        "warranty": selectors_assets.warranty_state(warranties),
        "warranties": [
            (w, WarrantyForm(initial=WarrantyForm.initial_for(w), prefix=f"w{w.pk}"))
            for w in warranties
        ],
        "warranty_form": forms.get("warranty") or WarrantyForm(prefix="warranty"),
        "contracts": selectors_assets.asset_contracts(actor, asset),
        "parts": parts,
        "tickets": selectors_assets.asset_tickets(actor, asset),
        "plans": plans,
        "today": timezone.localdate(),
        "can_plan": permissions.can(actor, PLAN, "create"),
        "can_ticket": permissions.can(actor, services.KEY, "create"),
        **_rights(actor, ASSET),
    }
    return render(request, "service/assets/asset.html", context)


def asset_delete(request: AuthedRequest, asset_id: int) -> HttpResponse:
    asset = selectors_assets.asset_get(request.user, asset_id)
    permissions.require(request.user, ASSET, "delete")
    if request.method == "POST":
        installed_base.asset_delete(actor=request.user, asset_id=asset.pk)
        messages.success(request, _("The asset “%(name)s” was deleted.") % {"name": asset})
        return redirect(NS + ":assets")
    context = {"object": asset, "cancel_url": NS + ":assets"}
    return render(request, "platform/confirm_delete.html", context)


@require_POST
def warranty_add(request: AuthedRequest, asset_id: int) -> HttpResponse:
    asset = selectors_assets.asset_get(request.user, asset_id)
    form = WarrantyForm(request.POST, prefix="warranty")
    saved = _submit(
        form,
        lambda: installed_base.warranty_add(
            actor=request.user, asset_id=asset.pk, values=form.values()
        ),
    )
    if saved is None:
        return asset_detail(request, asset.pk, warranty=form)
    messages.success(request, _("The warranty “%(name)s” was added.") % {"name": saved.name})
    return redirect(reverse(NS + ":asset", args=[asset.pk]) + "#warranties")


@require_POST
def warranty_edit(request: AuthedRequest, warranty_id: int) -> HttpResponse:
    form = WarrantyForm(request.POST, prefix=f"w{warranty_id}")
    delete = request.POST.get("delete") == "1"
    try:
        if delete:
            installed_base.warranty_delete(actor=request.user, warranty_id=warranty_id)
            asset_id = _int(request.POST.get("asset"))
            messages.success(request, _("The warranty was deleted."))
        elif form.is_valid():
            saved = installed_base.warranty_update(
                actor=request.user, warranty_id=warranty_id, values=form.values()
            )
            asset_id = saved.asset_id
            messages.success(request, _("The warranty was saved."))
        else:
            asset_id = _int(request.POST.get("asset"))
            messages.error(request, _("The warranty was not saved: check its dates."))
    except FORM_ERRORS as exc:
        asset_id = _int(request.POST.get("asset"))
        texts = [str(m) for found in exc.errors.values() for m in found]
        messages.error(request, " ".join(texts) or str(exc.message))
    return redirect(reverse(NS + ":asset", args=[asset_id or 0]) + "#warranties")


# --- contracts -----------------------------------------------------------------------------


def contract_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, CONTRACT, "view")
    get = request.GET
    status = get.get("status", "") if get.get("status", "") in ContractStatus.values else ""
    orders = CONTRACT_ORDERS
    order = get.get("order", "") if get.get("order", "") in orders else "ends"
    filters = ContractFilters(_int(get.get("account")), status, get.get("q", "").strip()[:100])
    page = _page(request, selectors_assets.contract_page, filters, order)
    params = {"account": filters.account_id or "", "status": status, "q": filters.query}
    params = {k: v for k, v in {**params, "order": order}.items() if v}
    used = contracts.entitlements(page.items)
    context = {
        "rows": [(c, used[c.pk]) for c in page.items],
        "page": page,
        "filters": filters,
        "order": order,
        "orders": orders.items(),
        "statuses": ContractStatus.choices,
        "filtered": bool(set(params) - {"order"}),
        "next_query": urlencode({**params, "cursor": page.next_cursor or ""}),
        "first_query": urlencode(params),
        "today": timezone.localdate(),
        **_rights(request.user, CONTRACT),
    }
    return render(request, "service/assets/contracts.html", context)


def contract_form(request: AuthedRequest, contract_id: int | None = None) -> HttpResponse:
    actor = request.user
    contract = selectors_assets.contract_get(actor, contract_id) if contract_id else None
    permissions.require(actor, CONTRACT, "edit" if contract else "create")
    initial = ContractForm.initial_for(contract) or {
        "account": _int(request.GET.get("account")),
        "status": ContractStatus.ACTIVE,
        "renewal_notice_days": 30,
    }
    data = request.POST if request.method == "POST" else None
    account = _int(data.get("account")) if data else initial.get("account")
    form = ContractForm(
        data,
        initial=initial,
        account_choices=_accounts(actor, account),
        asset_choices=asset_choices(actor, account),
    )
    if data is not None:
        if contract is None:
            saved = _submit(
                form, lambda: contracts.contract_create(actor=actor, values=form.values())
            )
        else:
            saved = _submit(
                form,
                lambda: contracts.contract_update(
                    actor=actor, contract_id=contract.pk, values=form.values()
                ),
            )
        if saved is not None:
            messages.success(request, _("The contract “%(name)s” was saved.") % {"name": saved})
            return redirect(NS + ":contract", saved.pk)
    title = _("Edit contract") if contract else _("New service contract")
    context = {"form": form, "record": contract, "title": title, "kind": "contract"}
    return render(request, "service/assets/form.html", context)


def contract_detail(request: AuthedRequest, contract_id: int) -> HttpResponse:
    actor = request.user
    contract = selectors_assets.contract_get(actor, contract_id)
    plans = []
    if permissions.can(actor, PLAN, "view"):
        plans = list(selectors_assets.plan_rows(actor).filter(contract=contract))
    assets = list(selectors_assets.asset_base(actor).filter(contracts=contract))
    context = {
        "contract": contract,
        "entitlement": contracts.entitlement(contract),
        "assets": assets,
        "tickets": selectors_assets.contract_tickets(actor, contract),
        "plans": plans,
        "today": timezone.localdate(),
        "can_plan": permissions.can(actor, PLAN, "create"),
        **_rights(actor, CONTRACT),
    }
    return render(request, "service/assets/contract.html", context)


@require_POST
def contract_cancel(request: AuthedRequest, contract_id: int) -> HttpResponse:
    contract = selectors_assets.contract_get(request.user, contract_id)
    try:
        contracts.contract_cancel(actor=request.user, contract_id=contract.pk)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The contract “%(name)s” was cancelled.") % {"name": contract})
    return redirect(NS + ":contract", contract.pk)


# --- maintenance plans ---------------------------------------------------------------------


def plan_list(request: AuthedRequest) -> HttpResponse:
    rows = selectors_assets.plan_rows(request.user).order_by("next_due_on", "id")[:500]
    context = {"rows": list(rows), **_rights(request.user, PLAN)}
    return render(request, "service/assets/plans.html", context)


def plan_form(request: AuthedRequest, plan_id: int | None = None) -> HttpResponse:
    actor = request.user
    plan = selectors_assets.plan_get(actor, plan_id) if plan_id else None
    permissions.require(actor, PLAN, "edit" if plan else "create")
    initial = PlanForm.initial_for(plan)
    if plan is None:
        initial = {
            "asset": _int(request.GET.get("asset")),
            "contract": _int(request.GET.get("contract")),
            "interval": 6,
            "unit": "months",
            "lead_days": 14,
            "visit_minutes": 60,
            "active": True,
        }
    account = _plan_account(actor, initial)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(
        data,
        initial=initial,
        asset_choices=asset_choices(actor, account),
        contract_choices=contract_choices(actor, account),
    )
    ids = {"plan_id": plan.pk} if plan else {}
    saved = None
    if data is not None:
        saved = _submit(
            form, lambda: maintenance.plan_save(actor=actor, values=form.values(), **ids)
        )
    if saved is not None:
        messages.success(request, _("The plan “%(name)s” was saved.") % {"name": saved.name})
        return redirect(NS + ":plans")
    title = _("Edit maintenance plan") if plan else _("New maintenance plan")
    context = {"form": form, "record": plan, "title": title, "kind": "plan"}
    return render(request, "service/assets/form.html", context)


def _plan_account(actor: User, initial: dict[str, Any]) -> int | None:
    """The account whose assets and contracts the plan form offers."""
    if initial.get("asset"):
        found = selectors_assets.asset_base(actor).filter(pk=initial["asset"]).first()
        if found is not None:
            return found.account_id
    if initial.get("contract"):
        contract = selectors_assets.contract_base(actor).filter(pk=initial["contract"]).first()
        if contract is not None:
            return contract.account_id
    return None


def plan_delete(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = selectors_assets.plan_get(request.user, plan_id)
    permissions.require(request.user, PLAN, "delete")
    if request.method == "POST":
        maintenance.plan_delete(actor=request.user, plan_id=plan.pk)
        messages.success(request, _("The plan “%(name)s” was deleted.") % {"name": plan.name})
        return redirect(NS + ":plans")
    return render(
        request, "platform/confirm_delete.html", {"object": plan, "cancel_url": NS + ":plans"}
    )


@require_POST
def plan_run(request: AuthedRequest, plan_id: int) -> HttpResponse:
    opened = maintenance.plan_run_now(actor=request.user, plan_id=plan_id)
    if opened:
        messages.success(request, _("%(n)d ticket(s) opened for the next visit.") % {"n": opened})
    else:
        text = _("No ticket opened: its visit was already planned, or it serves no asset.")
        messages.info(request, text)
    return redirect(NS + ":plans")


# --- a ticket's coverage and time ----------------------------------------------------------


def _ticket_url(ticket_id: int) -> str:
    return reverse("service:ticket", args=[ticket_id]) + "#coverage"


@require_POST
def ticket_coverage(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, ticket_id)
    form = TicketCoverageForm.for_ticket(request.user, ticket, request.POST)
    saved = _submit(
        form,
        lambda: services.ticket_update(
            actor=request.user, ticket_id=ticket.pk, values=form.values()
        ),
    )
    if saved is None:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, _("The ticket's asset and contract were saved."))
    return redirect(_ticket_url(ticket.pk))


@require_POST
def worklog_add(request: AuthedRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, ticket_id)
    form = WorkLogForm.for_ticket(ticket, request.POST)
    saved = _submit(
        form,
        lambda: contracts.worklog_add(
            actor=request.user, ticket_id=ticket.pk, values=form.values()
        ),
    )
    if saved is None:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, _("%(n)d minutes logged.") % {"n": saved.minutes})
        if ticket.contract is not None and contracts.entitlement(ticket.contract).hours_exhausted:
            messages.error(request, _("The contract's hours are used up."))
    return redirect(_ticket_url(ticket.pk))


@require_POST
def worklog_delete(request: AuthedRequest, worklog_id: int) -> HttpResponse:
    ticket_id = contracts.worklog_delete(actor=request.user, worklog_id=worklog_id)
    messages.success(request, _("The time logged was removed."))
    return redirect(_ticket_url(ticket_id))


def ticket_choices(request: AuthedRequest) -> HttpResponse:
    """The new-ticket form's asset and contract lists for the account chosen (htmx swaps
    them in place, out of band)."""
    permissions.require(request.user, services.KEY, "create")
    account = _int(request.GET.get("account"))
    context = {
        "assets": asset_choices(request.user, account),
        "contracts": contract_choices(request.user, account),
    }
    return render(request, "service/assets/_ticket_choices.html", context)
