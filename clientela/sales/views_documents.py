"""Sales pages for a deal's products and quotes, and for sales orders.

The deal page loads its "Products and quotes" section from ``deal_documents`` (htmx, on load);
the lines, a new quote, sending and revising have their own pages, as the deal form does. The
same services as the API: ``catalog.opportunity_set_lines``, ``quotes`` and ``orders``. Quotes
are read through their deal (``quotes.quote_get``), orders by ``permissions.visible_to``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, Conflict, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import paginate
from clientela.sales import catalog, orders, quotes, selectors, services
from clientela.sales.forms_documents import (
    DeliveryForm,
    LineFormSet,
    QuoteForm,
    SendForm,
    ShipForm,
    apply,
    apply_line_errors,
    line_values,
)
from clientela.sales.models import OrderStatus, Product, Quote, QuoteStatus, SalesOrder, Tax

PAGE_SIZE = 50
ORDER_KEY = orders.KEY
OPEN = (QuoteStatus.DRAFT, QuoteStatus.SENT)


def _deal_url(deal_id: int) -> str:
    return reverse("sales:opportunity_detail", args=[deal_id])


def _mark_quotes(rows: list[Quote]) -> list[Quote]:
    """Each version's actions: only the newest version of a number, draft or sent, moves on."""
    newest: dict[str, int] = {}
    for quote in rows:
        newest[quote.number] = max(newest.get(quote.number, 0), quote.version)
    for quote in rows:
        quote.can_move = quote.status in OPEN and quote.version == newest[quote.number]  # type: ignore[attr-defined]
    return rows


# --- the deal's section --------------------------------------------------------------------


