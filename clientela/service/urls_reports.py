"""The service desk's reports (under /reports/service/, listed in the Reports section)."""

from __future__ import annotations

from django.urls import path

from clientela.service.views_reports import metrics_view

app_name = "service_reports"

urlpatterns = [
    path("metrics/", metrics_view, name="metrics"),
]
