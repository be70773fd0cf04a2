from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models import Model
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "clientela.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from clientela.platform import customfields, registry
        from clientela.service import models as m

        registry.register(registry.ObjectType("service.ticket", _("Tickets"), m.Ticket, "service"))
        # the installed base and contracts follow their owner (the account's) and team
        registry.register(registry.ObjectType("service.asset", _("Assets"), m.Asset, "service"))
        registry.register(
            registry.ObjectType(
                "service.contract", _("Service contracts"), m.ServiceContract, "service"
            )
        )
        # shared by the whole service desk
        shared: tuple[tuple[str, Any, type[Model]], ...] = (
            ("service.article", _("Knowledge base"), m.Article),
            ("service.maintenance", _("Maintenance plans"), m.MaintenancePlan),
            ("service.appointment", _("Service appointments"), m.Appointment),
        )
        for key, label, model in shared:
            registry.register(registry.ObjectType(key, label, model, "service", owned=False))
        # the service desk's set-up: edited in Settings, like pipelines and the catalogue
        for key, label, model in (
            ("service.queue", _("Queues"), m.Queue),
            ("service.sla", _("SLA policies and business hours"), m.SlaPolicy),
            ("service.calendar", _("Business calendars"), m.BusinessCalendar),
            ("service.mailbox", _("Support mailboxes"), m.MailAccount),
            ("service.category", _("Ticket categories"), m.TicketCategory),
            ("service.skill", _("Skills"), m.Skill),
            ("service.technician", _("Technicians"), m.Technician),
        ):
            registry.register(registry.ObjectType(key, label, model, "platform", owned=False))
        customfields.register("service.ticket", m.Ticket, ("-id",))
        # panels: the Tickets panel on customer pages; settings_cards: the Settings card;
        # tasks: the periodic jobs
        from clientela.service import (  # noqa: F401
            panels,
            rules,
            settings_cards,
            setup_assets,
            setup_dispatch,
            setup_kb,
            tasks,
        )

        setup_assets.ready()
        setup_dispatch.ready()
        setup_kb.ready()

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
