"""The sales source of the single customer view's timeline: the deals of an account or of a
contact (through its role on them), dated when they were opened or closed."""

from __future__ import annotations

from django.db.models import F, Model
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.customers.models import Account, Contact
from clientela.platform import permissions, timeline
from clientela.platform.models import User
from clientela.sales.models import Opportunity

RECORD_TYPES = ("customers.account", "customers.contact")


def _entry(opportunity: Opportunity) -> timeline.Entry:
    amount = f"{opportunity.currency} {number_format(opportunity.amount, 2, force_grouping=True)}"
    if opportunity.status == "won":
        title = _("Opportunity won: %(name)s") % {"name": opportunity.name}
    elif opportunity.status == "lost":
        title = _("Opportunity lost: %(name)s") % {"name": opportunity.name}
    else:
        title = _("Opportunity: %(name)s") % {"name": opportunity.name}
    return timeline.Entry(
        at=opportunity.happened_at,  # type: ignore[attr-defined]
        kind="sales",
        key=opportunity.pk,
        title=title,
        detail=amount,
        url=reverse("sales:opportunity_detail", args=[opportunity.pk]),
        actor=opportunity.owner.display_name,
        icon="opportunity",
        badge=opportunity.stage.name,
    )


def opportunity_entries(
    actor: User, record: Model, limit: int, after: timeline.Position | None
) -> list[timeline.Entry]:
    if isinstance(record, Account):
        rows = Opportunity.objects.filter(account=record)
    elif isinstance(record, Contact):
        rows = Opportunity.objects.filter(contact_roles__contact=record)
    else:
        return []
    rows = permissions.visible_to(actor, rows.select_related("owner", "stage"))
    rows = rows.annotate(happened_at=Coalesce("closed_at", "created_at"))
    if after is not None:
        rows = rows.filter(after.older("sales", "happened_at", "id"))
    return [_entry(o) for o in rows.order_by(F("happened_at").desc(), "-id")[:limit]]


SOURCE = timeline.Source(
    "sales", gettext_lazy("Opportunities"), opportunity_entries, RECORD_TYPES, None
)
