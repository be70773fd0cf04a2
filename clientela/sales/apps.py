from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _default_pipeline(**_kwargs: object) -> None:
    from clientela.sales.services import ensure_default_pipeline

    ensure_default_pipeline()


class SalesConfig(AppConfig):
    name = "clientela.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from clientela.platform import customfields, registry, timeline
        from clientela.sales import panels  # noqa: F401  (the deals panel on customer pages)
        from clientela.sales.models import (
            CompanyProfile,
            Opportunity,
            Pipeline,
            Product,
            Quota,
            SalesOrder,
        )
        from clientela.sales.timeline import SOURCE

        registry.register(
            registry.ObjectType("sales.opportunity", _("Opportunities"), Opportunity, "sales")
        )
        # pipelines are the company's sales policy: configured like the other settings
        registry.register(
            registry.ObjectType("sales.pipeline", _("Pipelines"), Pipeline, "platform", owned=False)
        )
        registry.register(
            registry.ObjectType(
                "sales.product", _("Products and prices"), Product, "platform", owned=False
            )
        )
        registry.register(
            registry.ObjectType("sales.order", _("Sales orders"), SalesOrder, "sales")
        )
        registry.register(
            registry.ObjectType(
                "sales.company", _("Company profile"), CompanyProfile, "platform", owned=False
            )
        )
        # quotas are set for the team by whoever the role editor allows (administrators first)
        registry.register(
            registry.ObjectType("sales.quota", _("Quotas"), Quota, "platform", owned=False)
        )
        customfields.register("sales.opportunity", Opportunity, ("-created_at", "-id"))
        timeline.register(SOURCE)
        from clientela.sales import rules

        rules.register()  # opportunities as a rule target
        post_migrate.connect(_default_pipeline, sender=self)
        from clientela.sales import links, tasks  # noqa: F401  (tasks: the weekly snapshot)

        links.register()  # merges, personal data and lead conversion (customers' registries)
        from clientela.platform.reports import Report, register_report

        register_report(
            Report(
                "sales.forecast",
                _("Sales forecast"),
                _("Won, commit, best case and pipeline against quota, and a statistical forecast."),
                "sales_reports:forecast",
                "sales.opportunity",
            )
        )
        register_report(
            Report(
                "sales.metrics",
                _("Sales metrics"),
                _("Close rate, sales cycle, velocity, funnel, time in stage and loss reasons."),
                "sales_reports:metrics",
                "sales.opportunity",
            )
        )
