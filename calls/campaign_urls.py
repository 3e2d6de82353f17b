from django.urls import path

from calls import campaign_views as views

app_name = "campaigns"
urlpatterns = [
    path("outbound/", views.campaign_list, name="list"),
    path("outbound/new/", views.campaign_new, name="new"),
    path("outbound/new/count/", views.campaign_count, name="count"),
    path("outbound/new/clients/", views.client_search, name="client_search"),
    path("outbound/<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("outbound/<int:campaign_id>/stop/", views.campaign_stop, name="stop"),
    path("outbound/asleep/", views.asleep, name="asleep"),
    path("outbound/surveys/", views.survey_list, name="surveys"),
    path("outbound/surveys/<int:survey_id>/", views.survey_builder, name="survey"),
    path("outbound/surveys/<int:survey_id>/copy/", views.survey_copy, name="survey_copy"),
    path("outbound/surveys/<int:survey_id>/summary/", views.survey_summary, name="summary"),
    path(
        "outbound/surveys/<int:survey_id>/questions/<int:question_id>/<slug:action>/",
        views.question_action,
        name="question_action",
    ),
    path("outbound/seen/", views.results_seen, name="results_seen"),
    path("console/next/", views.next_task, name="next_task"),
    # before calls.urls' calls/<id>/<step>/ so the survey step lands here
    path("calls/<int:call_id>/survey/", views.survey_step, name="survey_step"),
]
