"""Pages reached without an account (the customer's quote link)."""

from __future__ import annotations

from django.urls import path

from clientela.sales.views_public import quote_public

urlpatterns = [
    path("<int:quote_id>/<str:token>/", quote_public, name="quote_public"),
]
