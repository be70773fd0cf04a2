"""Writes on the catalogue (products, groups, taxes, price lists with volume tiers) and on a
deal's lines.

The catalogue is the company's configuration: one permission, ``sales.product`` ("Products and
prices"), covers it. A deal's lines are part of the deal: whoever may edit the deal may set
them; writing them recomputes each line's amounts (``pricing``) and the deal's amount, which
becomes the lines' net total, through the opportunity service (audit, events, rules).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions
from clientela.platform.errors import Conflict, NotFound, ValidationFailed
from clientela.platform.models import User
from clientela.sales import pricing
from clientela.sales.models import (
    Opportunity,
    OpportunityLine,
    Price,
    PriceList,
    Product,
    ProductGroup,
    Tax,
)
from clientela.sales.services import pk_of

KEY = "sales.product"
MAX_LINES = 200
MAX_TIERS = 50
MAX_QUANTITY = Decimal("999999999.999")
OPTIONAL_TEXTS = {"description", "unit"}  # may be blanked on a change
MAX_PRICE = Decimal("999999999999.9999")
Errors = dict[str, list[str]]


def _decimal(value: Any, places: int, low: Decimal, high: Decimal) -> Decimal:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise ValueError(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValueError(value)
    return number.quantize(Decimal(1).scaleb(-places))


def _number(
    values: dict[str, Any],
    name: str,
    places: int,
    low: Decimal,
    high: Decimal,
    errors: Errors,
    where: str = "",
) -> None:
    if name not in values:
        return
    try:
        values[name] = _decimal(values[name], places, low, high)
    except ValueError:
        errors[f"{where}{name}"] = [
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
        ]


def _text(
    values: dict[str, Any],
    name: str,
    size: int,
    errors: Errors,
    *,
    required: bool,
    lines: bool = False,
) -> None:
    """A text value, trimmed. ``required`` on a create; a change may leave it out but not blank
    it. ``lines`` allows line breaks (descriptions); other control characters never pass."""
    if name not in values and not required:
        return
    required = True if name in values and name not in OPTIONAL_TEXTS else required
    value = values.get(name)
    value = value.strip() if isinstance(value, str) else ("" if value is None else None)
    allowed = value
    if lines and value is not None:
        allowed = value.replace("\n", "").replace("\r", "").replace("\t", "")
    if value is None:
        errors[name] = [_("Enter text.")]
    elif required and not value:
        errors[name] = [_("This field is required.")]
    elif len(value) > size:
        errors[name] = [_("Enter at most %(n)d characters.") % {"n": size}]
    elif allowed is not None and not allowed.isprintable():
        errors[name] = [_("Remove the control characters.")]
    else:
        values[name] = value


def _flag(values: dict[str, Any], name: str, errors: Errors) -> None:
    if name in values and not isinstance(values[name], bool):
        errors[name] = [_("Enter true or false.")]


def _by_id(model: type[Model], pk: Any, field: str, errors: Errors) -> Any:
    if pk in (None, ""):
        return None
    if isinstance(pk, model):
        return pk
    number = pk_of(pk)
    found = None if number is None else model._default_manager.filter(pk=number).first()
    if found is None:
        errors[field] = [_("Choose one of the listed values.")]
    return found


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> tuple[dict[str, Any], Errors]:
    errors = {k: [_("This field cannot be set here.")] for k in sorted(set(values) - set(allowed))}
    return {k: v for k, v in values.items() if k in allowed}, errors


def _save(actor: User, record: Model, before: dict[str, Any], action: str) -> Model:
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        field = "sku" if isinstance(record, Product) else "name"
        message = _("Another product has this SKU.") if field == "sku" else None
        raise ValidationFailed(
            errors={field: [message or _("This name is already in use.")]}
        ) from None
    changes = audit.diff(before, audit.snapshot(record))
    if changes:
        audit.record(actor=actor, action=action, obj=record, changes=changes)
    return record


def _get(model: type[Model], pk: Any) -> Any:
    number = pk_of(pk)
    found = None if number is None else model._default_manager.filter(pk=number).first()
    if found is None:
        raise NotFound()
    return found


def _delete(actor: User, record: Model) -> None:
    permissions.require(actor, KEY, "delete")
    before, pk = audit.snapshot(record), record.pk
    try:
        with transaction.atomic():
            record.delete()
            record.pk = pk
            audit.record(actor=actor, action="delete", obj=record, changes=audit.diff(before, {}))
    except ProtectedError:
        raise Conflict(_("Deals use this product; make it inactive instead.")) from None


# --- products, groups, taxes ---------------------------------------------------------------

PRODUCT_FIELDS = ("sku", "name", "description", "unit", "group", "tax", "active")


def products_matching(
    *, query: str = "", group: Any = None, active: bool | None = None
) -> QuerySet[Product]:
    """Products whose SKU or name contains ``query``, in ``group``, active or not: what the
    settings page and the API list (each checks its reader first)."""
    rows = Product.objects.select_related("group", "tax")
    words = query.strip()
    if words:
        rows = rows.filter(Q(sku__icontains=words) | Q(name__icontains=words))
    if group:
        rows = rows.filter(group_id=group)
    return rows if active is None else rows.filter(active=active)


def product_save(*, actor: User, values: dict[str, Any], product_id: Any = None) -> Product:
    """Create (no ``product_id``) or change a product."""
    permissions.require(actor, KEY, "edit" if product_id else "create")
    product = _get(Product, product_id) if product_id else Product()
    values, errors = _only(values, PRODUCT_FIELDS)
    creating = product_id is None
    _text(values, "sku", 40, errors, required=creating)
    _text(values, "name", 200, errors, required=creating)
    _text(values, "description", 5000, errors, required=False, lines=True)
    _text(values, "unit", 20, errors, required=False)
    _flag(values, "active", errors)
    for name, model in (("group", ProductGroup), ("tax", Tax)):
        if name in values:
            values[name] = _by_id(model, values[name], name, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    sku = values.get("sku")
    if sku and Product.objects.filter(sku__iexact=sku).exclude(pk=product.pk).exists():
        raise ValidationFailed(errors={"sku": [_("Another product has this SKU.")]})
    before = audit.snapshot(product) if not creating else {}
    for name, value in values.items():
        setattr(product, name, value)
    return _save(actor, product, before, "create" if creating else "update")  # type: ignore[return-value]


def product_delete(*, actor: User, product_id: Any) -> None:
    _delete(actor, _get(Product, product_id))


def group_save(*, actor: User, values: dict[str, Any], group_id: Any = None) -> ProductGroup:
    permissions.require(actor, KEY, "edit" if group_id else "create")
    group = _get(ProductGroup, group_id) if group_id else ProductGroup()
    values, errors = _only(values, ("name", "active"))
    _text(values, "name", 100, errors, required=group_id is None)
    _flag(values, "active", errors)
    if errors:
        raise ValidationFailed(errors=errors)
    before = audit.snapshot(group) if group_id else {}
    for name, value in values.items():
        setattr(group, name, value)
    return _save(actor, group, before, "update" if group_id else "create")  # type: ignore[return-value]


def tax_save(*, actor: User, values: dict[str, Any], tax_id: Any = None) -> Tax:
    permissions.require(actor, KEY, "edit" if tax_id else "create")
    tax = _get(Tax, tax_id) if tax_id else Tax()
    values, errors = _only(values, ("name", "rate", "inclusive", "active"))
    _text(values, "name", 100, errors, required=tax_id is None)
    if tax_id is None and "rate" not in values:
        errors["rate"] = [_("This field is required.")]
    _number(values, "rate", 4, Decimal(0), Decimal(100), errors)
    _flag(values, "inclusive", errors)
    _flag(values, "active", errors)
    if errors:
        raise ValidationFailed(errors=errors)
    before = audit.snapshot(tax) if tax_id else {}
    for name, value in values.items():
        setattr(tax, name, value)
    return _save(actor, tax, before, "update" if tax_id else "create")  # type: ignore[return-value]


def _locked(model: type[Model], pk: Any) -> Any:
    """The record, locked until the transaction ends (the caller runs in one)."""
    number = pk_of(pk)
    query = model._default_manager.select_for_update()
    found = None if number is None else query.filter(pk=number).first()
    if found is None:
        raise NotFound()
    return found


def _delete_unused(actor: User, model: type[Model], pk: Any, message: str) -> None:
    """Delete a group or a tax that no product points to. The products would silently lose
    it (their link is set to null), which changes reports per group or the tax new deal lines
    take; making it inactive keeps both."""
    permissions.require(actor, KEY, "delete")
    with transaction.atomic():
        record = _locked(model, pk)
        field = "group" if model is ProductGroup else "tax"
        if Product.objects.filter(**{field: record}).exists():
            raise Conflict(message)
        _delete(actor, record)


def group_delete(*, actor: User, group_id: Any) -> None:
    _delete_unused(
        actor,
        ProductGroup,
        group_id,
        _("Products are in this group; move them or make the group inactive instead."),
    )


def tax_delete(*, actor: User, tax_id: Any) -> None:
    _delete_unused(actor, Tax, tax_id, _("Products use this tax; make it inactive instead."))


# --- price lists ---------------------------------------------------------------------------


def _clean_tiers(items: Any, errors: Errors) -> list[dict[str, Any]]:
    if not isinstance(items, list) or len(items) > MAX_TIERS * 100:
        errors["prices"] = [_("Give the prices as a list.")]
        return []
    tiers, seen = [], set()
    for index, item in enumerate(items):
        where = f"prices.{index}."
        if not isinstance(item, dict):
            errors[f"prices.{index}"] = [_("Enter a product, a quantity and a price.")]
            continue
        tier = {k: item[k] for k in ("product", "min_quantity", "unit_price") if k in item}
        tier.setdefault("min_quantity", 1)
        tier["product"] = _by_id(Product, tier.get("product"), f"{where}product", errors)
        _number(tier, "min_quantity", 3, Decimal("0.001"), MAX_QUANTITY, errors, where)
        if "unit_price" not in tier:
            errors[f"{where}unit_price"] = [_("This field is required.")]
        _number(tier, "unit_price", 4, Decimal(0), MAX_PRICE, errors, where)
        key = (getattr(tier["product"], "pk", None), str(tier.get("min_quantity")))
        if key in seen:
            errors[f"prices.{index}"] = [_("This product already has a price from this quantity.")]
        seen.add(key)
        tiers.append(tier)
    return tiers


def price_list_save(*, actor: User, values: dict[str, Any], price_list_id: Any = None) -> PriceList:
    """Create or change a list; ``prices`` (when given) replaces all its tiers."""
    from clientela.sales.services import company_currency

    permissions.require(actor, KEY, "edit" if price_list_id else "create")
    price_list = _get(PriceList, price_list_id) if price_list_id else PriceList()
    fields = ("name", "currency", "valid_from", "valid_to", "active", "prices")
    values, errors = _only(values, fields)
    _text(values, "name", 100, errors, required=price_list_id is None)
    if price_list_id is None:
        values.setdefault("currency", company_currency())
    if "currency" in values:
        _currency(values, errors)
    for name in ("valid_from", "valid_to"):
        if name in values:
            values[name] = _date(values[name], name, errors)
    _flag(values, "active", errors)
    prices = _clean_tiers(values.pop("prices"), errors) if "prices" in values else None
    start = values.get("valid_from", price_list.valid_from)
    end = values.get("valid_to", price_list.valid_to)
    if start and end and end < start:
        errors["valid_to"] = [_("The end comes before the start.")]
    if errors:
        raise ValidationFailed(errors=errors)
    before = audit.snapshot(price_list) if price_list_id else {}
    for name, value in values.items():
        setattr(price_list, name, value)
    with transaction.atomic():
        _save(actor, price_list, before, "update" if price_list_id else "create")
        if prices is not None:
            price_list.prices.all().delete()
            Price.objects.bulk_create(Price(price_list=price_list, **tier) for tier in prices)
    return price_list


def _currency(values: dict[str, Any], errors: Errors) -> None:
    from babel.numbers import list_currencies

    code = values["currency"]
    code = code.strip().upper() if isinstance(code, str) else ""
    if code not in list_currencies():
        errors["currency"] = [_("Enter a currency code such as BRL, USD or EUR.")]
    values["currency"] = code


def _date(value: Any, name: str, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) <= 10:
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors[name] = [_("Enter a valid date.")]
    return None


def price_list_delete(*, actor: User, price_list_id: Any) -> None:
    _delete(actor, _get(PriceList, price_list_id))


def price_list_set_product_prices(
    *, actor: User, price_list_id: Any, product_id: Any, tiers: Any
) -> PriceList:
    """Replace one product's tiers in a list, all or none; no tiers take the product off it.

    Pages edit a list one product at a time: a list may price thousands of products, more
    than one form can carry. Errors are keyed ``product`` and ``prices.<n>.<field>``."""
    permissions.require(actor, KEY, "edit")
    _get(PriceList, price_list_id)
    errors: Errors = {}
    product = _by_id(Product, product_id, "product", errors)
    if product_id in (None, ""):
        errors["product"] = [_("This field is required.")]
    if isinstance(tiers, list) and len(tiers) > MAX_TIERS:
        errors["prices"] = [_("Give at most %(n)d tiers per product.") % {"n": MAX_TIERS}]
        tiers = []
    if isinstance(tiers, list):
        tiers = [{**t, "product": product} if isinstance(t, dict) else t for t in tiers]
    cleaned = _clean_tiers(tiers, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        price_list = _locked(PriceList, price_list_id)
        mine = price_list.prices.filter(product=product)
        before = sorted(mine.values_list("min_quantity", "unit_price"))
        mine.delete()
        Price.objects.bulk_create(Price(price_list=price_list, **tier) for tier in cleaned)
        after = sorted((t["min_quantity"], t["unit_price"]) for t in cleaned)
        if before != after:
            texts = [f"{product.sku}: {_tiers_text(t)}" if t else "" for t in (before, after)]
            audit.record(actor=actor, action="update", obj=price_list, changes={"prices": texts})
    return price_list


def _tiers_text(tiers: list[tuple[Decimal, Decimal]]) -> str:
    return "; ".join(f"{q.normalize():f}+ @ {p.normalize():f}" for q, p in tiers)


# --- a deal's lines ------------------------------------------------------------------------


def _clean_line(
    item: Any, index: int, currency: str, on: dt.date, errors: Errors
) -> dict[str, Any]:
    where = f"lines.{index}."
    if not isinstance(item, dict):
        errors[f"lines.{index}"] = [_("Enter a product or a description, and a quantity.")]
        return {}
    allowed = ("product", "description", "quantity", "unit_price", "discount_percent", "tax")
    line, unknown = _only(item, allowed)
    errors.update({f"{where}{k}": v for k, v in unknown.items()})
    product = _by_id(Product, line.get("product"), f"{where}product", errors)
    if product is not None and not product.active:
        errors[f"{where}product"] = [_("This product is no longer sold.")]
    line.setdefault("quantity", 1)
    _number(line, "quantity", 3, Decimal("0.001"), MAX_QUANTITY, errors, where)
    _number(line, "discount_percent", 2, Decimal(0), Decimal(100), errors, where)
    if line.get("unit_price") not in (None, ""):
        _number(line, "unit_price", 4, Decimal(0), MAX_PRICE, errors, where)
    elif product is not None and isinstance(line.get("quantity"), Decimal):
        listed = pricing.list_for(currency, on)
        price = pricing.unit_price(product, listed, line["quantity"]) if listed else None
        if price is None:
            errors[f"{where}unit_price"] = [
                _("No price list in %(currency)s has this product: enter its price.")
                % {"currency": currency}
            ]
        line["unit_price"] = price
    else:
        errors[f"{where}unit_price"] = [_("This field is required.")]
    tax = _by_id(Tax, line["tax"], f"{where}tax", errors) if "tax" in line else None
    if tax is not None and not tax.active:
        errors[f"{where}tax"] = [_("This tax is no longer in use.")]
    if tax is None and "tax" not in line and product is not None and product.tax is not None:
        tax = product.tax if product.tax.active else None
    description = line.get("description")
    description = description.strip() if isinstance(description, str) else ""
    if not description and product is not None:
        description = product.name
    if not description or len(description) > 300:
        errors[f"{where}description"] = [_("Enter a description of at most 300 characters.")]
    return {
        "product": product,
        "description": description,
        "quantity": line.get("quantity"),
        "unit_price": line.get("unit_price"),
        "discount_percent": line.get("discount_percent", Decimal(0)),
        "tax_rate": tax.rate if tax else Decimal(0),
        "tax_inclusive": tax.inclusive if tax else False,
    }


def opportunity_set_lines(*, actor: User, opportunity_id: Any, lines: Any) -> Opportunity:
    """Replace the deal's lines, all or none; the deal's amount becomes their net total."""
    from clientela.sales.services import opportunity_update

    deal = permissions.get_for_action(actor, Opportunity.objects.all(), opportunity_id, "edit")
    errors: Errors = {}
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise ValidationFailed(
            errors={"lines": [_("Give at most %(n)d lines.") % {"n": MAX_LINES}]}
        )
    today = timezone.localdate()
    cleaned = [_clean_line(item, i, deal.currency, today, errors) for i, item in enumerate(lines)]
    if errors:
        raise ValidationFailed(errors=errors)
    rows = []
    for position, line in enumerate(cleaned):
        amounts = pricing.line_amounts(
            line["quantity"],
            line["unit_price"],
            discount_percent=line["discount_percent"],
            tax_rate=line["tax_rate"],
            tax_inclusive=line["tax_inclusive"],
        )
        rows.append(
            OpportunityLine(
                opportunity=deal,
                position=position,
                net_amount=amounts.net,
                tax_amount=amounts.tax,
                total_amount=amounts.total,
                **line,
            )
        )
    total = pricing.document_amounts(
        pricing.Amounts(r.net_amount, r.tax_amount, r.total_amount) for r in rows
    )
    with transaction.atomic():
        before = list(deal.lines.values_list("description", "quantity", "unit_price"))
        deal.lines.all().delete()
        OpportunityLine.objects.bulk_create(rows)
        after = [(r.description, r.quantity, r.unit_price) for r in rows]
        if before != after:
            audit.record(
                actor=actor,
                action="update",
                obj=deal,
                changes={"lines": [_lines_text(before), _lines_text(after)]},
            )
        if rows or before:
            deal = opportunity_update(
                actor=actor, opportunity_id=deal.pk, values={"amount": total.net}
            )
    return deal


def _lines_text(lines: list[tuple[Any, ...]]) -> str:
    return "; ".join(f"{q.normalize()} x {d} @ {p.normalize()}" for d, q, p in lines)
