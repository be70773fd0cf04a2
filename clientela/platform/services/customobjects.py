"""Defining custom objects (the business-object modeler's record types). Administrators only.

A new object becomes the record type ``objects.<key>`` in every process (``customobjects``),
with a permission row in every role (built-in roles get their defaults for the ``objects``
area); its fields are custom fields on that type (``services.customfields``). An object's key
never changes: URLs, API paths, permission rows and audit entries name it.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from clientela.platform import audit, customfields, customobjects, permissions, roles
from clientela.platform.customfields import KEY_RE
from clientela.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.platform.models import (
    CustomField,
    CustomObject,
    CustomRecord,
    RolePermission,
    SavedView,
    User,
)
from clientela.platform.services import customfields as field_services

KEY = "platform.customobject"
EDITABLE = ("label", "label_plural", "description", "is_active")
MAX_OBJECTS = 50
LIMITS = {"label": 80, "label_plural": 80, "description": 2000}


def require_admin(actor: User, action: str) -> None:
    """A new record type changes every role's matrix: administrators only."""
    if not actor.is_administrator:
        raise PermissionDenied()
    permissions.require(actor, KEY, action)


def object_list(actor: User) -> models.QuerySet[CustomObject]:
    require_admin(actor, "view")
    return CustomObject.objects.order_by("label", "id")


def object_get(actor: User, pk: Any) -> CustomObject:
    require_admin(actor, "view")
    try:
        return CustomObject.objects.get(pk=int(pk))
    except (CustomObject.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def object_by_key(actor: User, key: str) -> CustomObject:
    require_admin(actor, "view")
    found = CustomObject.objects.filter(key=str(key)[:40]).first()
    if found is None:
        raise NotFound()
    return found


def record_count(row: CustomObject) -> int:
    return CustomRecord.objects.filter(object_id=row.pk).count()


def _clean(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        if name not in values:
            continue
        value = values[name]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[name] = [_("Enter text.")]
            continue
        value = value.strip()
        if len(value) > limit:
            errors[name] = [_("Enter at most %(n)d characters.") % {"n": limit}]
        cleaned[name] = value
    if "label" in cleaned and not cleaned["label"]:
        errors["label"] = [_("Enter a name.")]
    if "is_active" in values:
        if not isinstance(values["is_active"], bool):
            errors["is_active"] = [_("Enter yes or no.")]
        cleaned["is_active"] = values["is_active"]
    return cleaned


def _clean_key(raw: Any, errors: dict[str, list[str]]) -> str:
    key = raw.strip().lower() if isinstance(raw, str) else ""
    if not KEY_RE.fullmatch(key):
        errors["key"] = [
            _("Enter a key of lower-case letters, digits and “_”, starting with a letter.")
        ]
    return key


def object_create(*, actor: User, values: dict[str, Any]) -> CustomObject:
    require_admin(actor, "create")
    errors: dict[str, list[str]] = {}
    key = _clean_key(values.get("key"), errors)
    cleaned = _clean({"label": "", **values}, errors)
    if not cleaned.get("label_plural"):
        cleaned["label_plural"] = cleaned.get("label", "")
    if errors:
        raise ValidationFailed(errors=errors)
    try:
        with transaction.atomic():
            if CustomObject.objects.select_for_update().count() >= MAX_OBJECTS:
                raise ValidationFailed(
                    _("There can be at most %(n)d custom objects.") % {"n": MAX_OBJECTS}
                )
            row = CustomObject.objects.create(key=key, created_by=actor, **cleaned)
            audit.record(
                actor=actor, action="create", obj=row, changes=audit.diff({}, audit.snapshot(row))
            )
            _announce()
            roles.sync_builtin_roles()  # a permission row per role, defaults for built-in ones
            actor.__dict__.pop("_clientela_grants", None)  # its rights now name the new type
    except IntegrityError:
        message = _("A custom object with this key exists.")
        raise ValidationFailed(errors={"key": [message]}) from None
    return row


def object_update(*, actor: User, pk: Any, values: dict[str, Any]) -> CustomObject:
    """Change the names, description or switch; the key stays."""
    require_admin(actor, "edit")
    if "key" in values and values["key"] not in (None, ""):
        current = object_get(actor, pk)
        if values["key"] != current.key:
            raise ValidationFailed(errors={"key": [_("An object's key cannot change.")]})
    errors: dict[str, list[str]] = {}
    cleaned = _clean({k: v for k, v in values.items() if k in EDITABLE}, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        try:
            row = CustomObject.objects.select_for_update().get(pk=int(pk))
        except (CustomObject.DoesNotExist, ValueError, TypeError):
            raise NotFound() from None
        before = audit.snapshot(row)
        for name, value in cleaned.items():
            setattr(row, name, value)
        if not row.label_plural:
            row.label_plural = row.label
        row.save()
        changes = audit.diff(before, audit.snapshot(row))
        if changes:
            audit.record(actor=actor, action="update", obj=row, changes=changes)
            _announce()
    return row


def object_delete(*, actor: User, pk: Any) -> None:
    """Remove an object with its fields and rights; refused while it has records."""
    require_admin(actor, "delete")
    row = object_get(actor, pk)
    type_key = f"{customobjects.PREFIX}{row.key}"
    with transaction.atomic():
        locked = CustomObject.objects.select_for_update().get(pk=row.pk)
        count = record_count(locked)
        if count:
            raise Conflict(
                _(
                    "“%(name)s” still has %(n)s records. Delete or export them first; "
                    "nothing was changed."
                )
                % {"name": locked.label, "n": f"{count:,}"}
            )
        for field_id in CustomField.objects.filter(object_type=type_key).values_list(
            "pk", flat=True
        ):
            field_services.field_delete(actor=actor, pk=field_id)
        RolePermission.objects.filter(object_type=type_key).delete()
        SavedView.objects.filter(object_type=type_key).delete()
        before = audit.snapshot(locked)
        locked.delete()
        locked.pk = row.pk
        audit.record(actor=actor, action="delete", obj=locked, changes=audit.diff(before, {}))
        _announce()


def _announce() -> None:
    """This process sees the change at once, the others once it is committed (the custom
    fields' version covers objects too: one metadata cache)."""
    customfields.forget()
    transaction.on_commit(customfields.changed)
