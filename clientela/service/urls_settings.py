"""Settings → Service desk: queues, business calendars, SLA policies, mailboxes, categories."""

from django.urls import path

from clientela.service import views_settings as views

app_name = "service_settings"

urlpatterns = [
    path("queues/", views.queue_list, name="queue_list"),
    path("queues/new/", views.queue_form, name="queue_create"),
    path("queues/<int:queue_id>/", views.queue_form, name="queue_edit"),
    path("queues/<int:queue_id>/delete/", views.queue_delete, name="queue_delete"),
    path("calendars/", views.calendar_list, name="calendar_list"),
    path("calendars/new/", views.calendar_form, name="calendar_create"),
    path("calendars/<int:calendar_id>/", views.calendar_form, name="calendar_edit"),
    path("calendars/<int:calendar_id>/delete/", views.calendar_delete, name="calendar_delete"),
    path("sla-policies/", views.sla_policy_list, name="sla_policy_list"),
    path("sla-policies/new/", views.sla_policy_form, name="sla_policy_create"),
    path("sla-policies/<int:policy_id>/", views.sla_policy_form, name="sla_policy_edit"),
    path(
        "sla-policies/<int:policy_id>/delete/",
        views.sla_policy_delete,
        name="sla_policy_delete",
    ),
    path("mailboxes/", views.mailbox_list, name="mailbox_list"),
    path("mailboxes/new/", views.mailbox_form, name="mailbox_create"),
    path("mailboxes/<int:mailbox_id>/", views.mailbox_form, name="mailbox_edit"),
    path("mailboxes/<int:mailbox_id>/delete/", views.mailbox_delete, name="mailbox_delete"),
    path("mailboxes/<int:mailbox_id>/check/", views.mailbox_check, name="mailbox_check"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:category_id>/", views.category_edit, name="category_edit"),
    path(
        "categories/<int:category_id>/delete/",
        views.category_delete,
        name="category_delete",
    ),
]
