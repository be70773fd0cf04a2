from django.urls import path

from clientela.customers import views, views_lists

app_name = "customers"

urlpatterns = [
    path("accounts/", views_lists.account_list, name="account_list"),
    path("accounts/new/", views.account_form, name="account_create"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("accounts/<int:account_id>/edit/", views.account_form, name="account_edit"),
    path("accounts/<int:account_id>/delete/", views.account_delete, name="account_delete"),
    path("contacts/", views_lists.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_form, name="contact_create"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", views.contact_form, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
]
