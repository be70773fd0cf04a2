from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "sales"


def _placeholder(request: HttpRequest, pk: int = 0) -> HttpResponse:  # replaced by views
    return HttpResponse(status=404)


urlpatterns = [
    path("", _placeholder, name="board"),
    path("opportunities/<int:pk>/", _placeholder, name="opportunity_detail"),
]
