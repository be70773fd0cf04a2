"""The pages of technicians, skills, scheduling and the dispatch board."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "service_dispatch"

urlpatterns: list[URLPattern] = []
