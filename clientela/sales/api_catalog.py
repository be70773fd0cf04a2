"""API for the catalogue: products, product groups, taxes, price lists with volume tiers and
the price that applies, and exchange rates. They are configuration (``sales.product``), and
whoever may see deals reads them too, to price lines."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from clientela.platform import permissions
from clientela.platform.api import PageParams
from clientela.platform.errors import NotFound, PermissionDenied, ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.models import User
from clientela.platform.pagination import paginate
from clientela.sales import (
    catalog,
    currency,
    pricing,
    services,
)
from clientela.sales.models import (
    ExchangeRate,
    PriceList,
    Product,
    ProductGroup,
    Tax,
)
from clientela.sales.schemas import Id
from clientela.sales.schemas_documents import (
    Day,
    ExchangeRatePage,
    ExchangeRatesIn,
    PriceListDetailOut,
    PriceListIn,
    PriceListPage,
    PriceListPatch,
    ProductGroupIn,
    ProductGroupOut,
    ProductGroupPage,
    ProductGroupPatch,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    RatesWrittenOut,
    TaxIn,
    TaxOut,
    TaxPage,
    TaxPatch,
    UnitPriceOut,
    fixed,
)

router = Router(tags=["sales"])
CURSOR = "Where the previous page ended (its `next_cursor`); omit for the first page."
LIMIT = "Items per page, 1 to 200."
MAX_QUANTITY = catalog.MAX_QUANTITY


class Paged(PageParams):
    cursor: str | None = Field(default=None, max_length=500, description=CURSOR)
    limit: int = Field(default=50, ge=1, le=200, description=LIMIT)


class CatalogueQuery(Paged):
    active: bool | None = Field(default=None, description="Only the active (true) or inactive.")


class ProductQuery(CatalogueQuery):
    q: str = Field(default="", max_length=100, description="Words in the SKU or the name.")
    group: Id | None = Field(default=None, description="Only this product group's products.")


class PriceListQuery(CatalogueQuery):
    currency: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{3}$", description="Only the lists in this currency."
    )


class UnitPriceQuery(Schema):
    product: Id = Field(description="The product to price.")
    currency: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{3}$", description="The company's currency if omitted."
    )
    quantity: Decimal = Field(
        default=Decimal(1),
        gt=0,
        le=MAX_QUANTITY,
        max_digits=12,
        decimal_places=3,
        description="Picks the volume tier; 1 if omitted.",
    )
    on: Day | None = Field(default=None, description="The day the list must be valid; today.")


class ExchangeRateQuery(Paged):
    currency: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{3}$", description="Only this currency's rates."
    )


# --- helpers -------------------------------------------------------------------------------


def _zone(user: User) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else _default_zone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return _default_zone()


def _default_zone() -> dt.tzinfo:
    return timezone.get_default_timezone()


@contextmanager
def _in_zone(request: AuthedRequest) -> Iterator[dt.tzinfo]:
    """A token's request runs in the server's zone; days here are the caller's."""
    zone = _zone(request.user)
    with timezone.override(zone):
        yield zone


def _catalogue_reader(request: AuthedRequest) -> None:
    """The catalogue is configuration, but reps read it to build lines: whoever may see deals
    reads products, taxes, prices and rates, as does whoever may see the configuration."""
    actor = request.user
    if not (
        permissions.can(actor, catalog.KEY, "view") or permissions.can(actor, services.KEY, "view")
    ):
        raise PermissionDenied()


def _page(rows: QuerySet[Any], ordering: tuple[str, ...], params: Paged) -> Any:
    return paginate(rows, ordering=ordering, cursor=params.cursor, limit=params.limit)


def _active(rows: QuerySet[Any], params: CatalogueQuery) -> QuerySet[Any]:
    return rows if params.active is None else rows.filter(active=params.active)


