"""Settings → Webhooks, included under ``settings/webhooks/`` in the ``settings`` namespace."""

from django.urls import path

from clientela.platform.views import webhooks as views

urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("outbound/new/", views.webhook_create, name="webhook_create"),
    path("outbound/<int:endpoint_id>/", views.webhook_detail, name="webhook_detail"),
    path("outbound/<int:endpoint_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path("outbound/<int:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path("outbound/<int:endpoint_id>/rotate/", views.webhook_rotate, name="webhook_rotate"),
    path("outbound/<int:endpoint_id>/enable/", views.webhook_enable, name="webhook_enable"),
    path(
        "outbound/<int:endpoint_id>/deliveries/<uuid:delivery_id>/resend/",
        views.delivery_resend,
        name="webhook_resend",
    ),
    path("inbound/new/", views.inbound_create, name="inbound_create"),
    path("inbound/<int:hook_id>/", views.inbound_edit, name="inbound_edit"),
    path("inbound/<int:hook_id>/delete/", views.inbound_delete, name="inbound_delete"),
    path("inbound/<int:hook_id>/rotate/", views.inbound_rotate, name="inbound_rotate"),
]
