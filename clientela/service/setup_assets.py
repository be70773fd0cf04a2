"""Registrations of this part made when the app starts (settings cards, customer-page
panels, periodic jobs, rule triggers); its record types are in ``apps.py``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy

from clientela.platform.models import User

CONTRACT_FIELDS = (
    *("name", "number", "status", "starts_on", "ends_on", "renewal_notice_days"),
    *("renewal_reminded_on", "incidents_included", "hours_included", "owner"),
)


def _contract_update(actor: User, record: models.Model, values: dict[str, Any]) -> models.Model:
    from clientela.service.contracts import contract_update

    return contract_update(actor=actor, contract_id=record.pk, values=values)


def _contract_fields() -> list[Any]:
    from django.utils.translation import gettext as _

    from clientela.customers.models import Account
    from clientela.platform.rules.fields import model_fields, user_fields
    from clientela.service.models_assets import ServiceContract

    return [
        *model_fields(ServiceContract, CONTRACT_FIELDS),
        *user_fields("owner.", _("Owner")),
        *model_fields(Account, ("name", "industry", "country"), "account.", _("Account")),
    ]


def _register_contract_target() -> None:
    """Contracts as a rule target: "renewal reminder sent" (a change of
    ``renewal_reminded_on``) or a date relative to ``ends_on`` can start a rule."""
    from clientela.platform.rules import registry
    from clientela.platform.rules.fields import read_path
    from clientela.service.models_assets import ServiceContract

    registry.register_target(
        registry.Target(
            key="service.contract",
            label=gettext_lazy("Service contracts"),
            fields=_contract_fields,
            load=_load_contract,
            read=read_path,
            queryset=lambda: ServiceContract.objects.all(),
            update=_contract_update,
            url=lambda record: reverse("service_assets:contract", args=[record.pk]),
            date_fields=("starts_on", "ends_on", "renewal_reminded_on"),
            status_fields=("status",),
            writable_fields=("name", "number", "status", "renewal_notice_days"),
        )
    )


def _load_contract(pk: Any) -> models.Model | None:
    from clientela.platform.rules.fields import load
    from clientela.service.models_assets import ServiceContract

    return load(ServiceContract, pk, ("owner", "account"))


def ready() -> None:
    """The customer-page panel, the daily jobs and the contracts' rule target."""
    from clientela.service import panels_assets, tasks_assets  # noqa: F401

    _register_contract_target()
