from django.urls import path

from clientela.sales import views_catalog

urlpatterns: list = []  # filled with views_catalog's pages
_ = (path, views_catalog)
