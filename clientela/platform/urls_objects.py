"""A custom object's pages, mounted at ``/objects/`` (``/objects/<key>/``)."""

from django.urls import path

from clientela.platform.views import customobjects as views

app_name = "objects"

urlpatterns = [
    path("<slug:key>/", views.record_list, name="record_list"),
    path("<slug:key>/new/", views.record_form, name="record_create"),
    path("<slug:key>/import/", views.record_import, name="record_import"),
    path("<slug:key>/bulk-delete/", views.bulk_delete, name="bulk_delete"),
    path("<slug:key>/<int:record_id>/", views.record_detail, name="record_detail"),
    path("<slug:key>/<int:record_id>/edit/", views.record_form, name="record_edit"),
    path("<slug:key>/<int:record_id>/delete/", views.record_delete, name="record_delete"),
]
