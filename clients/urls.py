from django.urls import path

from clients import api, views

app_name = "clients"
urlpatterns = [
    path("finance/receivables/", views.receivables, name="receivables"),
    path("api/accounting/receivables", api.receivables, name="api_receivables"),
]

# Reviewers' client pages (issue 9) live in their own module.
from clients.review_urls import urlpatterns as review_urlpatterns  # noqa: E402

urlpatterns += review_urlpatterns
