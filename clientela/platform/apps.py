from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(**kwargs: object) -> None:
    from clientela.platform.roles import sync_builtin_roles
    from clientela.platform.scheduler import sync_periodic_jobs

    sync_builtin_roles()
    sync_periodic_jobs()


class PlatformConfig(AppConfig):
    name = "clientela.platform"
    label = "platform"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from clientela.platform import registry
        from clientela.platform.models import AuditEntry, CustomField, Role, Team, User

        registry.register(
            registry.ObjectType("platform.user", _("Users"), User, "platform", owned=False)
        )
        registry.register(
            registry.ObjectType("platform.team", _("Teams"), Team, "platform", owned=False)
        )
        registry.register(
            registry.ObjectType("platform.role", _("Roles"), Role, "platform", owned=False)
        )
        registry.register(
            registry.ObjectType(
                "platform.customfield", _("Custom fields"), CustomField, "platform", owned=False
            )
        )
        registry.register(
            registry.ObjectType(
                "platform.audit",
                _("Audit log"),
                AuditEntry,
                "platform",
                owned=False,
                actions=("view", "export"),
            )
        )
        from clientela.platform import (
            customlists,
            listing,
            outbox,
            tasks,  # noqa: F401  (declares periodic jobs)
        )

        listing.register_extension(customlists.extend)
        outbox.connect()  # webhooks: record types and the subscription to every event

        post_migrate.connect(_sync_roles, sender=self)
