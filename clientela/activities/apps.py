from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "clientela.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        import clientela.activities.relink  # noqa: F401  (merge relinkers)
        from clientela.activities import tasks  # noqa: F401  (declares the reminder job)
        from clientela.activities.models import Activity
        from clientela.activities.timeline import SOURCE
        from clientela.platform import customfields, registry, timeline

        registry.register(
            registry.ObjectType("activities.activity", _("Activities"), Activity, "activities")
        )
        timeline.register(SOURCE)
        customfields.register("activities.activity", Activity, ("-due_at", "-id"))
        from clientela.activities.inbound_hooks import ACTIVITY
        from clientela.platform import inbound

        inbound.register(ACTIVITY)  # inbound webhooks create activities
        from clientela.activities import rules

        rules.register()  # activities as a rule target
        from clientela.activities import rule_actions  # noqa: F401  ("create an activity")
