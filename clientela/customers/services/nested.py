"""Create and change an account or a contact together with its e-mails, phones, addresses, tags.

The platform's ``record_create``/``record_update`` audit the record's own columns. Customer
records also own rows in other tables, so these do the same steps (permission and ownership
checked by the caller and here, one transaction, one audit entry, events on commit) with a
snapshot that includes those rows as readable lists: a change of phone only still leaves an
entry on the account, and the History tab says which number came and went.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from clientela.customers.models import Address, Contact, ContactPoint
from clientela.customers.services.common import Nested, Point, address_text
from clientela.customers.services.tags import apply_tags, tag_names
from clientela.platform import audit, customfields, events, permissions, registry
from clientela.platform.errors import Conflict, DomainError, NotFound, ValidationFailed
from clientela.platform.models import User
from clientela.platform.services.records import resolve_ownership

# Run inside the transaction after the record and its rows are written (contacts: memberships).
Extra = Callable[[Any, bool], None]  # (record, fresh)
Snapshot = Callable[[Any], dict[str, Any]]
HIDDEN = {"search_text"}


def _point_text(point: ContactPoint | Point) -> str:
    return f"{point.value} ({point.label})" if point.label else point.value


def record_snapshot(record: Any) -> dict[str, Any]:
    """The audited view of an account or contact, its points, addresses and tags included."""
    data = {k: v for k, v in audit.snapshot(record).items() if k not in HIDDEN}
    points = list(record.points.all())
    for kind, name, primary in (
        ("email", "emails", record.email),
        ("phone", "phones", record.phone),
    ):
        extra = [_point_text(p) for p in points if p.kind == kind]
        data[name] = ([primary] if primary else []) + extra
    data["addresses"] = [address_text(a) for a in record.addresses.all()]
    data["tags"] = tag_names(record)
    if isinstance(record, Contact):
        data["accounts"] = [
            f"{m.account.name} ({m.get_role_display()})"
            for m in record.memberships.select_related("account").order_by("account__name")
        ]
    return data


def _parent(record: models.Model) -> dict[str, models.Model]:
    return {str(record._meta.model_name): record}


def _replace_points(record: models.Model, kind: str, points: list[Point], fresh: bool) -> None:
    """The first point is the record's primary column; the others are ``ContactPoint`` rows."""
    if not fresh:
        ContactPoint.objects.filter(**_parent(record), kind=kind).delete()
    ContactPoint.objects.bulk_create(
        ContactPoint(**_parent(record), kind=kind, value=p.value, label=p.label) for p in points[1:]
    )


def write_nested(record: Any, nested: Nested, extra: Extra | None, *, fresh: bool) -> None:
    """Write the lists that were sent; ``fresh``: the record was just created, has no rows."""
    if nested.emails is not None:
        _replace_points(record, "email", nested.emails, fresh)
    if nested.phones is not None:
        _replace_points(record, "phone", nested.phones, fresh)
    if nested.addresses is not None:
        if not fresh:
            Address.objects.filter(**_parent(record)).delete()
        Address.objects.bulk_create(Address(**_parent(record), **a) for a in nested.addresses)
    if nested.tags is not None:
        apply_tags(record, nested.tags)
    if extra is not None:
        extra(record, fresh)
    if nested.touches_search():
        # search_text is rebuilt by the model's save from the record and its points.
        record.save(update_fields=["search_text", "updated_at"])


def primary_columns(values: dict[str, Any], nested: Nested) -> None:
    """``emails``/``phones`` win over ``email``/``phone``: the first one is the primary."""
    if nested.emails is not None:
        values["email"] = nested.emails[0].value if nested.emails else ""
    if nested.phones is not None:
        values["phone"] = nested.phones[0].value if nested.phones else ""


def _full_clean(record: models.Model, **kwargs: Any) -> None:
    try:
        # Uniqueness (the external id) is checked by the services and by the database.
        record.full_clean(validate_unique=False, validate_constraints=False, **kwargs)
    except DjangoValidationError as exc:
        raise ValidationFailed(errors=exc.message_dict) from None


def _clash(values: dict[str, Any]) -> Conflict:
    if values.get("external_id"):
        return Conflict(
            _("Another record already has the external id %(id)s.") % {"id": values["external_id"]},
            code="external_id_taken",
            errors={"external_id": [_("Another record already has this external id.")]},
        )
    return Conflict()


def create_record[M: models.Model](
    *, actor: User, model: type[M], values: dict[str, Any], nested: Nested, extra: Extra | None
) -> M:
    key = registry.for_model(model).key
    values = dict(values)
    owner, team = resolve_ownership(actor, key, values.pop("owner", None), values.pop("team", None))
    if customfields.COLUMN in values:
        values[customfields.COLUMN] = customfields.applied(values[customfields.COLUMN], None)
    try:
        with transaction.atomic():
            record = model(**values, owner=owner, team=team)
            _full_clean(record, exclude=["owner", "team"])
            record.save()
            write_nested(record, nested, extra, fresh=True)
            changes = audit.diff({}, record_snapshot(record))
            audit.record(actor=actor, action="create", obj=record, changes=changes)
    except IntegrityError:
        raise _clash(values) from None
    events.emit(events.Event(f"{key}.created", actor.pk, {"id": record.pk}))
    return record


