from django.urls import path

from clientela.activities import views, views_calendar

app_name = "activities"

urlpatterns = [
    path("", views.agenda, name="agenda"),
    path("all/", views.activity_list, name="list"),
    path("new/", views.activity_form, name="create"),
    path("log/", views.quick_log, name="quick_log"),
    path("calendar/", views_calendar.calendar_view, name="calendar"),
    path("calendar/feed/", views_calendar.feed_settings, name="feed_settings"),
    path("export.ics", views_calendar.export_range, name="export"),
    path("feed/<str:secret>.ics", views_calendar.feed, name="feed"),
    path("<int:activity_id>/", views.detail, name="detail"),
    path("<int:activity_id>/edit/", views.activity_form, name="edit"),
    path("<int:activity_id>/complete/", views.complete, name="complete"),
    path("<int:activity_id>/delete/", views.delete, name="delete"),
    path("<int:activity_id>.ics", views_calendar.export_one, name="ics"),
]
