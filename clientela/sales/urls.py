from django.urls import include, path

from clientela.sales import views, views_company, views_documents, views_pipelines

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
    path(
        "opportunities/<int:opportunity_id>/documents/",
        views_documents.deal_documents,
        name="deal_documents",
    ),
    path(
        "opportunities/<int:opportunity_id>/lines/", views_documents.deal_lines, name="deal_lines"
    ),
    path(
        "opportunities/<int:opportunity_id>/quotes/new/",
        views_documents.quote_create,
        name="quote_create",
    ),
    path("quotes/<int:quote_id>/pdf/", views_documents.quote_pdf, name="quote_pdf"),
    path("quotes/<int:quote_id>/send/", views_documents.quote_send, name="quote_send"),
    path("quotes/<int:quote_id>/revise/", views_documents.quote_revise, name="quote_revise"),
    path("orders/", views_documents.order_list, name="order_list"),
    path("orders/<int:order_id>/", views_documents.order_detail, name="order_detail"),
    path("orders/<int:order_id>/status/", views_documents.order_status, name="order_status"),
    path(
        "orders/<int:order_id>/deliveries/",
        views_documents.order_delivery,
        name="order_delivery",
    ),
    path("settings/company/", views_company.company_settings, name="company_settings"),
    path("settings/catalog/", include("clientela.sales.urls_catalog")),
    path("settings/", include("clientela.sales.urls_money")),
]