def _values(payload: Schema, names: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields sent, named as the service names them (``group_id`` → ``group``)."""
    renamed = names or {}
    return {renamed.get(k, k): v for k, v in payload.dict(exclude_unset=True).items()}


def _price_list(price_list_id: Any) -> PriceList:
    found = PriceList.objects.prefetch_related("prices").filter(pk=price_list_id).first()
    if found is None:
        raise NotFound()
    return found


PRODUCT_NAMES = {"group_id": "group", "tax_id": "tax"}


# --- products ------------------------------------------------------------------------------


@router.get("/products", response=ProductPage, summary="Products, filtered")
def list_products(request: AuthedRequest, params: Query[ProductQuery]):
    _catalogue_reader(request)
    rows = catalog.products_matching(query=params.q, group=params.group, active=params.active)
    return _page(rows, ("name", "id"), params)


@router.post("/products", response={201: ProductOut}, summary="Create a product")
def create_product(request: AuthedRequest, payload: ProductIn):
    """A SKU in use (whatever its case) answers 422 on `sku`."""
    values = _values(payload, PRODUCT_NAMES)
    return Status(201, catalog.product_save(actor=request.user, values=values))


@router.get("/products/{product_id}", response=ProductOut, summary="One product")
def get_product(request: AuthedRequest, product_id: int):
    _catalogue_reader(request)
    found = Product.objects.filter(pk=product_id).first()
    if found is None:
        raise NotFound()
    return found


@router.patch("/products/{product_id}", response=ProductOut, summary="Change a product")
def patch_product(request: AuthedRequest, product_id: int, payload: ProductPatch):
    values = _values(payload, PRODUCT_NAMES)
    return catalog.product_save(actor=request.user, values=values, product_id=product_id)


@router.delete("/products/{product_id}", response={204: None}, summary="Delete a product")
def delete_product(request: AuthedRequest, product_id: int):
    """A product on deal lines, quotes or orders answers 409: make it inactive instead."""
    catalog.product_delete(actor=request.user, product_id=product_id)
    return Status(204, None)


@router.get("/product-groups", response=ProductGroupPage, summary="Product groups")
def list_product_groups(request: AuthedRequest, params: Query[CatalogueQuery]):
    _catalogue_reader(request)
    return _page(_active(ProductGroup.objects.all(), params), ("name", "id"), params)


@router.post("/product-groups", response={201: ProductGroupOut}, summary="Create a group")
def create_product_group(request: AuthedRequest, payload: ProductGroupIn):
    return Status(201, catalog.group_save(actor=request.user, values=_values(payload)))


@router.patch(
    "/product-groups/{group_id}", response=ProductGroupOut, summary="Change a product group"
)
def patch_product_group(request: AuthedRequest, group_id: int, payload: ProductGroupPatch):
    return catalog.group_save(actor=request.user, values=_values(payload), group_id=group_id)


@router.get("/taxes", response=TaxPage, summary="Taxes")
def list_taxes(request: AuthedRequest, params: Query[CatalogueQuery]):
    _catalogue_reader(request)
    return _page(_active(Tax.objects.all(), params), ("name", "id"), params)


@router.post("/taxes", response={201: TaxOut}, summary="Create a tax")
def create_tax(request: AuthedRequest, payload: TaxIn):
    return Status(201, catalog.tax_save(actor=request.user, values=_values(payload)))


@router.patch("/taxes/{tax_id}", response=TaxOut, summary="Change a tax")
def patch_tax(request: AuthedRequest, tax_id: int, payload: TaxPatch):
    """A new rate applies to lines written from now on; existing lines keep theirs."""
    return catalog.tax_save(actor=request.user, values=_values(payload), tax_id=tax_id)


# --- price lists ---------------------------------------------------------------------------


@router.get("/price-lists", response=PriceListPage, summary="Price lists")
def list_price_lists(request: AuthedRequest, params: Query[PriceListQuery]):
    _catalogue_reader(request)
    rows = _active(PriceList.objects.all(), params)
    if params.currency:
        rows = rows.filter(currency=params.currency.upper())
    return _page(rows, ("currency", "name", "id"), params)


@router.get("/price-lists/price", response=UnitPriceOut, summary="The unit price that applies")
def unit_price(request: AuthedRequest, params: Query[UnitPriceQuery]):
    """The tier for `quantity` in the active list of `currency` valid `on` the day (the most
    recently started one); 404 when no such list prices the product."""
    _catalogue_reader(request)
    with _in_zone(request):
        on = params.on or timezone.localdate()
    code = (params.currency or services.company_currency()).upper()
    product = Product.objects.filter(pk=params.product).first()
    listed = pricing.list_for(code, on) if product is not None else None
    price = pricing.unit_price(product, listed, params.quantity) if product and listed else None
    if price is None or listed is None:
        raise NotFound(
            _("No active price list in %(currency)s has a price for this product and quantity.")
            % {"currency": code}
        )
    return {
        "price_list_id": listed.pk,
        "price_list_name": listed.name,
        "product_id": params.product,
        "currency": code,
        "quantity": fixed(params.quantity, 3),
        "on": on,
        "unit_price": format(price, "f"),
    }


@router.post("/price-lists", response={201: PriceListDetailOut}, summary="Create a price list")
def create_price_list(request: AuthedRequest, payload: PriceListIn):
    """Tier errors are keyed `prices.<n>.<field>`; a name in use answers 422 on `name`."""
    values = _values(payload)
    values["prices"] = [tier.dict() for tier in payload.prices]
    created = catalog.price_list_save(actor=request.user, values=values)
    return Status(201, _price_list(created.pk))


@router.get(
    "/price-lists/{price_list_id}", response=PriceListDetailOut, summary="A list with its tiers"
)
def get_price_list(request: AuthedRequest, price_list_id: int):
    _catalogue_reader(request)
    return _price_list(price_list_id)


@router.patch(
    "/price-lists/{price_list_id}", response=PriceListDetailOut, summary="Change a price list"
)
def patch_price_list(request: AuthedRequest, price_list_id: int, payload: PriceListPatch):
    """`prices`, when sent, replaces every tier of the list."""
    values = _values(payload)
    if "prices" in values:
        values["prices"] = [tier.dict() for tier in payload.prices]
    catalog.price_list_save(actor=request.user, values=values, price_list_id=price_list_id)
    return _price_list(price_list_id)


@router.delete("/price-lists/{price_list_id}", response={204: None}, summary="Delete a list")
def delete_price_list(request: AuthedRequest, price_list_id: int):
    """Its tiers go with it; lines already priced keep their prices."""
    catalog.price_list_delete(actor=request.user, price_list_id=price_list_id)
    return Status(204, None)


# --- exchange rates ------------------------------------------------------------------------


@router.get("/exchange-rates", response=ExchangeRatePage, summary="Exchange rates")
def list_exchange_rates(request: AuthedRequest, params: Query[ExchangeRateQuery]):
    _catalogue_reader(request)
    rows = ExchangeRate.objects.all()
    if params.currency:
        rows = rows.filter(currency=params.currency.upper())
    return _page(rows, ("currency", "-day", "id"), params)


@router.post("/exchange-rates", response=RatesWrittenOut, summary="Add or replace rates")
def save_exchange_rates(request: AuthedRequest, payload: ExchangeRatesIn):
    """All or none: one bad item answers 422 (keyed `items.<n>.<field>`) and nothing is kept."""
    items = [item.dict() for item in payload.items]
    return {"written": currency.rates_save(actor=request.user, items=items)}


@router.post("/exchange-rates/import", response=RatesWrittenOut, summary="Import rates (CSV)")
def import_exchange_rates(request: AuthedRequest, file: File[UploadedFile]):
    """A CSV file of up to 1 MiB, one `currency;day;rate` a line (commas work too, and a
    decimal comma in the rate); a header line is allowed. All or none: errors are keyed
    `items.<n>.<field>`, n counting the rate lines from 0."""
    permissions.require(request.user, currency.KEY, "edit")
    if file.size is None or file.size > currency.MAX_IMPORT_BYTES:
        raise ValidationFailed(errors={"file": [_("The file is larger than 1 MiB.")]})
    content = file.read(currency.MAX_IMPORT_BYTES + 1)
    if b"\x00" in content:
        message = _("Upload a CSV text file: one rate a line, as currency;day;rate.")
        raise ValidationFailed(errors={"file": [message]})
    return {"written": currency.rates_import(actor=request.user, content=content)}
