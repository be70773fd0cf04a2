from django.urls import path

from clientela.sales import views, views_pipelines

app_name = "sales"

urlpatterns = [
    path("", views.board, name="board"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_form, name="opportunity_create"),
    path(
        "opportunities/<int:opportunity_id>/", views.opportunity_detail, name="opportunity_detail"
    ),
    path(
        "opportunities/<int:opportunity_id>/edit/", views.opportunity_form, name="opportunity_edit"
    ),
    path(
        "opportunities/<int:opportunity_id>/delete/",
        views.opportunity_delete,
        name="opportunity_delete",
    ),
    path(
        "opportunities/<int:opportunity_id>/move/", views.opportunity_move, name="opportunity_move"
    ),
    path("pipelines/", views_pipelines.pipeline_list, name="pipeline_list"),
    path("pipelines/new/", views_pipelines.pipeline_form, name="pipeline_create"),
    path("pipelines/<int:pipeline_id>/", views_pipelines.pipeline_form, name="pipeline_edit"),
    path(
        "pipelines/<int:pipeline_id>/delete/",
        views_pipelines.pipeline_delete,
        name="pipeline_delete",
    ),
]
