"""Settings → Rules, included under ``settings/rules/`` in the ``settings`` namespace."""

from django.urls import path

from clientela.platform.views import rules as views

urlpatterns = [
    path("", views.rule_list, name="rule_list"),
    path("new/", views.rule_create, name="rule_create"),
    path("<int:rule_id>/", views.rule_detail, name="rule_detail"),
    path("<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
    path("<int:rule_id>/test/", views.rule_test, name="rule_test"),
    path("<int:rule_id>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("runs/<uuid:run_id>/retry/", views.run_retry, name="rule_run_retry"),
    path(
        "runs/<str:object_type>/<str:record_id>/",
        views.record_runs,
        name="rule_record_runs",
    ),
]
