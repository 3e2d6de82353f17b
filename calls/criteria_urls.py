"""URLs of the reviewers' criteria pages (appended to calls.urls, namespace ``calls``)."""

from django.urls import path

from calls import criteria_views

urlpatterns = [
    path("review/criteria/", criteria_views.criteria_page, name="criteria"),
    path(
        "review/criteria/operators/<int:operator_id>/",
        criteria_views.operator_page,
        name="criteria_operator",
    ),
    path("review/upsell/", criteria_views.upsell_page, name="upsell"),
    path(
        "review/claims/<int:feedback_id>/judge/",
        criteria_views.judge_claim,
        name="judge_claim",
    ),
]
