"""Every write on the installed base: assets and their warranties.

An asset is owned like its account (the account's owner and team when it is created), so the
people who see the customer see its equipment. A serial number is unique per product code: the
check gives a clear error, and a race that passes it still ends as that error, not a 500.
A parent asset (the unit a part is built into) belongs to the same account, and an asset can
never end up inside itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clientela.customers.models import Account, Contact
from clientela.platform import audit, events, permissions
from clientela.platform.errors import ValidationFailed, not_found_on
from clientela.platform.models import User
from clientela.service.contracts import Errors, _text, clean_date
from clientela.service.models_assets import Asset, AssetStatus, Coverage, Warranty

KEY = "service.asset"
FIELDS = ("product_code", "product_name", "serial_number", "location", "region", "notes")
SIZES = {
    "product_code": 64,
    "product_name": 200,
    "serial_number": 100,
    "location": 200,
    "region": 60,
}
MAX_DEPTH = 20  # parents followed when looking for a cycle


def _visible(actor: User, model: Any, pk: Any, name: str) -> Any:
    if pk in (None, ""):
        return None
    if isinstance(pk, model):
        return pk
    return not_found_on(
        name, lambda: permissions.get_visible(actor, model._default_manager.all(), pk)
    )


def _clean_parent(actor: User, values: dict[str, Any], asset: Asset | None, errors: Errors) -> Any:
    parent = _visible(actor, Asset, values.get("parent"), "parent")
    if parent is None:
        return None
    account = values.get("account")
    if account is not None and parent.account_id != account.pk:
        errors["parent"] = [_("The parent must be an asset of the same account.")]
    elif asset is not None and asset.pk is not None:
        step, seen = parent, 0
        while step is not None and seen < MAX_DEPTH:
            if step.pk == asset.pk:
                errors["parent"] = [_("An asset cannot be a part of itself or of its parts.")]
                break
            step, seen = step.parent, seen + 1
    return parent


def _clean_asset(actor: User, raw: dict[str, Any], current: Asset | None) -> dict[str, Any]:
    errors: Errors = {}
    merged = {**(_current_values(current) if current else {}), **raw}
    cleaned: dict[str, Any] = {}
    for name in FIELDS:
        if name == "notes":
            cleaned[name] = str(merged.get(name) or "").strip()[:5000]
        else:
            required = name == "product_name"
            cleaned[name] = _text(merged, name, errors, SIZES[name], required)
    cleaned["account"] = _visible(actor, Account, merged.get("account"), "account")
    if cleaned["account"] is None:
        errors["account"] = [_("Choose the customer's account.")]
    contact = _visible(actor, Contact, merged.get("contact"), "contact")
    if contact is not None and cleaned["account"] and contact.account_id != cleaned["account"].pk:
        errors["contact"] = [_("The contact must be a person of the asset's account.")]
    cleaned["contact"] = contact
    cleaned["installed_on"] = clean_date(
        merged.get("installed_on"), "installed_on", errors, required=False
    )
    status = merged.get("status") or AssetStatus.ACTIVE
    if status not in AssetStatus.values:
        errors["status"] = [_("Choose one of the listed values.")]
    cleaned["status"] = status
    cleaned["parent"] = _clean_parent(actor, merged | cleaned, current, errors)
    serial_taken(cleaned, current, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def _current_values(asset: Asset) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(asset, name) for name in FIELDS}
    values |= {"account": asset.account, "contact": asset.contact, "parent": asset.parent}
    return values | {"installed_on": asset.installed_on, "status": asset.status}


def serial_taken(cleaned: dict[str, Any], current: Asset | None, errors: Errors) -> None:
    serial = cleaned.get("serial_number")
    if not serial:
        return
    taken = Asset.objects.filter(product_code=cleaned.get("product_code", ""), serial_number=serial)
    if current is not None and current.pk is not None:
        taken = taken.exclude(pk=current.pk)
    if taken.exists():
        errors["serial_number"] = [SERIAL_TAKEN()]


def SERIAL_TAKEN() -> str:  # noqa: N802  (a message, read when raised)
    return _("Another asset of this product already has this serial number.")


def _save(actor: User, asset: Asset, cleaned: dict[str, Any], verb: str) -> Asset:
    creating = asset.pk is None
    before = {} if creating else audit.snapshot(asset)
    for name, value in cleaned.items():
        setattr(asset, name, value)
    try:
        with transaction.atomic():
            asset.save()
            changes = audit.diff(before, audit.snapshot(asset))
            if changes:
                action = "create" if creating else "update"
                audit.record(actor=actor, action=action, obj=asset, changes=changes)
    except IntegrityError:
        if creating:
            asset.pk = None
        raise ValidationFailed(errors={"serial_number": [SERIAL_TAKEN()]}) from None
    payload = {"id": asset.pk, "fields": sorted(changes), "changes": changes}
    events.emit(events.Event(f"{KEY}.{verb}", actor.pk, payload))
    return asset


def asset_create(*, actor: User, values: dict[str, Any]) -> Asset:
    """An asset of an account the actor sees; its owner and team are the account's."""
    permissions.require(actor, KEY, "create")
    cleaned = _clean_asset(actor, values, None)
    account = cleaned["account"]
    return _save(
        actor, Asset(owner_id=account.owner_id, team_id=account.team_id), cleaned, "created"
    )


