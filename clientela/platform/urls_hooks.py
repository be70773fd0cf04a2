"""The public addresses outside systems post to (no login, no CSRF: the secret is the check)."""

from django.urls import path

from clientela.platform.views import webhooks as views

urlpatterns = [
    path("in/<str:public_id>", views.inbound_receive, name="inbound_hook"),
]
