from django.urls import path

from clients import api, views

app_name = "clients"
urlpatterns = [
    path("finance/receivables/", views.receivables, name="receivables"),
    path("api/accounting/receivables", api.receivables, name="api_receivables"),
]
