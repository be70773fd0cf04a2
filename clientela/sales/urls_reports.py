from __future__ import annotations

from django.urls import path

from clientela.sales.views_reports import forecast_view, metrics_view

app_name = "sales_reports"

urlpatterns = [
    path("forecast/", forecast_view, name="forecast"),
    path("metrics/", metrics_view, name="metrics"),
]
