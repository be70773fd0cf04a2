"""What service adds to Settings: the Service desk card, beside the platform's own pages, for
whoever may view the queues (its pages show each of their tabs to whoever may view that kind)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from clientela.platform import navigation

navigation.register_settings_card(
    navigation.SettingsCard(
        "service.queue",
        "service_settings:queue_list",
        _("Service desk"),
        _(
            "Queues, business hours and holidays, SLA policies, support mailboxes and "
            "ticket categories."
        ),
    )
)
