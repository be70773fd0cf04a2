"""Settings → Exchange rates and Settings → Quotas (under ``settings/``, ``sales`` namespace)."""

from django.urls import path

from clientela.sales import views_money

urlpatterns = [
    path("rates/", views_money.rate_list, name="rate_list"),
    path("rates/new/", views_money.rate_create, name="rate_create"),
    path("rates/import/", views_money.rate_import, name="rate_import"),
    path("rates/<int:rate_id>/delete/", views_money.rate_delete, name="rate_delete"),
    path("quotas/", views_money.quota_list, name="quota_list"),
]
