"""Surveys (SPEC F-OUT-3): built by heads, asked as a step of an outbound call.

``record_answers`` validates every answer first and stores all or nothing; one answer set
per call. A survey with answers is frozen: its questions cannot change (copy it instead).
``summary`` counts the answers per question for the summary page and its charts.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import events
from calls.models import Call, Choice, Question, Survey, SurveyAnswer, SurveyResponse

SCALE = range(1, 6)
TEXT_MAX = 2000


# --- answering -----------------------------------------------------------------------------


def _as_int(value):
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError


def _is_empty(value) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple | set) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _parse(question: Question, value, choice_ids: set[int]):
    """The answer rows' values for one question, or ``ValueError`` with the message."""
    kind = question.kind
    if kind == Question.Kind.SINGLE:
        if isinstance(value, list | tuple):
            if len(value) != 1:
                raise ValueError(_("Choose one answer."))
            value = value[0]
        try:
            choice = _as_int(value)
        except ValueError:
            raise ValueError(_("Choose one of the answers offered.")) from None
        if choice not in choice_ids:
            raise ValueError(_("Choose one of the answers offered."))
        return [{"choice_id": choice}]
    if kind == Question.Kind.MULTIPLE:
        values = value if isinstance(value, list | tuple | set) else [value]
        try:
            chosen = [_as_int(v) for v in values]
        except ValueError:
            raise ValueError(_("Choose among the answers offered.")) from None
        if not chosen or any(choice not in choice_ids for choice in chosen):
            raise ValueError(_("Choose among the answers offered."))
        return [{"choice_id": choice} for choice in dict.fromkeys(chosen)]
    if kind == Question.Kind.SCALE:
        try:
            number = _as_int(value)
        except ValueError:
            raise ValueError(_("Give a mark from 1 to 5.")) from None
        if number not in SCALE:
            raise ValueError(_("Give a mark from 1 to 5."))
        return [{"scale": number}]
    if not isinstance(value, str):
        raise ValueError(_("Write the answer as text."))
    text = value.strip()
    if len(text) > TEXT_MAX:
        raise ValueError(_("The answer is too long (at most %(n)s characters).") % {"n": TEXT_MAX})
    return [{"text": text}]


def _key(question_id) -> str:
    return f"q{question_id}"


@transaction.atomic
def record_answers(*, call: Call, survey: Survey, answers: dict, by) -> SurveyResponse:
    """Store the call's answers to ``survey``; ``answers`` maps a question id to a choice id,
    a list of choice ids, an int 1–5 or text. Any invalid or missing required answer (keys
    ``q<id>``), a survey other than the call's campaign's, or a second answer set for the
    call raises ``ValidationError`` and stores nothing."""
    if by.pk != call.operator_id and not by.is_superuser:
        raise PermissionDenied(_("Only the operator of the call records its answers."))
    if call.status != Call.Status.OPEN:
        raise ValidationError(_("This call has ended."))
    if call.task_id and call.task.campaign_id:
        expected = call.task.campaign.survey_id
        if expected is not None and expected != survey.pk:
            raise ValidationError(_("This is not the survey of the call's campaign."))
    if SurveyResponse.objects.filter(call=call).exists():
        raise ValidationError(_("The survey is already answered on this call."))
    if not isinstance(answers, dict):
        raise ValidationError(_("No answers given."))

    questions = {q.pk: q for q in survey.questions.prefetch_related("choices")}
    given = {}
    errors = {}
    for raw_key, value in answers.items():
        try:
            question_id = _as_int(str(raw_key).removeprefix("q"))
        except ValueError:
            question_id = None
        if question_id not in questions:
            errors["__all__"] = _("An answer to a question not in this survey.")
            continue
        given[question_id] = value

    rows = []
    for question in questions.values():
        value = given.get(question.pk)
        if _is_empty(value):
            if question.required:
                errors[_key(question.pk)] = _("This question is required.")
            continue
        try:
            parsed = _parse(question, value, {c.pk for c in question.choices.all()})
        except ValueError as error:
            errors[_key(question.pk)] = str(error)
            continue
        rows.extend(SurveyAnswer(question=question, **values) for values in parsed)
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey, call=call, client=call.client, by=by, created_at=timezone.now()
            )
    except IntegrityError:
        raise ValidationError(_("The survey is already answered on this call.")) from None
    for row in rows:
        row.response = response
    SurveyAnswer.objects.bulk_create(rows)
    events.survey_answered(call=call, by=by, response=response)
    return response


# --- the summary -----------------------------------------------------------------------------


