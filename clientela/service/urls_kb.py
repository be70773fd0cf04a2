"""The pages of the knowledge base (mounted at /service/kb/)."""

from django.urls import path

from clientela.service import views_kb as views

app_name = "service_kb"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_form, name="create"),
    path("<int:article_id>/", views.article_detail, name="article"),
    path("<int:article_id>/edit/", views.article_form, name="edit"),
    path("<int:article_id>/status/", views.article_status, name="status"),
    path("<int:article_id>/delete/", views.article_delete, name="delete"),
    path("<int:article_id>/feedback/", views.article_feedback, name="feedback"),
    path("<int:article_id>/versions/", views.article_versions, name="versions"),
    path(
        "<int:article_id>/versions/<int:version>/restore/",
        views.article_restore,
        name="restore",
    ),
    path("categories/", views.category_list, name="categories"),
    path("categories/<int:category_id>/", views.category_edit, name="category_edit"),
    path("categories/<int:category_id>/delete/", views.category_delete, name="category_delete"),
    path("tickets/<int:ticket_id>/suggestions/", views.ticket_suggestions, name="suggestions"),
    path("tickets/<int:ticket_id>/faq/", views.faq_from_ticket, name="faq_from_ticket"),
]
