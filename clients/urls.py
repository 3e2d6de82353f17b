from django.urls import path

from clients import views

app_name = "clients"
urlpatterns = [
    path("finance/receivables/", views.receivables, name="receivables"),
]
