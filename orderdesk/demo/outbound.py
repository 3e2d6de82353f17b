"""Demo outbound work: a running campaign with a survey and some answers, and an asleep
sweep of the wholesale department (called by DemoBuilder.build after the bulk is saved)."""

from datetime import timedelta

from django.utils import timezone

from calls import campaigns, surveys
from calls.models import Call, CallEvent, CallOutcome, CallTask
from clients.models import Client


def build(builder) -> dict[str, int]:
    head = builder.users["head"]
    operators = [builder.users["operator"], builder.users["operator2"]]
    wholesale = builder.departments["wholesale"]
    now = timezone.now()

    survey = surveys.create_survey(by=head, name="Качество доставки, ноябрь")
    q_often = surveys.add_question(
        survey=survey,
        text="Как часто вы заказываете у нас?",
        kind="single",
        choices=["Каждую неделю", "Раз в две недели", "Раз в месяц и реже"],
    )
    q_more = surveys.add_question(
        survey=survey,
        text="Какие категории вы хотели бы у нас покупать?",
        kind="multiple",
        choices=["Молочная продукция", "Сыры", "Бакалея", "Замороженные продукты"],
        required=False,
    )
    q_mark = surveys.add_question(survey=survey, text="Оцените доставку от 1 до 5", kind="scale")
    q_wish = surveys.add_question(survey=survey, text="Пожелания", kind="text", required=False)

    clients = list(
        Client.objects.filter(
            client_type__department=wholesale, manager__isnull=False, phones__isnull=False
        )
        .distinct()
        .order_by("name")[:12]
    )
    campaign = campaigns.create_campaign(
        by=head,
        name="Опрос о доставке и новинки сыров",
        instructions=(
            "Представьтесь, спросите, удобно ли говорить. Задайте вопросы опроса. "
            "Расскажите о новых сырах (скидка 5 % до конца месяца) и предложите оформить заказ."
        ),
        clients=clients,
        due_at=now + timedelta(days=5),
        survey=survey,
        operators=operators,
    )
    outcomes = {o.code: o for o in CallOutcome.objects.all()}
    picks = [
        (0, [1, 2], 5, "Привозите раньше 9 утра"),
        (1, [1], 4, ""),
        (0, [0, 3], 3, "Водитель опаздывал дважды"),
        (2, [], 5, ""),
    ]
    tasks = list(campaign.tasks.select_related("client").order_by("client__name"))
    for index, (task, (often, more, mark, wish)) in enumerate(zip(tasks, picks, strict=False)):
        operator = operators[index % 2]
        started = now - timedelta(hours=5 - index)
        call = Call.objects.create(
            direction=Call.Direction.OUTBOUND,
            phone=str(task.client.phones.first().number),
            client=task.client,
            operator=operator,
            task=task,
            started_at=started,
            purpose="other",
            step="wrap_up",
        )
        surveys.record_answers(
            call=call,
            survey=survey,
            answers={
                q_often.pk: list(q_often.choices.all())[often].pk,
                q_more.pk: [list(q_more.choices.all())[i].pk for i in more],
                q_mark.pk: mark,
                q_wish.pk: wish,
            },
            by=operator,
        )
        _close(call, outcomes["information_given"], "Опрос пройден", at=started)
    # one no-answer put back, one unreachable after three attempts
    for task, attempts in ((tasks[4], 1), (tasks[5], 3)):
        for attempt in range(attempts):
            call = Call.objects.create(
                direction=Call.Direction.OUTBOUND,
                phone=str(task.client.phones.first().number),
                client=task.client,
                operator=operators[0],
                task=task,
                started_at=now - timedelta(hours=4 - attempt),
                step="wrap_up",
            )
            _close(call, outcomes["no_answer"], "", at=call.started_at)

    sweep_clients = list(campaigns.asleep_clients(user=head)[:15])
    sweep = campaigns.create_campaign(
        by=head,
        name="Спящие клиенты оптового отдела",
        instructions=(
            "Клиент давно не заказывал: узнайте причину, напомните его обычные товары "
            "и акции недели."
        ),
        clients=sweep_clients,
        kind="sweep",
    )
    return {
        "campaign tasks": campaign.tasks.count() + sweep.tasks.count(),
        "survey answers": survey.responses.count(),
    }


def _close(call: Call, outcome: CallOutcome, notes: str, *, at) -> None:
    """Wrap up a demo call as the operator would have, at a past moment."""
    call.outcome = outcome
    call.notes = notes
    call.status = Call.Status.CLOSED
    call.ended_at = at + timedelta(minutes=3)
    call.save()
    CallEvent.objects.create(
        call=call,
        at=call.ended_at,
        by=call.operator,
        kind="wrapped_up",
        data={"outcome": outcome.code},
    )
    task = call.task
    if outcome.is_complete:
        CallTask.objects.filter(pk=task.pk).update(
            status=CallTask.Status.DONE, done_at=call.ended_at, result=f"{outcome.name}. {notes}"
        )
    campaigns.after_wrap_up(call=call, outcome=outcome, now=call.ended_at)
