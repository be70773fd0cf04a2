"""API for the service desk's metrics: the figures of the metrics report, over the tickets the
caller may see. Days are read in the caller's time zone (a token's request runs in the
server's zone, so the zone is taken from the user)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Annotated, Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from clientela.platform import permissions
from clientela.platform.errors import ValidationFailed
from clientela.platform.http import AuthedRequest
from clientela.platform.models import User
from clientela.service import metrics
from clientela.service.models import Queue
from clientela.service.schemas import Id
from clientela.service.services import KEY

router = Router(tags=["Service reports"])
MAX_DAYS = 3660  # ten years
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))]
SHARE = "A share from 0 to 1; null when there was nothing to count."


class ServiceMetricsQuery(Schema):
    start: Day | None = Field(
        default=None, description="First day (YYYY-MM-DD); 29 days before end if omitted."
    )
    end: Day | None = Field(default=None, description="Last day, included; today if omitted.")
    queue: Id | None = Field(default=None, description="Only this queue's tickets.")


class ServiceMetricsFiguresOut(Schema):
    created: int = Field(description="Tickets opened in the period.")
    resolved: int = Field(description="Tickets resolved (or closed) in the period.")
    backlog: int = Field(description="Tickets open now (new, open or pending).")
    first_response_met: int = Field(description="First responses in the period on time.")
    first_response_total: int = Field(
        description="First responses in the period of tickets under an SLA policy."
    )
    first_response_compliance: float | None = Field(description=SHARE)
    resolution_met: int = Field(description="Resolutions in the period on time.")
    resolution_total: int = Field(description="Resolutions in the period under an SLA policy.")
    resolution_compliance: float | None = Field(description=SHARE)
    first_contact_resolved: int = Field(description="Resolved in the period on first contact.")
    first_contact_known: int = Field(
        description="Resolved in the period and judged on first-contact resolution."
    )
    first_contact_rate: float | None = Field(description=SHARE)
    csat_count: int = Field(description="Satisfaction scores of the tickets resolved.")
    csat_mean: float | None = Field(description="Their mean, 1 to 5; null without scores.")
    csat_satisfied: int = Field(description="Scores of 4 or 5.")
    csat_satisfied_rate: float | None = Field(description=SHARE)


class ServiceMetricsTimesOut(Schema):
    count: int = Field(description="Tickets that reached it in the period.")
    median_hours: float | None = Field(description="Wall-clock hours from the ticket's opening.")
    p90_hours: float | None = Field(description="90th percentile, in wall-clock hours.")


class ServiceMetricsGroupOut(Schema):
    key: str = Field(description="The channel or priority.")
    label: str = Field(description="Its name, in your language.")
    figures: ServiceMetricsFiguresOut


class ServiceMetricsAgentOut(Schema):
    assignee_id: int | None = Field(description="The agent; null for unassigned tickets.")
    name: str = Field(description="The agent's name.")
    figures: ServiceMetricsFiguresOut


class ServiceMetricsPointOut(Schema):
    start: dt.date = Field(description="The step's first day within the period.")
    created: int = Field(description="Tickets opened in the step.")
    resolved: int = Field(description="Tickets resolved in the step.")
    backlog: int = Field(description="Tickets open at the end of the step.")


class ServiceMetricsOut(Schema):
    start: dt.date = Field(description="The period's first day, in `time_zone`.")
    end: dt.date = Field(description="Its last day, included.")
    time_zone: str = Field(description="The time zone the days are read in (yours).")
    queue_id: int | None = Field(description="The queue asked for; null for all.")
    figures: ServiceMetricsFiguresOut = Field(description="Over every ticket you may see.")
    first_response: ServiceMetricsTimesOut = Field(description="Time to the first response.")
    resolution: ServiceMetricsTimesOut = Field(description="Time to the resolution.")
    by_channel: list[ServiceMetricsGroupOut] = Field(description="Channels with tickets.")
    by_priority: list[ServiceMetricsGroupOut] = Field(description="Most urgent first.")
    by_agent: list[ServiceMetricsAgentOut] = Field(description="Most resolved first.")
    step: Literal["day", "week", "month"] = Field(
        description="The series' step: day up to 62 days, week up to two years, else month."
    )
    series: list[ServiceMetricsPointOut] = Field(description="One point per step, in order.")


def _zone(user: User) -> dt.tzinfo:
    try:
        if user.time_zone:
            return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    return timezone.get_default_timezone()


def _period(user: User, params: ServiceMetricsQuery) -> metrics.Period:
    zone = _zone(user)
    end = params.end or timezone.localdate(timezone=zone)
    start = params.start or end - dt.timedelta(days=metrics.DEFAULT_DAYS - 1)
    if end < start:
        raise ValidationFailed(errors={"end": [_("The end comes before the start.")]})
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(errors={"start": [_("Choose a period of at most ten years.")]})
    return metrics.Period.days(start, end, zone)


def _figures(figures: metrics.Figures) -> dict[str, Any]:
    shares = (
        "first_response_compliance",
        "resolution_compliance",
        "first_contact_rate",
        "csat_mean",
        "csat_satisfied_rate",
    )
    return {**vars(figures), **{name: getattr(figures, name) for name in shares}}


def _groups(groups: list[metrics.Group]) -> list[dict[str, Any]]:
    return [{"key": g.key, "label": g.label, "figures": _figures(g.figures)} for g in groups]


def _out(period: metrics.Period, report: metrics.ServiceMetrics) -> dict[str, Any]:
    return {
        "start": period.first_day,
        "end": period.last_day,
        "time_zone": str(period.zone),
        "queue_id": report.queue_id,
        "figures": _figures(report.figures),
        "first_response": vars(report.first_response),
        "resolution": vars(report.resolution),
        "by_channel": _groups(report.by_channel),
        "by_priority": _groups(report.by_priority),
        "by_agent": [
            {"assignee_id": g.key, "name": g.label, "figures": _figures(g.figures)}
            for g in report.by_agent
        ],
        "step": period.step,
        "series": [vars(p) for p in report.series],
    }


@router.get(
    "/service/metrics", response=ServiceMetricsOut, summary="Service desk metrics over a period"
)
def service_metrics(request: AuthedRequest, params: Query[ServiceMetricsQuery]):
    """Over the tickets you may see: volumes, backlog, response and resolution times, SLA
    compliance, first-contact resolution and CSAT, by channel, priority and agent."""
    permissions.require(request.user, KEY, "view")
    period = _period(request.user, params)
    if params.queue is not None and not Queue.objects.filter(pk=params.queue).exists():
        raise ValidationFailed(errors={"queue": [_("Choose one of the listed values.")]})
    return _out(period, metrics.service_metrics(request.user, period, params.queue))
