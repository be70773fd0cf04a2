"""The pages of the installed base, warranties, contracts and planned service."""

from django.urls import path

from clientela.service import views_assets as views

app_name = "service_assets"

urlpatterns = [
    path("", views.asset_list, name="assets"),
    path("new/", views.asset_form, name="asset_create"),
    path("<int:asset_id>/", views.asset_detail, name="asset"),
    path("<int:asset_id>/edit/", views.asset_form, name="asset_edit"),
    path("<int:asset_id>/delete/", views.asset_delete, name="asset_delete"),
    path("<int:asset_id>/warranties/", views.warranty_add, name="warranty_add"),
    path("warranties/<int:warranty_id>/", views.warranty_edit, name="warranty_edit"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/new/", views.contract_form, name="contract_create"),
    path("contracts/<int:contract_id>/", views.contract_detail, name="contract"),
    path("contracts/<int:contract_id>/edit/", views.contract_form, name="contract_edit"),
    path("contracts/<int:contract_id>/cancel/", views.contract_cancel, name="contract_cancel"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_form, name="plan_create"),
    path("plans/<int:plan_id>/", views.plan_form, name="plan_edit"),
    path("plans/<int:plan_id>/delete/", views.plan_delete, name="plan_delete"),
    path("plans/<int:plan_id>/run/", views.plan_run, name="plan_run"),
    path("tickets/<int:ticket_id>/coverage/", views.ticket_coverage, name="ticket_coverage"),
    path("tickets/<int:ticket_id>/work/", views.worklog_add, name="worklog_add"),
    path("work/<int:worklog_id>/delete/", views.worklog_delete, name="worklog_delete"),
    path("ticket-choices/", views.ticket_choices, name="ticket_choices"),
]
