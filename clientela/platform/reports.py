"""The Reports section: one page listing the reports apps register, each shown to those whose
rights it names (``platform`` names no business object: sales registers its forecast and
metrics, service and marketing theirs later)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise

from clientela.platform import permissions
from clientela.platform.http import AuthedRequest


@dataclass(frozen=True)
class Report:
    key: str
    label: str | Promise
    description: str | Promise
    url_name: str
    object_type: str  # who may see it: "view" on this record type


_reports: dict[str, Report] = {}


def register_report(report: Report) -> None:
    _reports[report.key] = report


def reports_for(user: object) -> list[tuple[Report, str]]:
    return [
        (report, reverse(report.url_name))
        for report in _reports.values()
        if permissions.can(user, report.object_type, "view")  # type: ignore[arg-type]
    ]


def report_index(request: AuthedRequest) -> HttpResponse:
    return render(request, "platform/reports.html", {"reports": reports_for(request.user)})
