from django.urls import path

from calls import api, views

app_name = "calls"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/start/", views.start, name="start"),
    path("console/incoming/", views.incoming, name="incoming"),
    path("console/task/", views.start_task, name="start_task"),
    path("calls/<int:call_id>/reference/search/", views.reference_search, name="reference_search"),
    path("calls/<int:call_id>/reference/price-list/", views.price_list, name="price_list"),
    path("calls/<int:call_id>/<slug:step>/", views.step, name="step"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/count/", views.inbox_count, name="inbox_count"),
    path(
        "inbox/transfers/<int:transfer_id>/handled/",
        views.transfer_handled,
        name="transfer_handled",
    ),
    path(
        "inbox/feedback/<int:feedback_id>/handled/", views.feedback_handled, name="feedback_handled"
    ),
    path("inbox/tasks/<int:task_id>/assign/", views.assign_manager, name="assign_manager"),
    path("logs/calls/", views.call_log, name="call_log"),
    path("api/telephony/incoming", api.telephony_incoming, name="telephony_incoming"),
]

# Reviewers' criteria (issue 9) live in their own module.
from calls.criteria_urls import urlpatterns as criteria_urlpatterns  # noqa: E402

urlpatterns += criteria_urlpatterns
