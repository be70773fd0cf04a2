"""Pages reached without an account (the satisfaction survey link mailed to the customer)."""

from django.urls import path

from clientela.service import views

app_name = "service_public"

urlpatterns = [
    path("rate/<str:token>/", views.rate, name="rate"),
]
