"""Settings → Products and prices: products, product groups, taxes and price lists."""

from django.urls import path

from clientela.sales import views_catalog as views

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_form, name="product_create"),
    path("products/<int:product_id>/", views.product_form, name="product_edit"),
    path("products/<int:product_id>/delete/", views.product_delete, name="product_delete"),
    path("groups/", views.group_list, name="product_group_list"),
    path("groups/new/", views.group_form, name="product_group_create"),
    path("groups/<int:group_id>/", views.group_form, name="product_group_edit"),
    path("groups/<int:group_id>/delete/", views.group_delete, name="product_group_delete"),
    path("taxes/", views.tax_list, name="tax_list"),
    path("taxes/new/", views.tax_form, name="tax_create"),
    path("taxes/<int:tax_id>/", views.tax_form, name="tax_edit"),
    path("taxes/<int:tax_id>/delete/", views.tax_delete, name="tax_delete"),
    path("price-lists/", views.price_list_list, name="price_list_list"),
    path("price-lists/new/", views.price_list_form, name="price_list_create"),
    path("price-lists/<int:price_list_id>/", views.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:price_list_id>/edit/", views.price_list_form, name="price_list_edit"),
    path(
        "price-lists/<int:price_list_id>/delete/",
        views.price_list_delete,
        name="price_list_delete",
    ),
    path(
        "price-lists/<int:price_list_id>/prices/",
        views.price_list_prices,
        name="price_list_prices",
    ),
    path(
        "price-lists/<int:price_list_id>/prices/<int:product_id>/",
        views.price_list_prices,
        name="price_list_product_prices",
    ),
]
