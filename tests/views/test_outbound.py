"""The outbound screens: heads' campaigns, asleep sweep, surveys and summary; the operator's
next task and survey step; the head's inbox. Full pages, htmx partials, 403/404, queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import campaigns, surveys
from calls.models import Call, CallTask, Campaign, SurveyResponse
from orderdesk.models import Department
from orderdesk.roles import Role
from orders.models import Order
from tests.conftest import swapped_to
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    DepartmentFactory,
    OrderFactory,
    make_staff,
    next_mobile,
)

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def org():
    head = make_staff(role=Role.HEAD, last_name="Главный")
    wholesale = DepartmentFactory(name="Опт", kind=Department.Kind.WHOLESALE, head=head)
    other_head = make_staff(role=Role.HEAD, last_name="Другой")
    retail = DepartmentFactory(name="Розница", kind=Department.Kind.RETAIL, head=other_head)
    wtype = ClientTypeFactory(code="shop", name="Магазин", department=wholesale)
    rtype = ClientTypeFactory(code="kiosk", name="Киоск", department=retail)
    return {
        "head": head,
        "other_head": other_head,
        "wholesale": wholesale,
        "wtype": wtype,
        "rtype": rtype,
    }


@pytest.fixture
def operator():
    return make_staff(role=Role.OPERATOR, last_name="Операторова")


def shop(org, **kwargs):
    return ClientFactory(client_type=org["wtype"], phone=next_mobile(), **kwargs)


@pytest.fixture
def survey(org):
    survey = surveys.create_survey(by=org["head"], name="Доставка")
    surveys.add_question(survey=survey, text="Довольны?", kind="single", choices=["Да", "Нет"])
    surveys.add_question(survey=survey, text="Оценка", kind="scale")
    surveys.add_question(survey=survey, text="Что добавить?", kind="text", required=False)
    return survey


def campaign_of(org, n=2, **kwargs):
    return campaigns.create_campaign(
        by=org["head"],
        name="Новинки",
        instructions="Расскажите о новом сыре",
        clients=[shop(org) for _ in range(n)],
        **kwargs,
    )


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["campaigns:list", "campaigns:new", "campaigns:asleep", "campaigns:surveys"]
)
@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MANAGER, Role.FINANCE])
def test_only_directors_reach_the_outbound_screens(client, org, url_name, role):
    client.force_login(make_staff(role=role))
    assert client.get(reverse(url_name)).status_code == 403


def test_a_head_gets_404_for_another_departments_campaign_and_survey(client, org, survey):
    theirs = campaigns.create_campaign(
        by=org["other_head"],
        name="Чужая",
        instructions="",
        clients=[ClientFactory(client_type=org["rtype"])],
    )
    their_survey = surveys.create_survey(by=org["other_head"], name="Чужой")
    client.force_login(org["head"])
    assert client.get(reverse("campaigns:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("campaigns:summary", args=[their_survey.pk])).status_code == 404
    assert client.get(reverse("campaigns:survey", args=[their_survey.pk])).status_code == 404


# --- campaigns ---------------------------------------------------------------------------------


def test_campaign_list_full_and_partial(client, org):
    campaign_of(org)
    client.force_login(org["head"])
    with_full = client.get(reverse("campaigns:list"))
    assert with_full.status_code == 200 and "Новинки" in with_full.text
    assert "<html" in with_full.text
    partial = client.get(reverse("campaigns:list"), **HX)
    assert "<html" not in partial.text and 'id="campaign-list"' in partial.text


def test_the_count_shows_how_many_clients_the_filters_pick(client, org):
    shop(org, region="Тверь")
    shop(org, region="Москва")
    ClientFactory(client_type=org["rtype"], region="Тверь")  # not this head's
    client.force_login(org["head"])
    response = client.get(reverse("campaigns:count"), {"region": "Тверь"}, **HX)
    assert "<strong>1</strong>" in response.text
    response = client.get(reverse("campaigns:count"), {"client_type": org["wtype"].pk}, **HX)
    assert "<strong>2</strong>" in response.text
    assert Campaign.objects.count() == 0  # GET writes nothing


def test_new_campaign_full_page_shows_the_count(client, org, django_assert_max_num_queries):
    shop(org)
    client.force_login(org["head"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("campaigns:new"))
    assert response.status_code == 200 and "<strong>1</strong>" in response.text


def test_creating_a_campaign_from_filters(client, org, operator, survey):
    shop(org, region="Тверь")
    shop(org, region="Тверь")
    shop(org, region="Москва")
    client.force_login(org["head"])
    response = client.post(
        reverse("campaigns:new"),
        {
            "name": "Тверь",
            "instructions": "Спросите про доставку",
            "region": "Тверь",
            "survey": survey.pk,
            "operators": [operator.pk],
        },
        **HX,
    )
    campaign = Campaign.objects.get()
    assert swapped_to(response) == reverse("campaigns:detail", args=[campaign.pk])
    assert campaign.tasks.count() == 2 and campaign.survey == survey
    assert list(campaign.operators.all()) == [operator]


def test_picked_clients_replace_the_filters_and_foreign_ids_are_refused(client, org):
    mine = shop(org)
    shop(org)
    theirs = ClientFactory(client_type=org["rtype"])
    client.force_login(org["head"])
    client.post(
        reverse("campaigns:new"),
        {"name": "Один", "instructions": "x", "client": [mine.pk, mine.pk, theirs.pk]},
    )
    campaign = Campaign.objects.get()
    assert [t.client_id for t in campaign.tasks.all()] == [mine.pk]


def test_an_invalid_campaign_shows_errors_and_creates_nothing(client, org):
    shop(org)
    client.force_login(org["head"])
    response = client.post(reverse("campaigns:new"), {"name": "", "instructions": ""})
    assert response.status_code == 422
    assert not Campaign.objects.exists() and not CallTask.objects.exists()
    response = client.post(
        reverse("campaigns:new"), {"name": "x", "instructions": "y", "region": "Нигде"}
    )
    assert response.status_code == 422 and "The list of clients is empty." in response.text


def test_campaign_page_shows_progress_and_results_in_bounded_queries(
    client, org, operator, survey, django_assert_max_num_queries
):
    campaign = campaign_of(org, n=3, survey=survey)
    call = campaigns.next_task(operator)
    single, scale, _text = survey.questions.all()
    surveys.record_answers(
        call=call,
        survey=survey,
        answers={single.pk: single.choices.first().pk, scale.pk: 5},
        by=operator,
    )
    OrderFactory(
        client=call.client,
        call=call,
        operator=operator,
        status=Order.Status.ACCEPTED,
        total=Decimal("1234.00"),
        number="Z-77",
    )
    from calls.services import wrap_up

    wrap_up(call=call, outcome_code="order_taken", notes="Взяли сыр", by=operator)
    client.force_login(org["head"])
    with django_assert_max_num_queries(22):
        response = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    text = response.text
    assert "Взяли сыр" in text and "Z-77" in text and "Да" in text
    for _ in range(20):
        campaigns.create_campaign(by=org["head"], name="x", instructions="", clients=[shop(org)])
    more = campaign_of(org, n=40)
    with django_assert_max_num_queries(22):
        response = client.get(reverse("campaigns:detail", args=[more.pk]), {"page": 1}, **HX)
    assert 'id="campaign-tasks"' in response.text and "<html" not in response.text


# --- the asleep sweep ----------------------------------------------------------------------------


def test_asleep_screen_ranks_and_makes_a_campaign(client, org):
    manager = make_staff(role=Role.MANAGER)
    rich, poor = shop(org, manager=manager), shop(org, manager=manager)
    for client_, total in [(rich, "9000.00"), (poor, "100.00")]:
        client_.last_order_at = timezone.now() - timedelta(days=90)
        client_.save()
        OrderFactory(
            client=client_,
            status=Order.Status.DELIVERED,
            total=Decimal(total),
            accepted_at=client_.last_order_at,
        )
    client.force_login(org["head"])
    response = client.get(reverse("campaigns:asleep"))
    assert response.text.index(rich.name) < response.text.index(poor.name)
    response = client.post(
        reverse("campaigns:asleep"), {"name": "Спящие", "client": [rich.pk, poor.pk]}
    )
    sweep = Campaign.objects.get()
    assert sweep.kind == Campaign.Kind.SWEEP
    assert {t.kind for t in sweep.tasks.all()} == {CallTask.Kind.ASLEEP}
    assert sweep.tasks.count() == 2
    awake = shop(org, manager=manager)
    client.post(reverse("campaigns:asleep"), {"name": "x", "client": [awake.pk]})
    assert Campaign.objects.count() == 1  # not asleep: nothing made


# --- surveys --------------------------------------------------------------------------------------


def test_building_a_survey(client, org):
    client.force_login(org["head"])
    response = client.post(reverse("campaigns:surveys"), {"name": "Опрос"})
    survey = surveys.Survey.objects.get()
    url = reverse("campaigns:survey", args=[survey.pk])
    assert response.url == url
    response = client.post(
        url, {"text": "Как вам?", "kind": "single", "required": "on", "choices": "Да\nНет\n"}, **HX
    )
    assert response.status_code == 200 and 'id="builder"' in response.text
    question = survey.questions.get()
    assert [c.text for c in question.choices.all()] == ["Да", "Нет"]
    response = client.post(url, {"text": "Плохо", "kind": "single", "choices": "одно"}, **HX)
    assert "Give at least two answers" in response.text and survey.questions.count() == 1


def test_a_survey_with_answers_refuses_changes_and_offers_a_copy(client, org, survey):
    call = Call.objects.create(phone="+74950000001", operator=make_staff(role=Role.OPERATOR))
    first = survey.questions.first()
    surveys.record_answers(
        call=call,
        survey=survey,
        answers={first.pk: first.choices.first().pk, survey.questions.all()[1].pk: 3},
        by=call.operator,
    )
    client.force_login(org["head"])
    url = reverse("campaigns:survey", args=[survey.pk])
    response = client.get(url)
    assert "Copy it to change the questions" in response.text
    response = client.post(url, {"text": "Новый", "kind": "text"})
    assert response.status_code == 422 and survey.questions.count() == 3
    delete = reverse("campaigns:question_action", args=[survey.pk, first.pk, "delete"])
    client.post(delete, **HX)
    assert survey.questions.count() == 3
    response = client.post(reverse("campaigns:survey_copy", args=[survey.pk]))
    copy = surveys.Survey.objects.exclude(pk=survey.pk).get()
    assert copy.questions.count() == 3


def test_summary_page_with_svg_charts_and_exports(
    client, org, survey, django_assert_max_num_queries
):
    operator = make_staff(role=Role.OPERATOR)
    single, scale, text = survey.questions.all()
    for choice, mark in [(0, 5), (0, 4), (1, 1)]:
        call = Call.objects.create(phone=next_mobile(), operator=operator, client=shop(org))
        surveys.record_answers(
            call=call,
            survey=survey,
            answers={single.pk: single.choices.all()[choice].pk, scale.pk: mark, text.pk: "<b>"},
            by=operator,
        )
    client.force_login(org["head"])
    url = reverse("campaigns:summary", args=[survey.pk])
    with django_assert_max_num_queries(22):
        response = client.get(url)
    assert response.text.count("<svg") == 2 and "66.7" in response.text
    assert "3.33" in response.text and "&lt;b&gt;" in response.text
    assert "http://" not in response.text.replace("http://www.w3.org/2000/svg", "")
    partial = client.get(url, **HX)
    assert "<html" not in partial.text and 'id="summary"' in partial.text
    csv_response = client.get(url, {"format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "Довольны?" in b"".join(csv_response.streaming_content).decode("utf-8-sig")
    xlsx = client.get(url, {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


# --- the operator's side --------------------------------------------------------------------------


def test_next_task_opens_the_call_with_the_instructions(client, org, operator, survey):
    campaign = campaign_of(org, survey=survey)
    client.force_login(operator)
    console = client.get(reverse("calls:console"))
    assert 'data-key="F6"' in console.text
    response = client.post(reverse("campaigns:next_task"))
    call = Call.objects.get()
    assert call.task.campaign == campaign and call.direction == Call.Direction.OUTBOUND
    page = client.get(response.url)
    assert "Расскажите о новом сыре" in page.text
    assert reverse("campaigns:survey_step", args=[call.pk]) in page.text


def test_next_task_with_nothing_to_do(client, operator):
    client.force_login(operator)
    response = client.post(reverse("campaigns:next_task"), **HX)
    assert swapped_to(response) == reverse("calls:console")
    assert not Call.objects.exists()


def test_managers_cannot_take_tasks(client, org):
    campaign_of(org)
    client.force_login(make_staff(role=Role.MANAGER))
    assert client.post(reverse("campaigns:next_task")).status_code == 403


def test_survey_step_stores_all_or_nothing(client, org, operator, survey):
    campaign_of(org, n=1, survey=survey)
    call = campaigns.next_task(operator)
    single, scale, _text = survey.questions.all()
    url = reverse("campaigns:survey_step", args=[call.pk])
    client.force_login(operator)
    page = client.get(url)
    assert page.status_code == 200 and "Довольны?" in page.text
    assert "<html" not in client.get(url, **HX).text
    bad = client.post(url, {f"q{single.pk}": single.choices.first().pk, f"q{scale.pk}": "6"})
    assert bad.status_code == 422 and "Give a mark from 1 to 5." in bad.text
    assert not SurveyResponse.objects.exists()
    missing = client.post(url, {f"q{scale.pk}": "3"}, **HX)
    assert "This question is required." in missing.text
    assert not SurveyResponse.objects.exists()
    good = client.post(url, {f"q{single.pk}": single.choices.first().pk, f"q{scale.pk}": "3"})
    assert good.status_code == 302 and SurveyResponse.objects.get().call == call
    again = client.post(url, {f"q{single.pk}": single.choices.last().pk, f"q{scale.pk}": "1"})
    assert again.status_code == 422 and SurveyResponse.objects.count() == 1


def test_another_operators_call_survey_is_404(client, org, operator, survey):
    campaign_of(org, n=1, survey=survey)
    call = campaigns.next_task(operator)
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.get(reverse("campaigns:survey_step", args=[call.pk])).status_code == 404


def test_no_answer_at_wrap_up_puts_the_task_back(client, org, operator):
    campaign = campaign_of(org, n=1)
    call = campaigns.next_task(operator)
    client.force_login(operator)
    client.post(reverse("calls:step", args=[call.pk, "wrap_up"]), {"outcome": "no_answer"})
    task = campaign.tasks.get()
    assert task.status == CallTask.Status.OPEN and task.attempts == 1 and task.next_attempt_at


# --- the head's inbox ----------------------------------------------------------------------------


def test_the_inbox_shows_finished_tasks_until_marked_seen(client, org, operator):
    campaign_of(org, n=1)
    call = campaigns.next_task(operator)
    from calls.services import wrap_up

    wrap_up(call=call, outcome_code="information_given", notes="Перезакажут", by=operator)
    client.force_login(org["head"])
    inbox = client.get(reverse("calls:inbox"))
    assert "Outbound results" in inbox.text and "Перезакажут" in inbox.text
    client.post(reverse("campaigns:results_seen"))
    assert "Outbound results" not in client.get(reverse("calls:inbox")).text


def test_campaign_list_queries_do_not_grow_with_campaigns(
    client, org, django_assert_max_num_queries
):
    campaign_of(org)
    client.force_login(org["head"])
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("campaigns:list"))
    for _ in range(5):
        campaign_of(org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("campaigns:list"))
    assert response.text.count("Новинки") == 6


def test_the_survey_of_a_wrapped_up_call_cannot_be_answered(client, org, operator, survey):
    campaign_of(org, n=1, survey=survey)
    call = campaigns.next_task(operator)
    from calls.services import wrap_up

    wrap_up(call=call, outcome_code="information_given", notes="", by=operator)
    client.force_login(operator)
    url = reverse("campaigns:survey_step", args=[call.pk])
    response = client.get(url)
    assert response.status_code == 302
    single, scale, _text = survey.questions.all()
    client.post(url, {f"q{single.pk}": single.choices.first().pk, f"q{scale.pk}": "3"})
    assert not SurveyResponse.objects.exists()


def test_a_head_stops_their_campaign_and_only_theirs(client, org, operator):
    campaign = campaign_of(org, n=3)
    busy = campaigns.next_task(operator)  # on a call now: left to finish
    client.force_login(org["other_head"])
    assert client.post(reverse("campaigns:stop", args=[campaign.pk])).status_code == 404
    assert campaign.tasks.filter(status=CallTask.Status.OPEN).count() == 3
    client.force_login(org["head"])
    client.post(reverse("campaigns:stop", args=[campaign.pk]))
    assert campaign.tasks.filter(status=CallTask.Status.CANCELLED).count() == 2
    assert campaign.tasks.get(status=CallTask.Status.OPEN) == busy.task


def test_survey_exports_are_formula_safe_recorded_and_not_for_operators(client):
    # found in review: the survey's CSV/XLSX bypassed the shared export (F-SEC-2)
    from calls import surveys as survey_service
    from orderdesk.models import Department, ExportRecord
    from tests.factories import CallFactory, ClientFactory, DepartmentFactory, make_staff

    head = make_staff(role=Role.HEAD)
    DepartmentFactory(name="Опт-экспорт", kind=Department.Kind.WHOLESALE, head=head)
    survey = survey_service.create_survey(by=head, name="S")
    survey_service.add_question(survey=survey, text="Пожелания", kind="text", required=False)
    question = survey.questions.get()
    call = CallFactory(client=ClientFactory(name='=HYPERLINK("http://evil","x")'))
    survey_service.record_answers(
        call=call, survey=survey, answers={question.pk: "=1+2"}, by=call.operator
    )
    url = reverse("campaigns:summary", args=[survey.pk])
    client.force_login(head)

    body = b"".join(client.get(url, {"format": "csv"}).streaming_content).decode()

    assert ";=1+2" not in body and ";'=1+2" in body
    assert ';"=HYPERLINK' not in body
    assert ExportRecord.objects.filter(list_name="survey", file_format="csv").exists()
    xlsx = client.get(url, {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert ExportRecord.objects.filter(list_name="survey", file_format="xlsx", rows=1).exists()
