"""Opportunities as a rule target: their fields, their account's, and the stage as a status
("stage entered: RFP received" with "amount > 50,000" is the seed's review rule)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.customers.models import Account
from clientela.platform.models import User
from clientela.platform.rules import registry
from clientela.platform.rules.fields import load, model_fields, read_path, user_fields
from clientela.platform.rules.registry import FieldInfo, Target
from clientela.sales.models import Opportunity, Stage

FIELDS = (
    *("name", "status", "amount", "currency", "expected_close_date", "probability"),
    *("forecast_category", "next_step", "competitors", "lost_reason", "lead_source"),
    *("stage_entered_at", "closed_at", "owner", "created_at", "updated_at"),
)
WRITABLE = (
    *("name", "amount", "expected_close_date", "probability", "forecast_category"),
    *("next_step", "competitors", "description", "owner"),
)
ACCOUNT_RELATED = ("name", "industry", "size_band", "lifecycle", "relationship", "country")


def stage_choices() -> list[tuple[str, str]]:
    """Every stage by id, named with its pipeline when there are several."""
    stages = list(
        Stage.objects.select_related("pipeline").order_by("pipeline__position", "position")
    )
    several = len({s.pipeline_id for s in stages}) > 1
    return [(str(s.pk), f"{s.pipeline.name}: {s.name}" if several else s.name) for s in stages]


def opportunity_fields() -> list[FieldInfo]:
    return [
        *model_fields(Opportunity, FIELDS),
        FieldInfo("stage", _("stage"), "choice", stage_choices()),
        *user_fields("owner.", _("Owner")),
        *model_fields(Account, ACCOUNT_RELATED, "account.", _("Account")),
    ]


def _update(actor: User, record: models.Model, values: dict[str, Any]) -> models.Model:
    from clientela.sales.services import opportunity_update

    return opportunity_update(actor=actor, opportunity_id=record.pk, values=values)


OPPORTUNITY = Target(
    key="sales.opportunity",
    label=gettext_lazy("Opportunities"),
    fields=opportunity_fields,
    load=lambda pk: load(Opportunity, pk, ("owner", "account", "stage", "pipeline")),
    read=read_path,
    queryset=lambda: Opportunity.objects.all(),
    update=_update,
    url=lambda record: reverse("sales:opportunity_detail", args=[record.pk]),
    date_fields=("expected_close_date", "created_at", "stage_entered_at", "closed_at"),
    status_fields=("stage", "status", "forecast_category"),
    writable_fields=WRITABLE,
)


def register() -> None:
    registry.register_target(OPPORTUNITY)
