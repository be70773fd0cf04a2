from django.urls import path

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
]
