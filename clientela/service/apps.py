from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "clientela.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from clientela.platform import customfields, registry
        from clientela.service import models as m

        registry.register(registry.ObjectType("service.ticket", _("Tickets"), m.Ticket, "service"))
        # the service desk's set-up: edited in Settings, like pipelines and the catalogue
        for key, label, model in (
            ("service.queue", _("Queues"), m.Queue),
            ("service.sla", _("SLA policies and business hours"), m.SlaPolicy),
            ("service.calendar", _("Business calendars"), m.BusinessCalendar),
            ("service.mailbox", _("Support mailboxes"), m.MailAccount),
            ("service.category", _("Ticket categories"), m.TicketCategory),
        ):
            registry.register(registry.ObjectType(key, label, model, "platform", owned=False))
        customfields.register("service.ticket", m.Ticket, ("-id",))
        # panels: the Tickets panel on customer pages; settings_cards: the Settings card;
        # tasks: the periodic jobs
        from clientela.service import panels, rules, settings_cards, tasks  # noqa: F401

        rules.register()
        from clientela.platform.reports import Report, register_report

        register_report(
            Report(
                "service.metrics",
                _("Service metrics"),
                _(
                    "Tickets created and resolved, backlog, response and resolution times, SLA "
                    "compliance, first-contact resolution and CSAT."
                ),
                "service_reports:metrics",
                "service.ticket",
            )
        )
