"""Built-in roles and their default grants, kept in step with the registered record types.

A default is given per *area* so that record types added by later apps get sensible rights in
every built-in role without editing this file. Custom roles start with no rights.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clientela.platform import registry
from clientela.platform.models import Role, RolePermission, Scope

ALL = ("view", "create", "edit", "delete", "export")
WORK = ("view", "create", "edit")
READ = ("view",)

BUSINESS_AREAS = tuple(a for a in registry.AREAS if a != "platform")


@dataclass(frozen=True)
class BuiltinRole:
    slug: str
    name: Promise
    description: Promise
    is_admin: bool
    # area -> (actions, scope); areas not named get no rights
    areas: dict[str, tuple[tuple[str, ...], str]]


def _everywhere(actions: tuple[str, ...], scope: str) -> dict[str, tuple[tuple[str, ...], str]]:
    return dict.fromkeys(BUSINESS_AREAS, (actions, scope))


BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole(
        "administrator",
        _("Administrator"),
        _("Manages users, roles, teams and settings; sees all."),
        True,
        {**_everywhere(ALL, Scope.ALL), "platform": (ALL, Scope.ALL)},
    ),
    BuiltinRole(
        "sales-manager",
        _("Sales manager"),
        _("Leads a sales team; sees and manages its records."),
        False,
        {
            **_everywhere(READ, Scope.TEAM),
            "customers": (ALL, Scope.TEAM),
            "objects": (ALL, Scope.TEAM),
            "activities": (ALL, Scope.TEAM),
            "sales": (ALL, Scope.TEAM),
            "analytics": (("view", "export"), Scope.TEAM),
            "platform": (READ, Scope.ALL),
        },
    ),
    BuiltinRole(
        "sales-rep",
        _("Sales rep"),
        _("Works the team's accounts, contacts, leads and deals."),
        False,
        {
            "customers": (WORK, Scope.TEAM),
            "objects": (WORK, Scope.TEAM),
            "activities": (WORK, Scope.TEAM),
            "sales": (WORK, Scope.TEAM),
            "analytics": (READ, Scope.OWN),
        },
    ),
    BuiltinRole(
        "marketing",
        _("Marketing"),
        _("Plans campaigns and segments over all customers."),
        False,
        {
            "customers": (("view", "create", "edit", "export"), Scope.ALL),
            "objects": (("view", "export"), Scope.ALL),
            "activities": (WORK, Scope.ALL),
            "marketing": (ALL, Scope.ALL),
            "sales": (READ, Scope.ALL),
            "analytics": (("view", "export"), Scope.ALL),
        },
    ),
    BuiltinRole(
        "service-agent",
        _("Service agent"),
        _("Answers tickets for any customer."),
        False,
        {
            "customers": (WORK, Scope.ALL),
            "objects": (WORK, Scope.ALL),
            "activities": (WORK, Scope.ALL),
            "service": (WORK, Scope.TEAM),
            "analytics": (READ, Scope.OWN),
        },
    ),
    BuiltinRole(
        "contact-center-agent",
        _("Contact-center agent"),
        _("Takes calls and contacts from the queues for any customer."),
        False,
        {
            "customers": (WORK, Scope.ALL),
            "objects": (READ, Scope.ALL),
            "activities": (WORK, Scope.ALL),
            "service": (WORK, Scope.ALL),
            "contactcenter": (WORK, Scope.OWN),
        },
    ),
    BuiltinRole(
        "read-only",
        _("Read-only"),
        _("Sees all business records; changes nothing."),
        False,
        _everywhere(READ, Scope.ALL),
    ),
)


def default_grant(
    role: BuiltinRole, object_type: registry.ObjectType
) -> tuple[tuple[str, ...], str]:
    actions, scope = role.areas.get(object_type.area, ((), Scope.OWN))
    return tuple(a for a in actions if a in object_type.actions), scope


@transaction.atomic
def sync_builtin_roles() -> None:
    """Create missing built-in roles and missing permission rows; never undo an admin's edits."""
    builtin_by_slug = {r.slug: r for r in BUILTIN_ROLES}
    for spec in BUILTIN_ROLES:
        Role.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": str(spec.name),
                "description": str(spec.description),
                "is_builtin": True,
                "is_admin": spec.is_admin,
            },
        )
    existing = set(RolePermission.objects.values_list("role_id", "object_type"))
    new_rows = []
    for role in Role.objects.all():
        builtin = builtin_by_slug.get(role.slug) if role.is_builtin else None
        for object_type in registry.all_types():
            if (role.pk, object_type.key) in existing:
                continue
            actions, scope = default_grant(builtin, object_type) if builtin else ((), Scope.OWN)
            new_rows.append(
                RolePermission(
                    role=role,
                    object_type=object_type.key,
                    scope=scope,
                    **{f"can_{a}": True for a in actions},
                )
            )
    RolePermission.objects.bulk_create(new_rows)
