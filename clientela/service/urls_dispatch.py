"""The pages of technicians, skills, scheduling and the dispatch board (/service/dispatch/)."""

from django.urls import path

from clientela.service import views_dispatch as views
from clientela.service import views_dispatch_settings as setup

app_name = "service_dispatch"

urlpatterns = [
    path("", views.board, name="board"),
    path("schedule/", views.schedule_all, name="schedule_all"),
    path("tickets/<int:ticket_id>/plan/", views.plan_visit, name="plan"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/move/", views.appointment_move, name="move"),
    path(
        "appointments/<int:appointment_id>/find-slot/",
        views.appointment_find_slot,
        name="find_slot",
    ),
    path("appointments/<int:appointment_id>/cancel/", views.appointment_cancel, name="cancel"),
    path("appointments/<int:appointment_id>/done/", views.appointment_done, name="done"),
    path("settings/skills/", setup.skill_list, name="skill_list"),
    path("settings/skills/<int:skill_id>/", setup.skill_edit, name="skill_edit"),
    path("settings/skills/<int:skill_id>/delete/", setup.skill_delete, name="skill_delete"),
    path("settings/technicians/", setup.technician_list, name="technician_list"),
    path("settings/technicians/new/", setup.technician_form, name="technician_create"),
    path(
        "settings/technicians/<int:technician_id>/",
        setup.technician_form,
        name="technician_edit",
    ),
    path(
        "settings/technicians/<int:technician_id>/delete/",
        setup.technician_delete,
        name="technician_delete",
    ),
]