def summary(survey: Survey) -> list[dict]:
    """One entry per question, in order: ``question``, ``kind``, ``answered`` (responses that
    answered it), ``choices`` (``choice``, ``count``, ``percent`` of those answering; for a
    scale the marks 1–5), ``average`` for a scale, and the latest ``texts``. Four queries."""
    questions = list(survey.questions.prefetch_related("choices"))
    answered = dict(
        SurveyAnswer.objects.filter(question__survey=survey)
        .values("question")
        .annotate(n=Count("response", distinct=True))
        .values_list("question", "n")
    )
    per_choice = dict(
        SurveyAnswer.objects.filter(question__survey=survey, choice__isnull=False)
        .values("choice")
        .annotate(n=Count("pk"))
        .values_list("choice", "n")
    )
    scales = {}
    averages = {}
    for row in (
        SurveyAnswer.objects.filter(question__survey=survey, scale__isnull=False)
        .values("question", "scale")
        .annotate(n=Count("pk"))
    ):
        scales.setdefault(row["question"], {})[row["scale"]] = row["n"]
    for row in (
        SurveyAnswer.objects.filter(question__survey=survey, scale__isnull=False)
        .values("question")
        .annotate(avg=Avg("scale"))
    ):
        averages[row["question"]] = round(float(row["avg"]), 2)
    texts = {}
    for row in (
        SurveyAnswer.objects.filter(question__survey=survey)
        .exclude(text="")
        .order_by("-response__created_at", "-id")
        .values("question", "text")[:500]
    ):
        texts.setdefault(row["question"], []).append(row["text"])

    entries = []
    for question in questions:
        n = answered.get(question.pk, 0)

        def pct(count, n=n):
            return round(100 * count / n, 1) if n else 0.0

        entry = {
            "question": question,
            "id": question.pk,
            "text": question.text,
            "kind": question.kind,
            "answered": n,
            "choices": [],
            "average": None,
            "texts": [],
        }
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            entry["choices"] = [
                {
                    "choice": choice,
                    "label": choice.text,
                    "count": per_choice.get(choice.pk, 0),
                    "percent": pct(per_choice.get(choice.pk, 0)),
                }
                for choice in question.choices.all()
            ]
        elif question.kind == Question.Kind.SCALE:
            marks = scales.get(question.pk, {})
            entry["choices"] = [
                {
                    "choice": None,
                    "label": str(mark),
                    "count": marks.get(mark, 0),
                    "percent": pct(marks.get(mark, 0)),
                }
                for mark in SCALE
            ]
            entry["average"] = averages.get(question.pk)
        else:
            entry["texts"] = texts.get(question.pk, [])[:50]
        entries.append(entry)
    return entries


def answer_rows(survey: Survey):
    """The export: a header and one row per response (date, client, operator, answers)."""
    questions = list(survey.questions.all())
    yield [_("Recorded"), _("Client"), _("Operator"), *[q.text for q in questions]]
    responses = (
        survey.responses.select_related("client", "by")
        .prefetch_related("answers__choice")
        .order_by("created_at", "pk")
    )
    for response in responses.iterator(chunk_size=500):
        values: dict[int, list[str]] = {}
        for answer in response.answers.all():
            if answer.choice_id:
                shown = answer.choice.text
            elif answer.scale is not None:
                shown = str(answer.scale)
            else:
                shown = answer.text
            values.setdefault(answer.question_id, []).append(shown)
        operator = response.by.get_full_name() or response.by.get_username() if response.by else ""
        yield [
            timezone.localtime(response.created_at).strftime("%Y-%m-%d %H:%M"),
            response.client.name if response.client else "",
            operator,
            *["; ".join(values.get(q.pk, [])) for q in questions],
        ]


# --- building ----------------------------------------------------------------------------------


def is_frozen(survey: Survey) -> bool:
    return survey.responses.exists()


def _require_editable(survey: Survey) -> None:
    if is_frozen(survey):
        raise ValidationError(
            _("This survey already has answers; its questions cannot change. Copy it instead.")
        )


def create_survey(*, by, name: str) -> Survey:
    from calls.campaigns import require_director

    departments = require_director(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the survey a name.")})
    return Survey.objects.create(
        name=name[:200], department=departments[0] if departments else None, created_by=by
    )


def _clean_choices(kind: str, choices) -> list[str]:
    texts = [c.strip()[:200] for c in (choices or []) if c and c.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if len(texts) < 2:
            raise ValidationError({"choices": _("Give at least two answers to choose from.")})
        if len(set(texts)) != len(texts):
            raise ValidationError({"choices": _("Two answers are the same.")})
        return texts
    return []


@transaction.atomic
def add_question(*, survey: Survey, text: str, kind: str, required: bool = True, choices=()):
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_editable(survey)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the question.")})
    if kind not in Question.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of question.")})
    texts = _clean_choices(kind, choices)
    last = survey.questions.order_by("-position").values_list("position", flat=True).first()
    question = Question.objects.create(
        survey=survey, text=text[:500], kind=kind, required=required, position=(last or 0) + 1
    )
    Choice.objects.bulk_create(
        Choice(question=question, text=t, position=i) for i, t in enumerate(texts, 1)
    )
    return question


@transaction.atomic
def delete_question(*, question: Question) -> None:
    Survey.objects.select_for_update().get(pk=question.survey_id)
    _require_editable(question.survey)
    question.delete()


@transaction.atomic
def move_question(*, question: Question, up: bool) -> None:
    """Swap the question with its neighbour (renumbering the survey's questions 1..n)."""
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _require_editable(survey)
    ordered = list(survey.questions.order_by("position", "pk"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, 1):
        item.position = position
    Question.objects.bulk_update(ordered, ["position"])


@transaction.atomic
def copy_survey(*, survey: Survey, by) -> Survey:
    """A new, editable survey with the same questions and choices."""
    copy = create_survey(by=by, name=_("%(name)s (copy)") % {"name": survey.name})
    for question in survey.questions.prefetch_related("choices"):
        new = Question.objects.create(
            survey=copy,
            text=question.text,
            kind=question.kind,
            required=question.required,
            position=question.position,
        )
        Choice.objects.bulk_create(
            Choice(question=new, text=c.text, position=c.position) for c in question.choices.all()
        )
    return copy
