"""Settings → Products and prices: products, product groups, taxes and price lists.

One permission, ``sales.product``, covers the catalogue. Whoever may view it sees these pages
read only; creating, editing and deleting show only to those allowed, and the services in
``catalog`` check again. A price list's prices are edited one product at a time (its volume
tiers: from quantity → unit price): a list may price more products than one form can carry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_currency
from django import forms
from django.contrib import messages
from django.db.models import CharField, Count, F, Model, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.platform import permissions
from clientela.platform.errors import FORM_ERRORS, NotFound, ValidationFailed
from clientela.platform.formatting import current_locale
from clientela.platform.forms import apply_errors
from clientela.platform.http import AuthedRequest
from clientela.platform.pagination import Page, paginate
from clientela.platform.pagination import _decode as decode_cursor
from clientela.sales import catalog
from clientela.sales.forms_catalog import (
    GroupForm,
    PriceListForm,
    ProductFilterForm,
    ProductForm,
    ProductPickForm,
    TaxForm,
    TierFormSet,
    apply_tier_errors,
    tier_values,
)
from clientela.sales.models import Price, PriceList, Product, ProductGroup, Tax
from clientela.sales.services import company_currency, pk_of

KEY = catalog.KEY
PAGE_SIZE = 50
MAX_CURSOR = 1000
MAX_SKU_HINTS = 1000  # SKUs the product box suggests; any other SKU may still be typed
Sorts = dict[str, tuple[Promise, tuple[Any, ...]]]
PRODUCT_SORTS: Sorts = {
    "name": (gettext_lazy("Name A-Z"), ("name", "id")),
    "sku": (gettext_lazy("SKU"), ("sku", "id")),
}
TAX_SORTS: Sorts = {
    "name": (gettext_lazy("Name A-Z"), ("name", "id")),
    "rate": (gettext_lazy("Rate (%)"), ("rate", "name", "id")),
}
PRICE_LIST_SORTS: Sorts = {
    "currency": (gettext_lazy("Currency"), ("currency", "name", "id")),
    "name": (gettext_lazy("Name A-Z"), ("name", "id")),
    "valid_from": (
        gettext_lazy("Valid from"),
        (F("valid_from").desc(nulls_last=True), "name", "id"),
    ),
}


def _rights(actor: Any) -> dict[str, bool]:
    return {f"can_{a}": permissions.can(actor, KEY, a) for a in ("create", "edit", "delete")}


def _record(model: type[Model], pk: Any) -> Any:
    number = pk_of(pk)
    found = None if number is None else model._default_manager.filter(pk=number).first()
    if found is None:
        raise NotFound()
    return found


def _sort(request: AuthedRequest, sorts: Sorts, default: str) -> str:
    wanted = request.GET.get("sort", "")
    return wanted if wanted in sorts else default


def _sort_urls(sorts: Sorts, params: Mapping[str, Any]) -> dict[str, str]:
    return {key: "?" + urlencode({**params, "sort": key}) for key in sorts}


def _money(value: Decimal, currency: str) -> str:
    """A unit price with its own decimals (up to four), never rounded to cents."""
    try:
        return format_currency(
            value.normalize(), currency, locale=current_locale(), decimal_quantization=False
        )
    except (ValueError, KeyError):
        return f"{value.normalize():f} {currency}"


# --- pages of rows -------------------------------------------------------------------------


def _fits(value: Any, field: Any) -> bool:
    if field.primary_key:
        return not isinstance(value, str) and pk_of(value) is not None
    if not isinstance(value, str) or "\x00" in value:
        return False
    return isinstance(field, CharField) and len(value) <= (field.max_length or 0)


def _cursor_fits(cursor: str, model: type[Model], ordering: tuple[Any, ...]) -> bool:
    """Whether a cursor's values suit the columns it continues from: a link someone edited
    must bring the first page back, not an error from the database."""
    if len(cursor) > MAX_CURSOR:
        return False
    try:
        values = decode_cursor(cursor, len(ordering))
    except ValidationFailed:
        return False
    fields = [model._meta.get_field(name.lstrip("-")) for name in ordering]
    return all(_fits(value, field) for value, field in zip(values, fields, strict=True))


def _page(rows: QuerySet[Any], ordering: tuple[Any, ...], cursor: str) -> tuple[Page[Any], str]:
    """One page of rows, and a message when the page link asked for was not valid."""
    if cursor and not _cursor_fits(cursor, rows.model, ordering):
        page = paginate(rows, ordering=ordering, cursor=None, limit=PAGE_SIZE)
        return page, _("This page link is no longer valid; here is the first page.")
    return paginate(rows, ordering=ordering, cursor=cursor or None, limit=PAGE_SIZE), ""


def _searched(rows: QuerySet[Product], words: str) -> QuerySet[Product]:
    words = words.strip()
    return rows.filter(Q(sku__icontains=words) | Q(name__icontains=words)) if words else rows


# --- lists ---------------------------------------------------------------------------------


def product_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    groups = [(g.pk, g.name) for g in ProductGroup.objects.order_by("name", "id")]
    sorts = [(key, label) for key, (label, _order) in PRODUCT_SORTS.items()]
    filters = ProductFilterForm(request.GET or None, group_choices=groups, sorts=sorts)
    sort = filters.value("sort") or "name"
    state = filters.value("active")
    rows = catalog.products_matching(
        query=filters.value("q") or "",
        group=filters.value("group"),
        active=None if not state else state == "1",
    )
    page, cursor_error = _page(rows, PRODUCT_SORTS[sort][1], request.GET.get("cursor", ""))
    params = {k: filters.value(k) for k in ("q", "group", "active") if filters.value(k)}
    context = {
        "page": page,
        "filters": filters,
        "filtered": bool(params),
        "sort": sort,
        "sort_urls": _sort_urls(PRODUCT_SORTS, params),
        "cursor_error": cursor_error,
        "first_query": urlencode({**params, "sort": sort}),
        "next_query": urlencode({**params, "sort": sort, "cursor": page.next_cursor or ""}),
        **_rights(request.user),
    }
    return render(request, "sales/catalog/products.html", context)


def group_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    rows = ProductGroup.objects.annotate(product_count=Count("products")).order_by("name", "id")
    context = {"rows": list(rows), **_rights(request.user)}
    return render(request, "sales/catalog/groups.html", context)


def tax_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    sort = _sort(request, TAX_SORTS, "name")
    rows = Tax.objects.order_by(*TAX_SORTS[sort][1])
    context = {
        "rows": list(rows),
        "sort": sort,
        "sort_urls": _sort_urls(TAX_SORTS, {}),
        **_rights(request.user),
    }
    return render(request, "sales/catalog/taxes.html", context)


def price_list_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    sort = _sort(request, PRICE_LIST_SORTS, "currency")
    rows = PriceList.objects.annotate(price_count=Count("prices"))
    context = {
        "rows": list(rows.order_by(*PRICE_LIST_SORTS[sort][1])),
        "sort": sort,
        "sort_urls": _sort_urls(PRICE_LIST_SORTS, {}),
        **_rights(request.user),
    }
    return render(request, "sales/catalog/price_lists.html", context)


# --- one record: create, view or change, delete --------------------------------------------


def _no_choices(_record: Any) -> dict[str, Any]:
    return {}


def _product_choices(product: Product | None) -> dict[str, Any]:
    """Active groups and taxes, and the ones the product already has."""
    group_id, tax_id = (product.group_id, product.tax_id) if product else (None, None)
    groups = ProductGroup.objects.filter(Q(active=True) | Q(pk=group_id)).order_by("name", "id")
    taxes = Tax.objects.filter(Q(active=True) | Q(pk=tax_id)).order_by("name", "id")
    return {
        "group_choices": [(g.pk, g.name) for g in groups],
        "tax_choices": [(t.pk, str(t)) for t in taxes],
    }


@dataclass(frozen=True)
class Kind:
    """What the pages of one kind of catalogue record need, so they share one flow."""

    model: type[Model]
    form: type[forms.Form]
    save: Callable[..., Any]
    delete: Callable[..., None]
    id_name: str  # the services' keyword for the record's id: "product_id"
    url: str  # url names: <url>_list, <url>_create, <url>_edit, <url>_delete
    plural: Promise
    new: Promise
    saved: Promise  # messages, with %(name)s
    deleted: Promise
    defaults: Callable[[], dict[str, Any]]
    choices: Callable[[Any], dict[str, Any]] = _no_choices
    after_save: str = ""  # where a saved record leads, by url name with its id: default list


PRODUCT = Kind(
    Product,
    ProductForm,
    catalog.product_save,
    catalog.product_delete,
    "product_id",
    "product",
    gettext_lazy("Products"),
    gettext_lazy("New product"),
    gettext_lazy("The product “%(name)s” was saved."),
    gettext_lazy("The product “%(name)s” was deleted."),
    lambda: {"active": True, "unit": "un"},
    _product_choices,
)
GROUP = Kind(
    ProductGroup,
    GroupForm,
    catalog.group_save,
    catalog.group_delete,
    "group_id",
    "product_group",
    gettext_lazy("Product groups"),
    gettext_lazy("New product group"),
    gettext_lazy("The product group “%(name)s” was saved."),
    gettext_lazy("The product group “%(name)s” was deleted."),
    lambda: {"active": True},
)
TAX = Kind(
    Tax,
    TaxForm,
    catalog.tax_save,
    catalog.tax_delete,
    "tax_id",
    "tax",
    gettext_lazy("Taxes"),
    gettext_lazy("New tax"),
    gettext_lazy("The tax “%(name)s” was saved."),
    gettext_lazy("The tax “%(name)s” was deleted."),
    lambda: {"active": True, "inclusive": False},
)
PRICE_LIST = Kind(
    PriceList,
    PriceListForm,
    catalog.price_list_save,
    catalog.price_list_delete,
    "price_list_id",
    "price_list",
    gettext_lazy("Price lists"),
    gettext_lazy("New price list"),
    gettext_lazy("The price list “%(name)s” was saved."),
    gettext_lazy("The price list “%(name)s” was deleted."),
    lambda: {"active": True, "currency": company_currency()},
    after_save="sales:price_list_detail",
)


def _initial(kind: Kind, record: Model | None) -> dict[str, Any]:
    if record is None:
        return kind.defaults()
    initial = {}
    for name in kind.form.base_fields:
        field = kind.model._meta.get_field(name)
        value = getattr(record, getattr(field, "attname", name))  # a key: its id
        initial[name] = _plain(value) if isinstance(value, Decimal) else value
    return initial


def _values(form: forms.Form, record: Model | None) -> dict[str, Any]:
    """The form as the service's values: a new record leaves out what was left empty (the
    service's defaults apply); a change sends every field, so an emptied one is emptied."""
    data = form.cleaned_data
    return {k: v for k, v in data.items() if record is not None or v is not None}


