"""The pages of the installed base, warranties, contracts and planned service."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "service_assets"

urlpatterns: list[URLPattern] = []