def _locked[M: models.Model](record: M) -> M:
    """The record again, row-locked; a contact with its account (its search text names it)."""
    queryset = type(record)._default_manager.select_for_update(of=("self",))
    if isinstance(record, Contact):
        queryset = queryset.select_related("account")
    return queryset.get(pk=record.pk)


def update_record[M: models.Model](
    *, actor: User, record: M, values: dict[str, Any], nested: Nested, extra: Extra | None
) -> M:
    """``record`` was fetched with edit permission; this locks it and applies the change."""
    model = type(record)
    key = registry.for_model(model).key
    values = dict(values)
    if "owner" in values or "team" in values:
        owner, team = resolve_ownership(
            actor,
            key,
            values.pop("owner", record.owner_id),  # type: ignore[attr-defined]
            values.pop("team", record.team_id),  # type: ignore[attr-defined]
        )
        values.update(owner=owner, team=team)
    try:
        with transaction.atomic():
            locked = _locked(record)
            before = record_snapshot(locked)
            for name, value in values.items():
                if name == customfields.COLUMN:
                    value = customfields.applied(value, getattr(locked, name))
                setattr(locked, name, value)
            _full_clean(locked)
            locked.save()
            write_nested(locked, nested, extra, fresh=False)
            changes = audit.diff(before, record_snapshot(locked))
            if changes:
                audit.record(actor=actor, action="update", obj=locked, changes=changes)
    except IntegrityError:
        raise _clash(values) from None
    if changes:
        payload = {"id": locked.pk, "fields": sorted(changes), "changes": changes}
        events.emit(events.Event(f"{key}.updated", actor.pk, payload))
    return locked


def delete_record(*, actor: User, record: models.Model) -> None:
    """``record`` was fetched with delete permission; its rows go with it, all in the audit."""
    key = registry.for_model(type(record)).key
    record_pk, before = record.pk, record_snapshot(record)
    try:
        with transaction.atomic():
            record.delete()
            record.pk = record_pk
            audit.record(actor=actor, action="delete", obj=record, changes=audit.diff(before, {}))
    except (models.ProtectedError, models.RestrictedError):
        raise Conflict(_("Other records depend on this one; it cannot be deleted.")) from None
    events.emit(events.Event(f"{key}.deleted", actor.pk, {"id": record_pk}))


MAX_BULK = 500


def _item_errors(errors: dict[str, list[str]], index: int, exc: DomainError) -> None:
    if not exc.errors:
        errors[f"items.{index}"] = [str(exc.message)]
    for name, messages in exc.errors.items():
        errors[f"items.{index}.{name}"] = [str(m) for m in messages]


def run_bulk[M: models.Model](
    items: list[dict[str, Any]], apply: Callable[[dict[str, Any]], M]
) -> list[M]:
    """All items or none: every item is tried so the answer lists each one's errors by index."""
    if len(items) > MAX_BULK:
        raise ValidationFailed(
            errors={"items": [_("Send at most %(n)d items at a time.") % {"n": MAX_BULK}]}
        )
    results: list[M] = []
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for index, item in enumerate(items):
            try:
                results.append(apply(item))
            except (ValidationFailed, Conflict, NotFound) as exc:
                _item_errors(errors, index, exc)
        if errors:
            # Raised inside the block: everything the good items wrote is rolled back.
            raise ValidationFailed(
                _("Nothing was written: %(n)d of %(total)d items have errors.")
                % {"n": len({k.split(".")[1] for k in errors}), "total": len(items)},
                errors=errors,
            )
    return results


def bulk_by_mode[M: models.Model](
    *,
    actor: User,
    key: str,
    mode: str,
    items: list[dict[str, Any]],
    create: Callable[[dict[str, Any]], M],
    update: Callable[[Any, dict[str, Any]], M],
) -> list[M]:
    """A bulk endpoint's ``create`` or ``update`` mode, all items or none."""
    if mode == "create":
        permissions.require(actor, key, "create")
        return run_bulk(items, create)
    if mode == "update":
        permissions.require(actor, key, "edit")
        return run_bulk(items, lambda item: update(*split_id(item)))
    raise ValidationFailed(errors={"mode": [_("Choose create or update.")]})


def split_id(item: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """A bulk update item: its ``id`` and the values to change."""
    values = dict(item)
    if values.get("id") in (None, ""):
        raise ValidationFailed(errors={"id": [_("This field is required.")]})
    return values.pop("id"), values
