from django.urls import path

from clientela.customers import views, views_dedup, views_leads, views_lists, views_privacy
from clientela.customers import views_imports as imp

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
    path("leads/", views_lists.lead_list, name="lead_list"),
    path("leads/new/", views_leads.lead_form, name="lead_create"),
    path("leads/<int:lead_id>/", views_leads.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/edit/", views_leads.lead_form, name="lead_edit"),
    path("leads/<int:lead_id>/delete/", views_leads.lead_delete, name="lead_delete"),
    path("leads/<int:lead_id>/status/", views_leads.lead_status, name="lead_status"),
    path("leads/<int:lead_id>/convert/", views_leads.lead_convert, name="lead_convert"),
    path(
        "contacts/<int:contact_id>/privacy/", views_privacy.contact_privacy, name="contact_privacy"
    ),
    path("lists/<slug:kind_key>/bulk/", views_lists.bulk_action_view, name="bulk_action"),
    path(
        "lists/<slug:kind_key>/choices/<slug:filter_key>/",
        views_lists.reference_choices,
        name="reference_choices",
    ),
    path("lists/<slug:kind_key>/views/", views_lists.saved_view_save, name="saved_view_save"),
    path(
        "lists/<slug:kind_key>/views/<int:view_id>/delete/",
        views_lists.saved_view_delete,
        name="saved_view_delete",
    ),
    path("duplicates/", views_dedup.dedup_list, name="dedup_list"),
    path("duplicates/scan/", views_dedup.dedup_scan_start, name="dedup_scan_start"),
    path("duplicates/scan/<str:scan_id>/", views_dedup.dedup_scan, name="dedup_scan"),
    path("duplicates/<int:candidate_id>/", views_dedup.dedup_merge, name="dedup_merge"),
    path("duplicates/<int:candidate_id>/dismiss/", views_dedup.dedup_dismiss, name="dedup_dismiss"),
    path("merges/", views_dedup.merge_history, name="merge_history"),
    path("merges/<int:merge_id>/undo/", views_dedup.merge_undo, name="merge_undo"),
    path("imports/", imp.import_list, name="import_list"),
    path("imports/<int:job_id>/", imp.import_detail, name="import_detail"),
    path("imports/<int:job_id>/mapping/", imp.import_mapping, name="import_mapping"),
    path("imports/<int:job_id>/preview/", imp.import_preview, name="import_preview"),
    path("imports/<int:job_id>/run/", imp.import_run, name="import_run"),
    path("imports/<int:job_id>/progress/", imp.import_progress, name="import_progress"),
    path("imports/<int:job_id>/rejected.csv", imp.import_errors, name="import_errors"),
]
