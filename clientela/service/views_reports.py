"""The service desk's metrics report: volumes, backlog, response and resolution times, SLA
compliance, first-contact resolution and satisfaction over a period, overall and by channel,
priority and agent, with the charts beside the tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from clientela.platform import charts, permissions
from clientela.platform.http import AuthedRequest
from clientela.service import metrics
from clientela.service.models import Queue
from clientela.service.services import KEY

EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
MAX_DAYS = 3660  # ten years
LABELS = {"day": "j M", "week": "j M", "month": "M Y"}


def _day_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )


class MetricsForm(forms.Form):
    start = _day_field(gettext_lazy("From"))
    end = _day_field(gettext_lazy("To"))
    queue = forms.ModelChoiceField(
        label=gettext_lazy("Queue"),
        queryset=Queue.objects.none(),
        required=False,
        empty_label=gettext_lazy("All queues"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end") or timezone.localdate()
        if start and abs((end - start).days) >= MAX_DAYS:
            self.add_error("start", _("Choose a period of at most ten years."))
        return data


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _shown(figures: metrics.Figures) -> dict[str, Any]:
    """A group's figures with its shares as percentages, as the tables show them."""
    return {
        "figures": figures,
        "first_response": _percent(figures.first_response_compliance),
        "resolution": _percent(figures.resolution_compliance),
        "first_contact": _percent(figures.first_contact_rate),
        "satisfied": _percent(figures.csat_satisfied_rate),
    }


def _breakdowns(report: metrics.ServiceMetrics) -> list[tuple[str, str, list[Any]]]:
    """(heading, first column, rows) of each table: by channel, by priority, by agent."""
    return [
        (heading, column, [(g.label, _shown(g.figures)) for g in groups])
        for heading, column, groups in (
            (_("By channel"), _("Channel"), report.by_channel),
            (_("By priority"), _("Priority"), report.by_priority),
            (_("By agent"), _("Agent"), report.by_agent),
        )
    ]


def _count(value: Any) -> str:
    return number_format(value, 0)


def _volume_chart(report: metrics.ServiceMetrics, labels: Sequence[str]) -> str:
    return charts.bar_chart(
        _("Created and resolved tickets"),
        labels,
        [
            charts.Series(pgettext("ticket count", "Created"), [p.created for p in report.series]),
            charts.Series(
                pgettext("ticket count", "Resolved"), [p.resolved for p in report.series]
            ),
        ],
        fmt=_count,
        description=_("Tickets opened and tickets resolved in each step of the period."),
    )


def _backlog_chart(report: metrics.ServiceMetrics, labels: Sequence[str]) -> str:
    return charts.line_chart(
        _("Backlog"),
        labels,
        [charts.Series(_("Open tickets"), [p.backlog for p in report.series])],
        fmt=_count,
        description=_("Tickets still open at the end of each step of the period."),
    )


def _sla_chart(report: metrics.ServiceMetrics) -> str:
    rows = report.by_priority
    return charts.bar_chart(
        _("SLA compliance by priority"),
        [g.label for g in rows],
        [
            charts.Series(
                _("First response"),
                [_percent(g.figures.first_response_compliance) for g in rows],
            ),
            charts.Series(
                _("Resolution"), [_percent(g.figures.resolution_compliance) for g in rows]
            ),
        ],
        fmt=lambda v: f"{number_format(v, 0)}%",
        description=_("The share of first responses and resolutions on time, per priority."),
    )


def _period(data: dict[str, Any]) -> metrics.Period:
    end = data.get("end") or timezone.localdate()
    start = data.get("start") or end - dt.timedelta(days=metrics.DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    return metrics.Period.days(start, end, timezone.get_current_timezone())


def metrics_view(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, KEY, "view")
    form = MetricsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    queue = data.get("queue")
    period = _period(data)
    report = metrics.service_metrics(request.user, period, queue.pk if queue else None)
    labels = [date_format(p.start, LABELS[period.step]) for p in report.series]
    context = {
        "form": form,
        "start": period.first_day,
        "end": period.last_day,
        "queue": queue,
        "report": report,
        "total": _shown(report.figures),
        "breakdowns": _breakdowns(report),
        "time_panels": [
            (_("First response time (hours)"), report.first_response),
            (_("Resolution time (hours)"), report.resolution),
        ],
        "series": list(zip(labels, report.series, strict=True)),
        "volume_chart": _volume_chart(report, labels),
        "backlog_chart": _backlog_chart(report, labels),
        "sla_chart": _sla_chart(report),
    }
    return render(request, "service/reports/metrics.html", context)
