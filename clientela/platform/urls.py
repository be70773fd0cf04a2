from django.urls import include, path

from clientela.platform.views import configuration as configuration_views
from clientela.platform.views import customfields as field_views
from clientela.platform.views import plugins as plugin_views
from clientela.platform.views import settings as settings_views

app_name = "settings"

urlpatterns = [
    path("", settings_views.index, name="index"),
    path("users/", settings_views.user_list, name="user_list"),
    path("users/new/", settings_views.user_create, name="user_create"),
    path("users/<int:user_id>/", settings_views.user_edit, name="user_edit"),
    path("teams/", settings_views.team_list, name="team_list"),
    path("teams/new/", settings_views.team_form, name="team_create"),
    path("teams/<int:team_id>/", settings_views.team_form, name="team_edit"),
    path("teams/<int:team_id>/delete/", settings_views.team_delete, name="team_delete"),
    path("roles/", settings_views.role_list, name="role_list"),
    path("roles/<int:role_id>/", settings_views.role_detail, name="role_detail"),
    path("roles/<int:role_id>/delete/", settings_views.role_delete, name="role_delete"),
    path("audit/", settings_views.audit_log, name="audit"),
    path("webhooks/", include("clientela.platform.urls_webhooks")),
    path("plugins/", plugin_views.plugin_list, name="plugin_list"),
    path("plugins/<str:name>/switch/", plugin_views.plugin_switch, name="plugin_switch"),
    path("rules/", include("clientela.platform.urls_rules")),
    path("configuration/", configuration_views.configuration_page, name="configuration"),
    path(
        "configuration/download/",
        configuration_views.configuration_download,
        name="configuration_download",
    ),
    path(
        "configuration/check/",
        configuration_views.configuration_check,
        name="configuration_check",
    ),
    path(
        "configuration/install/",
        configuration_views.configuration_install,
        name="configuration_install",
    ),
    path("custom-objects/", include("clientela.platform.urls_objects_settings")),
    path("custom-fields/", field_views.field_list, name="customfield_list"),
    path("custom-fields/new/", field_views.field_create, name="customfield_create"),
    path("custom-fields/<int:field_id>/", field_views.field_edit, name="customfield_edit"),
    path(
        "custom-fields/<int:field_id>/type/",
        field_views.field_change_type,
        name="customfield_type",
    ),
    path(
        "custom-fields/<int:field_id>/delete/",
        field_views.field_delete,
        name="customfield_delete",
    ),
]