def _edit(request: AuthedRequest, kind: Kind, pk: int | None) -> HttpResponse:
    actor = request.user
    action = "edit" if pk is not None else "create"
    permissions.require(actor, KEY, "view" if pk is not None else "create")
    record = _record(kind.model, pk) if pk is not None else None
    data = request.POST if request.method == "POST" else None
    if data is not None:
        permissions.require(actor, KEY, action)
    form = kind.form(data, initial=_initial(kind, record), **kind.choices(record))
    editable = permissions.can(actor, KEY, action)
    for field in form.fields.values():
        field.disabled = not editable
    if data is not None and form.is_valid():
        ids = {kind.id_name: record.pk} if record is not None else {}
        try:
            saved = kind.save(actor=actor, values=_values(form, record), **ids)
        except FORM_ERRORS as exc:
            apply_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, str(kind.saved) % {"name": saved.name})
            if kind.after_save:
                return redirect(kind.after_save, saved.pk)
            return redirect(f"sales:{kind.url}_list")
    context = {
        "kind": kind,
        "form": form,
        "record": record,
        "editable": editable,
        "list_url": f"sales:{kind.url}_list",
        "delete_url": f"sales:{kind.url}_delete",
        **_rights(actor),
    }
    return render(request, "sales/catalog/form.html", context)