def deal_documents(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    deal = selectors.opportunity_get(request.user, opportunity_id)
    lines = list(deal.lines.select_related("product").order_by("position", "id"))
    sums = deal.lines.aggregate(
        net=Sum("net_amount"), tax=Sum("tax_amount"), total=Sum("total_amount")
    )
    rows = selectors.deal_quotes(deal)
    deal_orders = selectors.order_list(request.user, opportunity=deal)
    context = {
        "deal": deal,
        "lines": lines,
        "sums": sums,
        "quotes": _mark_quotes(list(rows)),
        "orders": list(deal_orders.order_by("-created_at", "-id")[:20]),
        "can_edit": permissions.can(request.user, services.KEY, "edit"),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "sales/documents/_section.html", context)
    return render(request, "sales/documents/section.html", context)


def _choices(deal_lines: list[Any]) -> dict[str, Any]:
    """Active products and taxes, and the ones the lines already use."""
    used = {line.product_id for line in deal_lines if line.product_id}
    products = Product.objects.filter(active=True) | Product.objects.filter(pk__in=used)
    return {
        "product_choices": [(p.pk, f"{p.sku} · {p.name}") for p in products.order_by("name")],
        "tax_choices": [(t.pk, str(t.name)) for t in Tax.objects.filter(active=True)],
    }


def _plain(number: Decimal) -> str:
    """A stored number without its trailing zeros, never in exponent form (500, not 5E+2)."""
    return format(number.normalize(), "f")


def _initial_lines(deal_lines: list[Any]) -> list[dict[str, Any]]:
    """The rows for the lines; a line keeps the active tax with its rate (the line stores the
    rate, not the tax), so saving the rows unchanged keeps every line's tax."""
    taxes = {(t.rate, t.inclusive): t.pk for t in Tax.objects.filter(active=True)}
    return [
        {
            "product": line.product_id,
            "description": line.description,
            "quantity": _plain(line.quantity),
            "unit_price": _plain(line.unit_price),
            "discount_percent": _plain(line.discount_percent),
            "tax": taxes.get((line.tax_rate, line.tax_inclusive)) if line.tax_rate else None,
        }
        for line in deal_lines
    ]


def deal_lines(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    deal = selectors.opportunity_get(request.user, opportunity_id)
    permissions.require(request.user, services.KEY, "edit")
    current = list(deal.lines.order_by("position", "id"))
    data = request.POST if request.method == "POST" else None
    formset = LineFormSet(
        data, prefix="lines", initial=_initial_lines(current), form_kwargs=_choices(current)
    )
    errors: list[str] = []
    if data is not None and formset.is_valid():
        lines, rows = line_values(formset)
        try:
            catalog.opportunity_set_lines(actor=request.user, opportunity_id=deal.pk, lines=lines)
        except ValidationFailed as exc:
            errors = apply_line_errors(formset, rows, exc.errors) or [str(exc.message)]
        except Conflict as exc:
            errors = [str(exc.message)]
        else:
            messages.success(request, _("The deal's lines were saved."))
            return redirect("sales:opportunity_detail", opportunity_id=deal.pk)
    context = {"deal": deal, "formset": formset, "errors": errors}
    return render(request, "sales/documents/lines.html", context)


# --- quotes --------------------------------------------------------------------------------


def quote_create(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    deal = selectors.opportunity_get(request.user, opportunity_id)
    permissions.require(request.user, services.KEY, "edit")
    initial = {"language": request.user.language or "en", "discount_percent": 0}
    initial["terms"] = quotes.company().quote_terms
    form = QuoteForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            made = quotes.quote_create(
                actor=request.user, opportunity_id=deal.pk, values=form.values(keep_terms=True)
            )
        except FORM_ERRORS as exc:
            apply(form, exc.errors or {"": [str(exc.message)]})
        else:
            messages.success(request, _("Quote %(quote)s was made.") % {"quote": made})
            return redirect("sales:opportunity_detail", opportunity_id=deal.pk)
    context = {"deal": deal, "form": form, "quote": None}
    return render(request, "sales/documents/quote_form.html", context)


def quote_revise(request: AuthedRequest, quote_id: int) -> HttpResponse:
    quote = quotes.quote_get(request.user, quote_id)
    initial = {
        "language": quote.language,
        "discount_percent": _plain(quote.discount_percent),
        "terms": quote.terms,
    }
    form = QuoteForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            made = quotes.quote_revise(
                actor=request.user, quote_id=quote.pk, values=form.values(keep_terms=True)
            )
        except FORM_ERRORS as exc:
            apply(form, exc.errors or {"": [str(exc.message)]})
        else:
            messages.success(request, _("Quote %(quote)s was made.") % {"quote": made})
            return redirect("sales:opportunity_detail", opportunity_id=quote.opportunity_id)
    context = {"deal": quote.opportunity, "form": form, "quote": quote}
    return render(request, "sales/documents/quote_form.html", context)


def quote_pdf(request: AuthedRequest, quote_id: int) -> HttpResponse:
    """Always a download, never shown inline."""
    quote = quotes.quote_get(request.user, quote_id)
    response = HttpResponse(quotes.quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote.number}-v{quote.version}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def quote_send(request: AuthedRequest, quote_id: int) -> HttpResponse:
    """The form; then a page to confirm the recipient; then the sending."""
    quote = quotes.quote_get(request.user, quote_id)
    form = SendForm(request.POST if request.method == "POST" else None)
    confirming = False
    if request.method == "POST" and form.is_valid():
        to = form.cleaned_data["to"] or None
        if "confirm" not in request.POST:
            confirming = True
        else:
            try:
                quotes.quote_send(
                    actor=request.user,
                    quote_id=quote.pk,
                    base_url=request.build_absolute_uri("/"),
                    to=to,
                    message=form.cleaned_data["message"],
                )
            except FORM_ERRORS as exc:
                apply(form, exc.errors or {"": [str(exc.message)]})
            else:
                messages.success(request, _("Quote %(quote)s was sent.") % {"quote": quote})
                return redirect("sales:opportunity_detail", opportunity_id=quote.opportunity_id)
    context = {"deal": quote.opportunity, "quote": quote, "form": form, "confirming": confirming}
    return render(request, "sales/documents/send.html", context)


# --- orders --------------------------------------------------------------------------------


def order_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, ORDER_KEY, "view")
    status = request.GET.get("status", "").strip()
    status = status if status in OrderStatus.values else ""
    rows = selectors.order_list(request.user, status=status)
    ordering = ("-created_at", "-id")
    cursor_error = ""
    try:
        page = paginate(rows, ordering=ordering, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except ValidationFailed:
        cursor_error = _("This page link is no longer valid; here is the first page.")
        page = paginate(rows, ordering=ordering, cursor=None, limit=PAGE_SIZE)
    params = {"status": status} if status else {}
    context = {
        "page": page,
        "status": status,
        "statuses": OrderStatus.choices,
        "filtered": bool(status),
        "cursor_error": cursor_error,
        "first_query": urlencode(params),
        "next_query": urlencode({**params, "cursor": page.next_cursor or ""}),
    }
    return render(request, "sales/documents/orders.html", context)


def _order(request: AuthedRequest, order_id: int) -> SalesOrder:
    return selectors.order_get(request.user, order_id)


def order_detail(
    request: AuthedRequest, order_id: int, delivery: DeliveryForm | None = None
) -> HttpResponse:
    order = _order(request, order_id)
    nexts = orders.TRANSITIONS[OrderStatus(order.status)]
    context = {
        "order": order,
        "lines": list(order.lines.order_by("position", "id")),
        "deliveries": list(order.deliveries.select_related("recorded_by").order_by("at", "id")),
        "next_statuses": [(s.value, s.label) for s in OrderStatus if s in nexts],
        "shipping": OrderStatus.SHIPPED in nexts,
        "ship_form": ShipForm(
            initial={"carrier": order.carrier, "tracking_number": order.tracking_number}
        ),
        "delivery_form": delivery or DeliveryForm(),
        "takes_deliveries": order.status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED),
        "can_edit": permissions.can(request.user, ORDER_KEY, "edit"),
    }
    return render(request, "sales/documents/order.html", context)


@require_POST
def order_status(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    status = request.POST.get("status", "")
    form = ShipForm(request.POST)
    values: dict[str, Any] = {}
    if status == OrderStatus.SHIPPED and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v}
    try:
        moved = orders.order_set_status(
            actor=request.user, order_id=order.pk, status=status, values=values
        )
    except FORM_ERRORS as exc:
        texts = [str(m) for found in exc.errors.values() for m in found]
        messages.error(request, " ".join(dict.fromkeys(texts)) or str(exc.message))
    else:
        text = _("Order %(number)s is now %(status)s.")
        messages.success(
            request, text % {"number": moved.number, "status": moved.get_status_display()}
        )
    return redirect("sales:order_detail", order_id=order.pk)


@require_POST
def order_delivery(request: AuthedRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            orders.delivery_add(actor=request.user, order_id=order.pk, values=values)
        except ValidationFailed as exc:
            apply(form, exc.errors or {"": [str(exc.message)]})
        except Conflict as exc:
            messages.error(request, str(exc.message))
            return redirect("sales:order_detail", order_id=order.pk)
        else:
            messages.success(request, _("The delivery step was added."))
            return redirect("sales:order_detail", order_id=order.pk)
    return order_detail(request, order.pk, delivery=form)