def asset_update(*, actor: User, asset_id: Any, values: dict[str, Any]) -> Asset:
    """Only the fields sent change."""
    asset = permissions.get_for_action(actor, Asset.objects.all(), asset_id, "edit")
    cleaned = _clean_asset(actor, values, asset)
    return _save(actor, asset, cleaned, "updated")


def asset_delete(*, actor: User, asset_id: Any) -> None:
    """Its warranties and plans go with it; its parts and tickets stay, unlinked."""
    asset = permissions.get_for_action(actor, Asset.objects.all(), asset_id, "delete")
    before, pk = audit.snapshot(asset), asset.pk
    with transaction.atomic():
        asset.delete()
        asset.pk = pk
        audit.record(actor=actor, action="delete", obj=asset, changes=audit.diff(before, {}))
    events.emit(events.Event(f"{KEY}.deleted", actor.pk, {"id": pk}))


# --- warranties ----------------------------------------------------------------------------


def _clean_warranty(values: dict[str, Any], current: Warranty | None) -> dict[str, Any]:
    errors: Errors = {}
    merged: dict[str, Any] = {}
    if current is not None:
        names = ("name", "starts_on", "ends_on", "coverage", "notes")
        merged = {n: getattr(current, n) for n in names}
    merged |= values
    cleaned: dict[str, Any] = {"name": _text(merged, "name", errors, 100, True)}
    cleaned["starts_on"] = clean_date(merged.get("starts_on"), "starts_on", errors, required=True)
    cleaned["ends_on"] = clean_date(merged.get("ends_on"), "ends_on", errors, required=True)
    start, end = cleaned["starts_on"], cleaned["ends_on"]
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors["ends_on"] = [_("The end cannot be before the start.")]
    coverage = merged.get("coverage") or Coverage.PARTS_AND_LABOUR
    if coverage not in Coverage.values:
        errors["coverage"] = [_("Choose one of the listed values.")]
    cleaned["coverage"] = coverage
    cleaned["notes"] = str(merged.get("notes") or "").strip()[:5000]
    if errors:
        raise ValidationFailed(errors=errors)
    return cleaned


def _warranty_write(actor: User, warranty: Warranty, cleaned: dict[str, Any]) -> Warranty:
    creating = warranty.pk is None
    before = {} if creating else audit.snapshot(warranty)
    for name, value in cleaned.items():
        setattr(warranty, name, value)
    with transaction.atomic():
        warranty.save()
        changes = {
            f"warranty.{k}": v for k, v in audit.diff(before, audit.snapshot(warranty)).items()
        }
        if changes:
            audit.record(actor=actor, action="update", obj=warranty.asset, changes=changes)
    return warranty


def warranty_add(*, actor: User, asset_id: Any, values: dict[str, Any]) -> Warranty:
    """Warranties are part of their asset: whoever may change the asset adds them."""
    asset = permissions.get_for_action(actor, Asset.objects.all(), asset_id, "edit")
    return _warranty_write(actor, Warranty(asset=asset), _clean_warranty(values, None))


def _warranty(actor: User, warranty_id: Any) -> Warranty:
    found = Warranty.objects.filter(pk=warranty_id if str(warranty_id).isdigit() else 0).first()
    permissions.get_for_action(actor, Asset.objects.all(), found.asset_id if found else 0, "edit")
    assert found is not None  # NotFound was raised otherwise
    return found


def warranty_update(*, actor: User, warranty_id: Any, values: dict[str, Any]) -> Warranty:
    warranty = _warranty(actor, warranty_id)
    return _warranty_write(actor, warranty, _clean_warranty(values, warranty))


def warranty_delete(*, actor: User, warranty_id: Any) -> None:
    warranty = _warranty(actor, warranty_id)
    before = {f"warranty.{k}": v for k, v in audit.snapshot(warranty).items()}
    with transaction.atomic():
        warranty.delete()
        changes = audit.diff(before, {})
        audit.record(actor=actor, action="update", obj=warranty.asset, changes=changes)
