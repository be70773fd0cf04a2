"""Registrations of this part made when the app starts: the Settings card of field service
(technicians and skills). Its record types are in ``apps.py``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from clientela.platform import navigation


def ready() -> None:
    navigation.register_settings_card(
        navigation.SettingsCard(
            "service.technician",
            "service_dispatch:technician_list",
            _("Field service"),
            _(
                "Technicians with their skills, home region and working hours, and the skills "
                "that visits and tickets need."
            ),
        )
    )
