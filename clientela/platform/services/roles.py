"""Custom roles and the permission matrix an administrator edits in Settings."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from clientela.platform import audit, permissions, registry
from clientela.platform.errors import Conflict, ValidationFailed
from clientela.platform.models import Role, RolePermission, Scope, User

ACTIONS = ("view", "create", "edit", "delete", "export")


def role_create(*, actor: User, name: str, description: str = "") -> Role:
    """A custom role starts with no rights; the administrator grants them in the matrix."""
    permissions.require(actor, "platform.role", "create")
    name = (name or "").strip()
    slug = slugify(name)
    if not name or not slug or len(name) > 120:
        raise ValidationFailed(errors={"name": [_("Enter a name of 1 to 120 characters.")]})
    try:
        with transaction.atomic():
            role = Role.objects.create(name=name, slug=slug[:60], description=description)
            RolePermission.objects.bulk_create(
                RolePermission(role=role, object_type=t.key) for t in registry.all_types()
            )
            audit.record(
                actor=actor, action="create", obj=role, changes=audit.diff({}, audit.snapshot(role))
            )
    except IntegrityError:
        raise Conflict(_("A role with this name already exists.")) from None
    return role


def _clean_matrix(matrix: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    known = {t.key: t for t in registry.all_types()}
    clean: dict[str, dict[str, Any]] = {}
    for key, row in matrix.items():
        if key not in known:
            raise ValidationFailed(errors={key: [_("Unknown record type.")]})
        scope = row.get("scope", Scope.OWN)
        if scope not in Scope.values:
            raise ValidationFailed(errors={key: [_("Choose own, team or all.")]})
        flags = {f"can_{a}": bool(row.get(a)) and a in known[key].actions for a in ACTIONS}
        if any(flags.values()) and not flags["can_view"]:
            raise ValidationFailed(
                errors={key: [_("A role that may change records must also be able to view them.")]}
            )
        clean[key] = {**flags, "scope": scope}
    return clean


def role_set_permissions(*, actor: User, role_id: Any, matrix: dict[str, dict[str, Any]]) -> Role:
    """Replace rights for the record types in ``matrix`` ({key: {view: bool, …, scope}})."""
    role = permissions.get_for_action(actor, Role.objects.all(), role_id, "edit")
    clean = _clean_matrix(matrix)
    if role.is_admin and any(
        not all(v for k, v in row.items() if k != "scope")
        for key, row in clean.items()
        if key.startswith("platform.")
    ):
        raise ValidationFailed(errors={"role": [_("The administrator role keeps full rights.")]})
    with transaction.atomic():
        rows = {
            r.object_type: r
            for r in RolePermission.objects.select_for_update().filter(
                role=role, object_type__in=clean
            )
        }
        changes: dict[str, list[Any]] = {}
        for key, values in clean.items():
            row = rows.get(key) or RolePermission(role=role, object_type=key)
            before = {k: getattr(row, k) for k in values}
            for k, v in values.items():
                setattr(row, k, v)
            row.save()
            for field, (old, new) in audit.diff(before, values).items():
                changes[f"{key}.{field}"] = [old, new]
        if changes:
            audit.record(actor=actor, action="update", obj=role, changes=changes)
    return role


def role_delete(*, actor: User, role_id: Any) -> None:
    role = permissions.get_for_action(actor, Role.objects.all(), role_id, "delete")
    if role.is_builtin:
        raise Conflict(_("Built-in roles cannot be deleted."), code="builtin_role")
    role_pk, before = role.pk, audit.snapshot(role)
    try:
        with transaction.atomic():
            role.delete()
            role.pk = role_pk
            audit.record(actor=actor, action="delete", obj=role, changes=audit.diff(before, {}))
    except ProtectedError:
        raise Conflict(
            _("Users still have this role; give them another role first."), code="role_in_use"
        ) from None
