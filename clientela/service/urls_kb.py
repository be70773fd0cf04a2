"""The pages of the knowledge base."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "service_kb"

urlpatterns: list[URLPattern] = []
