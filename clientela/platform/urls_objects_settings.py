"""Settings → Custom objects, mounted at ``/settings/custom-objects/`` (namespace ``settings``)."""

from django.urls import path

from clientela.platform.views import customobjects as views

urlpatterns = [
    path("", views.object_list, name="customobject_list"),
    path("new/", views.object_form, name="customobject_create"),
    path("<int:object_id>/", views.object_form, name="customobject_edit"),
    path("<int:object_id>/delete/", views.object_delete, name="customobject_delete"),
]
