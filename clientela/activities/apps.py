from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "clientela.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from clientela.activities.models import Activity
        from clientela.platform import registry

        registry.register(
            registry.ObjectType("activities.activity", _("Activities"), Activity, "activities")
        )
