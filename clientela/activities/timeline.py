"""The activities source of the single customer view's timeline (see platform/timeline.py)."""

from __future__ import annotations

from django.db.models import F, Model
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.activities.models import Activity
from clientela.activities.selectors import timeline_activities
from clientela.customers.models import Account, Contact, Lead
from clientela.platform import permissions, timeline
from clientela.platform.models import User

RECORD_TYPES = ("customers.account", "customers.contact", "customers.lead")
PARAMS: dict[type[Model], str] = {Account: "account", Contact: "contact", Lead: "lead"}


def _entry(activity: Activity) -> timeline.Entry:
    lines = [activity.outcome, Truncator(activity.body).chars(300)]
    if activity.duration_minutes:
        lines.insert(0, _("%(n)d min") % {"n": activity.duration_minutes})
    return timeline.Entry(
        at=activity.happened_at,  # type: ignore[attr-defined]
        kind="activities",
        key=activity.pk,
        title=f"{activity.get_kind_display()}: {activity.subject}",
        detail="\n".join(line for line in lines if line),
        url=reverse("activities:detail", args=[activity.pk]),
        actor=activity.owner.display_name,
        icon=activity.kind,
        badge=activity.get_status_display(),
    )


def activity_entries(
    actor: User, record: Model, limit: int, after: timeline.Position | None
) -> list[timeline.Entry]:
    if not isinstance(record, Account | Contact | Lead):
        return []
    rows = timeline_activities(actor, record)
    if after is not None:
        rows = rows.filter(after.older("activities", "happened_at", "id"))
    return [_entry(a) for a in rows.order_by(F("happened_at").desc(), "-id")[:limit]]


def quick_log_url(actor: User, record: Model) -> str:
    """The "log a call" form above the timeline, for those who may create activities."""
    param = PARAMS.get(type(record))
    if param is None or not permissions.can(actor, "activities.activity", "create"):
        return ""
    return f"{reverse('activities:quick_log')}?{param}={record.pk}"


SOURCE = timeline.Source(
    "activities", gettext_lazy("Activities"), activity_entries, RECORD_TYPES, quick_log_url
)
