"""URLs of the reviewers' client pages (appended to clients.urls, namespace ``clients``)."""

from django.urls import path

from clients import review_views

urlpatterns = [
    path("review/clients/", review_views.client_list, name="review_list"),
    path("review/clients/<int:client_id>/", review_views.client_page, name="review_client"),
]