def _delete(request: AuthedRequest, kind: Kind, pk: int) -> HttpResponse:
    """A confirmation page; the POST deletes, or shows the service's refusal as a message."""
    permissions.require(request.user, KEY, "delete")
    record = _record(kind.model, pk)
    if request.method == "POST":
        try:
            kind.delete(actor=request.user, **{kind.id_name: record.pk})
        except FORM_ERRORS as exc:
            messages.error(request, str(exc.message))
            return redirect(kind.after_save or f"sales:{kind.url}_edit", record.pk)
        messages.success(request, str(kind.deleted) % {"name": record.name})
        return redirect(f"sales:{kind.url}_list")
    context = {"object": record, "cancel_url": f"sales:{kind.url}_list"}
    return render(request, "platform/confirm_delete.html", context)


def product_form(request: AuthedRequest, product_id: int | None = None) -> HttpResponse:
    return _edit(request, PRODUCT, product_id)


def product_delete(request: AuthedRequest, product_id: int) -> HttpResponse:
    return _delete(request, PRODUCT, product_id)


def group_form(request: AuthedRequest, group_id: int | None = None) -> HttpResponse:
    return _edit(request, GROUP, group_id)


def group_delete(request: AuthedRequest, group_id: int) -> HttpResponse:
    return _delete(request, GROUP, group_id)


def tax_form(request: AuthedRequest, tax_id: int | None = None) -> HttpResponse:
    return _edit(request, TAX, tax_id)


