from django.urls import path

from clientela.sales import views_money

urlpatterns: list = []  # filled with views_money's pages
_ = (path, views_money)
