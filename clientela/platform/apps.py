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
        from clientela.platform.models import (
            AuditEntry,
            CustomField,
            CustomObject,
            Role,
            Team,
            User,
        )

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
                "platform.customobject", _("Custom objects"), CustomObject, "platform", owned=False
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
            customobject_timeline,
            customobjects,
            listing,
            outbox,
            tasks,  # noqa: F401  (declares periodic jobs)
        )

        listing.register_extension(customlists.extend)
        customobjects.install()  # custom objects: record types ``objects.<key>``, no restart
        customobject_timeline.install()
        outbox.connect()  # webhooks: record types and the subscription to every event
        from clientela.platform.rules import engine

        engine.connect()  # rules: record types, built-in actions, the subscription to events
        from clientela.platform import plugins  # the record type, the installed plugins (0009)
        from clientela.platform.rules import actions  # noqa: F401  (built-in rule actions)

        plugins.connect()

        post_migrate.connect(_sync_roles, sender=self)
