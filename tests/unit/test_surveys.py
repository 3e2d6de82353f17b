"""calls.surveys: answers stored all or nothing, one set per call, the summary, the builder."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from calls import surveys
from calls.models import CallEvent, Question, SurveyAnswer, SurveyResponse
from orderdesk.models import Department
from orderdesk.roles import Role
from tests.factories import CallFactory, ClientFactory, DepartmentFactory, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def head():
    user = make_staff(role=Role.HEAD)
    DepartmentFactory(name="Опт", kind=Department.Kind.WHOLESALE, head=user)
    return user


@pytest.fixture
def survey(head):
    survey = surveys.create_survey(by=head, name="Довольны ли вы?")
    surveys.add_question(
        survey=survey,
        text="Как часто заказываете?",
        kind="single",
        choices=["Раз в неделю", "Реже"],
    )
    surveys.add_question(
        survey=survey, text="Что ещё нужно?", kind="multiple", choices=["Молоко", "Сыр", "Хлеб"]
    )
    surveys.add_question(survey=survey, text="Оцените доставку", kind="scale")
    surveys.add_question(survey=survey, text="Пожелания", kind="text", required=False)
    return survey


def qs(survey):
    single, multiple, scale, text = survey.questions.prefetch_related("choices")
    return single, multiple, scale, text


@pytest.fixture
def call():
    return CallFactory(client=ClientFactory())


def good(survey):
    single, multiple, scale, text = qs(survey)
    return {
        single.pk: single.choices.all()[0].pk,
        multiple.pk: [c.pk for c in multiple.choices.all()[:2]],
        scale.pk: 4,
        text.pk: "  Больше сыра  ",
    }


def test_answers_are_stored_per_call_and_question(survey, call):
    response = surveys.record_answers(
        call=call, survey=survey, answers=good(survey), by=call.operator
    )
    assert response.call == call and response.client == call.client
    single, multiple, scale, text = qs(survey)
    assert response.answers.filter(question=multiple).count() == 2
    assert response.answers.get(question=scale).scale == 4
    assert response.answers.get(question=text).text == "Больше сыра"
    assert CallEvent.objects.filter(call=call, kind="survey_answered").exists()


def test_string_values_from_a_form_are_accepted(survey, call):
    single, multiple, scale, text = qs(survey)
    answers = {
        f"q{single.pk}": str(single.choices.all()[1].pk),
        str(multiple.pk): [str(multiple.choices.all()[2].pk)],
        scale.pk: "5",
        text.pk: "",
    }
    surveys.record_answers(call=call, survey=survey, answers=answers, by=call.operator)
    assert SurveyAnswer.objects.filter(question=text).count() == 0


def _bad(survey, call, **change):
    answers = good(survey)
    single, multiple, scale, text = qs(survey)
    named = {"single": single, "multiple": multiple, "scale": scale, "text": text}
    for name, value in change.items():
        if value is KeyError:
            answers.pop(named[name].pk)
        else:
            answers[named[name].pk] = value
    with pytest.raises(ValidationError) as error:
        surveys.record_answers(call=call, survey=survey, answers=answers, by=call.operator)
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()
    return error.value


@pytest.mark.parametrize("value", [0, 6, -1, "seven", None, True, 3.5])
def test_scale_outside_1_to_5_stores_nothing(survey, call, value):
    error = _bad(survey, call, scale=value)
    assert f"q{qs(survey)[2].pk}" in error.message_dict


def test_unknown_choice_stores_nothing(survey, call, head):
    other = surveys.create_survey(by=head, name="Другой")
    foreign = surveys.add_question(survey=other, text="?", kind="single", choices=["a", "b"])
    _bad(survey, call, single=foreign.choices.first().pk)
    _bad(survey, call, single=999999)
    _bad(survey, call, multiple=[qs(survey)[1].choices.first().pk, 999999])


def test_a_required_question_skipped_stores_nothing(survey, call):
    error = _bad(survey, call, single=KeyError)
    assert error.message_dict[f"q{qs(survey)[0].pk}"] == ["This question is required."]
    _bad(survey, call, multiple=[])
    _bad(survey, call, single="   ")


def test_an_answer_to_a_question_of_another_survey_stores_nothing(survey, call):
    answers = good(survey)
    answers[999999] = "x"
    with pytest.raises(ValidationError):
        surveys.record_answers(call=call, survey=survey, answers=answers, by=call.operator)
    assert not SurveyResponse.objects.exists()


def test_a_second_answer_set_for_one_call_is_refused(survey, call):
    surveys.record_answers(call=call, survey=survey, answers=good(survey), by=call.operator)
    with pytest.raises(ValidationError):
        surveys.record_answers(call=call, survey=survey, answers=good(survey), by=call.operator)
    assert SurveyResponse.objects.count() == 1


def test_only_the_calls_operator_records_answers(survey, call):
    with pytest.raises(PermissionDenied):
        surveys.record_answers(
            call=call, survey=survey, answers=good(survey), by=make_staff(role=Role.OPERATOR)
        )


def test_summary_counts_percentages_and_averages(survey):
    single, multiple, scale, text = qs(survey)
    first, second = single.choices.all()
    milk, cheese, bread = multiple.choices.all()
    for choice, picks, mark in [
        (first, [milk, cheese], 5),
        (first, [milk], 4),
        (second, [bread], 2),
    ]:
        call = CallFactory(client=ClientFactory())
        surveys.record_answers(
            call=call,
            survey=survey,
            answers={single.pk: choice.pk, multiple.pk: [c.pk for c in picks], scale.pk: mark},
            by=call.operator,
        )
    entries = surveys.summary(survey)
    assert [e["id"] for e in entries] == [single.pk, multiple.pk, scale.pk, text.pk]
    assert [(c["count"], c["percent"]) for c in entries[0]["choices"]] == [(2, 66.7), (1, 33.3)]
    assert [c["count"] for c in entries[1]["choices"]] == [2, 1, 1]
    assert entries[2]["average"] == pytest.approx(3.67)
    assert [c["count"] for c in entries[2]["choices"]] == [0, 1, 0, 1, 1]
    assert entries[3]["answered"] == 0 and entries[3]["texts"] == []
    rows = list(surveys.answer_rows(survey))
    assert len(rows) == 4 and rows[0][3] == single.text


def test_summary_of_an_unanswered_survey(survey):
    entries = surveys.summary(survey)
    assert entries[0]["choices"][0] == {
        "choice": entries[0]["choices"][0]["choice"],
        "label": "Раз в неделю",
        "count": 0,
        "percent": 0.0,
    }
    assert entries[2]["average"] is None


def test_a_survey_with_answers_is_frozen_copy_it_instead(survey, call, head):
    surveys.record_answers(call=call, survey=survey, answers=good(survey), by=call.operator)
    with pytest.raises(ValidationError):
        surveys.add_question(survey=survey, text="Ещё?", kind="text")
    with pytest.raises(ValidationError):
        surveys.delete_question(question=survey.questions.first())
    with pytest.raises(ValidationError):
        surveys.move_question(question=survey.questions.last(), up=True)
    copy = surveys.copy_survey(survey=survey, by=head)
    assert copy.questions.count() == 4
    assert [q.choices.count() for q in copy.questions.all()] == [2, 3, 0, 0]
    surveys.add_question(survey=copy, text="Ещё?", kind="text")


def test_builder_rejects_bad_questions(survey):
    with pytest.raises(ValidationError):
        surveys.add_question(survey=survey, text="?", kind="single", choices=["one"])
    with pytest.raises(ValidationError):
        surveys.add_question(survey=survey, text="", kind="text")
    with pytest.raises(ValidationError):
        surveys.add_question(survey=survey, text="?", kind="essay")


def test_questions_move_up_and_down(survey):
    last = survey.questions.last()
    surveys.move_question(question=last, up=True)
    assert [q.kind for q in survey.questions.all()] == ["single", "multiple", "text", "scale"]
    assert [q.position for q in survey.questions.all()] == [1, 2, 3, 4]


def test_only_heads_build_surveys():
    with pytest.raises(PermissionDenied):
        surveys.create_survey(by=make_staff(role=Role.OPERATOR), name="x")
    assert Question.objects.count() == 0


def test_answers_on_an_ended_call_are_refused(survey, call):
    call.status = call.Status.CLOSED
    call.save()
    with pytest.raises(ValidationError):
        surveys.record_answers(call=call, survey=survey, answers=good(survey), by=call.operator)
    assert not SurveyResponse.objects.exists()


def test_a_survey_other_than_the_campaigns_is_refused(survey, head):
    from calls import campaigns
    from calls.models import Call
    from clients.models import Client
    from tests.factories import ClientTypeFactory

    dept = head.headed_departments.get()
    client = ClientFactory(client_type=ClientTypeFactory(code="own", department=dept))
    other = surveys.create_survey(by=head, name="Другой")
    campaign = campaigns.create_campaign(
        by=head,
        name="x",
        instructions="",
        clients=Client.objects.filter(pk=client.pk),
        survey=other,
    )
    operator = make_staff(role=Role.OPERATOR)
    call = Call.objects.create(
        phone="+74950000002", operator=operator, client=client, task=campaign.tasks.get()
    )
    with pytest.raises(ValidationError):
        surveys.record_answers(call=call, survey=survey, answers=good(survey), by=operator)