def tax_delete(request: AuthedRequest, tax_id: int) -> HttpResponse:
    return _delete(request, TAX, tax_id)


def price_list_form(request: AuthedRequest, price_list_id: int | None = None) -> HttpResponse:
    return _edit(request, PRICE_LIST, price_list_id)


def price_list_delete(request: AuthedRequest, price_list_id: int) -> HttpResponse:
    return _delete(request, PRICE_LIST, price_list_id)


# --- a price list and its prices -----------------------------------------------------------


def _priced(price_list: PriceList, products: list[Product]) -> list[dict[str, Any]]:
    """Each product of the page with its tiers in the list, read in one query."""
    tiers: dict[int, list[dict[str, Any]]] = {p.pk: [] for p in products}
    prices = Price.objects.filter(price_list=price_list, product_id__in=list(tiers))
    for price in prices.order_by("product_id", "min_quantity"):
        money = _money(price.unit_price, price_list.currency)
        tiers[price.product_id].append({"min_quantity": price.min_quantity, "price": money})
    return [{"product": p, "tiers": tiers[p.pk]} for p in products]


def price_list_detail(request: AuthedRequest, price_list_id: int) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    price_list = _record(PriceList, price_list_id)
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]  # no NUL in SQL
    priced = Product.objects.filter(pk__in=price_list.prices.values("product_id"))
    rows = _searched(priced, query)
    page, cursor_error = _page(rows, ("name", "id"), request.GET.get("cursor", ""))
    context = {
        "price_list": price_list,
        "rows": _priced(price_list, page.items),
        "page": page,
        "query": query,
        "priced_any": query or page.items or priced.exists(),
        "cursor_error": cursor_error,
        "next_query": urlencode({"q": query, "cursor": page.next_cursor or ""}),
        **_rights(request.user),
    }
    return render(request, "sales/catalog/price_list.html", context)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _find_sku(sku: str) -> int | None:
    return Product.objects.filter(sku__iexact=sku.strip()).values_list("pk", flat=True).first()


def _tier_data(request: AuthedRequest) -> Any:
    """The rows sent; "Add a row" sends them back with one more blank row, saving nothing."""
    if request.method != "POST":
        return None
    data = request.POST.copy()
    if "add_row" in data:
        total = pk_of(data.get("tiers-TOTAL_FORMS", "")) or 0
        data["tiers-TOTAL_FORMS"] = str(min(total + 1, catalog.MAX_TIERS))
    return data


def price_list_prices(
    request: AuthedRequest, price_list_id: int, product_id: int | None = None
) -> HttpResponse:
    """A product's tiers in a list; without a product, the page picks one by its SKU."""
    permissions.require(request.user, KEY, "edit")
    price_list = _record(PriceList, price_list_id)
    product = _record(Product, product_id) if product_id is not None else None
    current = price_list.prices.filter(product=product) if product else Price.objects.none()
    initial = [
        {"min_quantity": _plain(p.min_quantity), "unit_price": _plain(p.unit_price)}
        for p in current.order_by("min_quantity")
    ]
    data = _tier_data(request)
    adding = data is not None and "add_row" in data
    formset = TierFormSet(data, prefix="tiers", initial=initial)
    pick = None if product else _pick_form(data, adding)
    errors: list[str] = []
    if data is not None and not adding:
        chosen = product.pk if product else None
        if pick is not None and pick.is_valid():
            chosen = pick.cleaned_data["product"]
        if formset.is_valid() and chosen is not None:
            tiers, rows = tier_values(formset)
            try:
                catalog.price_list_set_product_prices(
                    actor=request.user, price_list_id=price_list.pk, product_id=chosen, tiers=tiers
                )
            except ValidationFailed as exc:
                errors = apply_tier_errors(formset, rows, exc.errors, pick) or [str(exc.message)]
            else:
                messages.success(request, _("The prices were saved."))
                return redirect("sales:price_list_detail", price_list.pk)
    context = {
        "price_list": price_list,
        "product": product,
        "pick": pick,
        "formset": formset,
        "errors": errors,
        "skus": _sku_hints() if pick is not None else [],
    }
    return render(request, "sales/catalog/prices_form.html", context)


def _pick_form(data: Any, adding: bool) -> ProductPickForm:
    """The product box; while rows are being added it keeps what was typed, unjudged."""
    if adding:
        return ProductPickForm(initial={"product": data.get("product", "")}, find=_find_sku)
    return ProductPickForm(data, find=_find_sku)


def _sku_hints() -> list[tuple[str, str]]:
    rows = Product.objects.filter(active=True).order_by("name", "id")
    return list(rows.values_list("sku", "name")[:MAX_SKU_HINTS])
