from django.urls import path

from calls import views

app_name = "calls"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("inbox/", views.inbox, name="inbox"),
    path("logs/calls/", views.call_log, name="call_log"),
]
