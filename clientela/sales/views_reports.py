"""Sales reports: the forecast (by rep, team or company, against quota, with the statistical
forecast of won revenue) and the sales metrics (close rate, cycle, velocity, funnel, time in
stage, loss reasons), each a table with a chart beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.platform import charts, permissions
from clientela.platform.http import AuthedRequest
from clientela.platform.models import Team, User
from clientela.sales import forecast, metrics
from clientela.sales.models import Pipeline, Stage

PERIODS = (("month", gettext_lazy("Month")), ("quarter", gettext_lazy("Quarter")))
GROUPS = (
    ("owner", gettext_lazy("By rep")),
    ("team", gettext_lazy("By team")),
    ("company", gettext_lazy("Company")),
)


def money(value: Any) -> str:
    return number_format(Decimal(value or 0), 2, force_grouping=True)


class ForecastForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, required=False)
    date = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group = forms.ChoiceField(label=gettext_lazy("Group"), choices=GROUPS, required=False)


class MetricsForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pipeline = forms.ModelChoiceField(
        label=gettext_lazy("Pipeline"), queryset=Pipeline.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = Pipeline.objects.filter(active=True)  # type: ignore[attr-defined]


def _names(group: str, keys: list[int | None]) -> dict[int | None, str]:
    if group == "owner":
        users = User.objects.filter(pk__in=[k for k in keys if k])
        return {u.pk: u.display_name for u in users}
    if group == "team":
        teams = Team.objects.filter(pk__in=[k for k in keys if k])
        return {**dict(teams.values_list("pk", "name")), None: _("No team")}
    return {None: _("Company")}


def forecast_view(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, "sales.opportunity", "view")
    form = ForecastForm(request.GET or None)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    day = data.get("date") or today
    kind = data.get("period") or "month"
    group = data.get("group") or "owner"
    period = forecast.Period.quarter(day) if kind == "quarter" else forecast.Period.month(day)
    result = forecast.forecast(request.user, period, group)
    names = _names(group, [r.key for r in result.rows])
    rows = [(names.get(r.key, "—"), r) for r in result.rows]
    labels = [name for name, _row in rows]
    chart = charts.bar_chart(
        _("Forecast"),
        labels,
        [
            charts.Series(_("Closed won"), [r.closed_won for _n, r in rows]),
            charts.Series(_("Commit"), [r.commit for _n, r in rows]),
            charts.Series(_("Best case"), [r.best_case for _n, r in rows]),
            charts.Series(_("Quota"), [r.quota for _n, r in rows]),
        ],
        fmt=money,
        description=_("Closed won, commit, best case and quota for each row of the table."),
    )
    history = forecast.monthly_won(request.user, months=24, until=today)
    ahead = forecast.statistical([amount for _m, amount in history], horizon=3) or []
    months = [m for m, _a in history]
    following = []
    if ahead:
        month = forecast.Period.month(today).start
        for _step in ahead:
            following.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
    trend = charts.line_chart(
        _("Won revenue by month"),
        [date_format(m, "M y") for m in [*months, *following]],
        [
            charts.Series(_("Won"), [a for _m, a in history] + [None] * len(following)),
            charts.Series(_("Statistical forecast"), [None] * len(history) + list(ahead)),
        ],
        fmt=money,
        description=_("Won revenue per month for two years, and the next months' forecast."),
    )
    context = {
        "form": form,
        "period": period,
        "group": group,
        "rows": rows,
        "total": result.total,
        "currency": settings.CLIENTELA_CURRENCY,
        "chart": chart,
        "trend": trend,
        "ahead": list(zip(following, ahead, strict=True)),
        "history_short": not ahead,
    }
    return render(request, "reports/sales_forecast.html", context)


def metrics_view(request: AuthedRequest) -> HttpResponse:
    permissions.require(request.user, "sales.opportunity", "view")
    form = MetricsForm(request.GET or None)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or end - dt.timedelta(days=89)
    if start > end:
        start, end = end, start
    pipeline = data.get("pipeline") or Pipeline.objects.filter(is_default=True).first()
    zone = timezone.get_current_timezone()
    period = metrics.Period(
        dt.datetime.combine(start, dt.time(), zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone),
    )
    summary = metrics.summary(request.user, period, pipeline.pk if pipeline else None)
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position")) if pipeline else []
    reached = metrics.funnel(request.user, period, pipeline.pk) if pipeline else {}
    times = metrics.time_in_stages(request.user, period, pipeline.pk) if pipeline else []
    funnel_rows = [(s, reached.get(s.pk, 0)) for s in stages]
    first = funnel_rows[0][1] if funnel_rows and funnel_rows[0][1] else 0
    funnel_chart = charts.bar_chart(
        _("Funnel"),
        [s.name for s, _n in funnel_rows],
        [charts.Series(_("Deals that reached the stage"), [n for _s, n in funnel_rows])],
        fmt=lambda v: number_format(v, 0),
        description=_("How many of the deals opened in the period reached each stage."),
    )
    time_chart = charts.bar_chart(
        _("Days in stage"),
        [t.name for t in times],
        [charts.Series(_("Mean days"), [round(t.mean_days or 0, 1) for t in times])],
        fmt=lambda v: number_format(v, 1),
        description=_("The mean days deals spent in each stage before moving on."),
    )
    context = {
        "form": form,
        "start": start,
        "end": end,
        "pipeline": pipeline,
        "summary": summary,
        "close_rate": None if summary.close_rate is None else summary.close_rate * 100,
        "funnel": [(s, n, (100 * n / first) if first else None) for s, n in funnel_rows],
        "times": times,
        "losses": metrics.loss_reasons(request.user, period, pipeline.pk if pipeline else None),
        "funnel_chart": funnel_chart,
        "time_chart": time_chart,
        "currency": settings.CLIENTELA_CURRENCY,
    }
    return render(request, "reports/sales_metrics.html", context)
