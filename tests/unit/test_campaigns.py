"""calls.campaigns: who may direct outbound work, the tasks it makes, working and re-queueing
them, progress, the asleep sweep and the head's results."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from calls import campaigns
from calls.models import Call, CallTask, Campaign
from calls.selectors import due_tasks_for
from calls.services import start_task_call, wrap_up
from orderdesk.models import Department
from orderdesk.roles import Role
from orders.models import Order
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    DepartmentFactory,
    OrderFactory,
    UserFactory,
    make_staff,
    next_mobile,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    head = make_staff(role=Role.HEAD, last_name="Главный")
    wholesale = DepartmentFactory(name="Опт", kind=Department.Kind.WHOLESALE, head=head)
    other_head = make_staff(role=Role.HEAD, last_name="Другой")
    retail = DepartmentFactory(name="Розница", kind=Department.Kind.RETAIL, head=other_head)
    finance_head = make_staff(role=Role.HEAD, last_name="Финансов")
    DepartmentFactory(name="Финансы", kind=Department.Kind.FINANCE, head=finance_head)
    wtype = ClientTypeFactory(code="shop", department=wholesale, asleep_after_days=30)
    rtype = ClientTypeFactory(code="kiosk", department=retail, asleep_after_days=30)
    return {
        "head": head,
        "other_head": other_head,
        "finance_head": finance_head,
        "wholesale": wholesale,
        "retail": retail,
        "wtype": wtype,
        "rtype": rtype,
    }


@pytest.fixture
def operator():
    return make_staff(role=Role.OPERATOR, last_name="Операторова")


def shop(org, **kwargs):
    kwargs.setdefault("phone", next_mobile())
    return ClientFactory(client_type=org["wtype"], **kwargs)


def make(org, clients, **kwargs):
    kwargs.setdefault("by", org["head"])
    kwargs.setdefault("name", "Обзвон")
    kwargs.setdefault("instructions", "Спросите про новинки")
    return campaigns.create_campaign(clients=clients, **kwargs)


# --- creating ------------------------------------------------------------------------------


def test_a_head_creates_one_open_task_per_client(org):
    clients = [shop(org) for _ in range(3)]
    due = timezone.now() + timedelta(days=3)
    campaign = make(org, clients, due_at=due)
    tasks = list(campaign.tasks.order_by("client_id"))
    assert [t.client_id for t in tasks] == sorted(c.pk for c in clients)
    assert {t.kind for t in tasks} == {CallTask.Kind.INSTRUCTED}
    assert {t.status for t in tasks} == {CallTask.Status.OPEN}
    assert {t.due_at for t in tasks} == {due}
    assert campaign.department == org["wholesale"]
    assert campaign.created_by == org["head"]


def test_a_client_twice_in_the_list_is_one_task(org):
    one, two = shop(org), shop(org)
    campaign = make(org, [one, two, one, one])
    assert campaign.tasks.count() == 2


def test_a_queryset_of_clients_is_taken_as_is(org):
    for _ in range(4):
        shop(org)
    from clients.models import Client

    campaign = make(org, Client.objects.filter(client_type=org["wtype"]))
    assert campaign.tasks.count() == 4


@pytest.mark.parametrize("who", ["operator", "manager", "finance_head", "anonymous_head"])
def test_only_heads_of_sales_departments_and_admins_create_campaigns(org, who):
    client = shop(org)
    user = {
        "operator": lambda: make_staff(role=Role.OPERATOR),
        "manager": lambda: make_staff(role=Role.MANAGER),
        "finance_head": lambda: org["finance_head"],
        "anonymous_head": lambda: make_staff(role=Role.HEAD),  # in the group, heads nothing
    }[who]()
    with pytest.raises(PermissionDenied):
        make(org, [client], by=user)
    assert not Campaign.objects.exists() and not CallTask.objects.exists()


def test_an_admin_creates_a_campaign_for_any_department(org):
    admin = UserFactory(role=Role.ADMIN)
    campaign = make(org, [shop(org), ClientFactory(client_type=org["rtype"])], by=admin)
    assert campaign.tasks.count() == 2


def test_a_head_cannot_send_calls_to_another_departments_clients(org):
    theirs = ClientFactory(client_type=org["rtype"])
    with pytest.raises(ValidationError) as error:
        make(org, [shop(org), theirs])
    assert "clients" in error.value.message_dict
    assert not CallTask.objects.exists()


@pytest.mark.parametrize("name, clients_", [("", "one"), ("Обзвон", "none")])
def test_a_campaign_needs_a_name_and_clients(org, name, clients_):
    clients = [shop(org)] if clients_ == "one" else []
    with pytest.raises(ValidationError):
        make(org, clients, name=name)
    assert not Campaign.objects.exists()


def test_only_desk_operators_may_be_named(org):
    with pytest.raises(ValidationError):
        make(org, [shop(org)], operators=[make_staff(role=Role.MANAGER)])


# --- working the tasks --------------------------------------------------------------------


def test_console_order_callbacks_due_then_instructed_by_due_date_then_sweep(org, operator):
    now = timezone.now()
    sweep = make(org, [shop(org)], kind=Campaign.Kind.SWEEP)
    late = make(org, [shop(org)], due_at=now + timedelta(days=5))
    soon = make(org, [shop(org)], due_at=now + timedelta(days=1))
    callback = CallTask.objects.create(
        kind=CallTask.Kind.CALL_BACK,
        client=shop(org),
        assigned_to=operator,
        due_at=now - timedelta(minutes=5),
    )
    tasks = due_tasks_for(operator)
    assert [t.pk for t in tasks] == [
        callback.pk,
        soon.tasks.get().pk,
        late.tasks.get().pk,
        sweep.tasks.get().pk,
    ]
    assert sweep.tasks.get().kind == CallTask.Kind.ASLEEP


def test_operators_see_only_the_campaigns_they_work(org, operator):
    other = make_staff(role=Role.OPERATOR)
    named = make(org, [shop(org)], operators=[other])
    desk = make(org, [shop(org)])
    assert [t.campaign_id for t in due_tasks_for(operator)] == [desk.pk]
    assert {t.campaign_id for t in due_tasks_for(other)} == {named.pk, desk.pk}
    assert due_tasks_for(make_staff(role=Role.MANAGER)) == []


def test_next_task_dials_the_first_task_and_nobody_else_gets_it_meanwhile(org, operator):
    campaign = make(org, [shop(org)])
    call = campaigns.next_task(operator)
    task = campaign.tasks.get()
    assert call.task == task and call.direction == Call.Direction.OUTBOUND
    assert call.client == task.client
    other = make_staff(role=Role.OPERATOR)
    assert due_tasks_for(other) == []
    assert campaigns.next_task(other) is None


def test_a_task_without_a_number_is_closed_as_unreachable(org, operator):
    campaign = make(org, [ClientFactory(client_type=org["wtype"])])
    assert campaigns.next_task(operator) is None
    assert campaign.tasks.get().status == CallTask.Status.UNREACHABLE


def _work(task, operator, outcome, **kwargs):
    call = start_task_call(task=task, operator=operator)
    return wrap_up(
        call=call, outcome_code=outcome, notes=kwargs.pop("notes", ""), by=operator, **kwargs
    )


def test_no_answer_puts_the_task_back_and_the_third_closes_it_unreachable(org, operator):
    campaign = make(org, [shop(org)])
    task = campaign.tasks.get()
    _work(task, operator, "no_answer")
    task.refresh_from_db()
    assert task.status == CallTask.Status.OPEN and task.attempts == 1
    assert task.next_attempt_at > timezone.now()
    assert due_tasks_for(operator) == []  # not before its next time
    later = task.next_attempt_at + timedelta(minutes=1)
    assert [t.pk for t in due_tasks_for(operator, now=later)] == [task.pk]
    assert not CallTask.objects.filter(kind=CallTask.Kind.CALL_BACK).exists()
    assert campaigns.campaign_progress(campaign)["call_back"] == 1
    _work(task, operator, "no_answer")
    _work(task, operator, "no_answer")
    task.refresh_from_db()
    assert task.status == CallTask.Status.UNREACHABLE and task.attempts == 3
    progress = campaigns.campaign_progress(campaign)
    assert (progress["open"], progress["unreachable"], progress["total"]) == (0, 1, 1)
    campaign.refresh_from_db()
    assert campaign.completed_at is not None


def test_call_back_later_sets_the_next_time_without_counting_a_failure(org, operator):
    task = make(org, [shop(org)]).tasks.get()
    when = timezone.now() + timedelta(days=1)
    _work(task, operator, "call_back", callback_at=when)
    task.refresh_from_db()
    assert (task.status, task.attempts, task.next_attempt_at) == ("open", 0, when)


def test_a_complete_outcome_closes_the_task_with_its_result(org, operator):
    campaign = make(org, [shop(org), shop(org)])
    task = campaign.tasks.first()
    _work(task, operator, "information_given", notes="Закажут в пятницу")
    task.refresh_from_db()
    assert task.status == CallTask.Status.DONE and "Закажут в пятницу" in task.result
    progress = campaigns.campaign_progress(campaign)
    assert (progress["open"], progress["done"], progress["total"]) == (1, 1, 2)
    assert progress["by_operator"][0]["operator_id"] == operator.pk
    assert progress["by_operator"][0]["done"] == 1
    campaign.refresh_from_db()
    assert campaign.completed_at is None


def test_progress_of_an_empty_start(org):
    progress = campaigns.campaign_progress(make(org, [shop(org)] * 1))
    assert {k: progress[k] for k in ("open", "done", "unreachable", "total")} == {
        "open": 1,
        "done": 0,
        "unreachable": 0,
        "total": 1,
    }


def test_heads_see_only_their_departments_campaigns(org):
    mine = make(org, [shop(org)])
    theirs = make(org, [ClientFactory(client_type=org["rtype"])], by=org["other_head"])
    assert list(campaigns.campaigns_for(org["head"])) == [mine]
    assert set(campaigns.campaigns_for(UserFactory(role=Role.ADMIN))) == {mine, theirs}


# --- the asleep sweep ------------------------------------------------------------------------


def asleep(org, days, *, value=None, **kwargs):
    client = shop(org, manager=make_staff(role=Role.MANAGER), **kwargs)
    client.last_order_at = timezone.now() - timedelta(days=days)
    client.save(update_fields=["last_order_at"])
    if value is not None:
        OrderFactory(
            client=client,
            status=Order.Status.DELIVERED,
            total=Decimal(value),
            accepted_at=client.last_order_at,
        )
    return client


def test_asleep_clients_by_type_threshold_ranked_by_last_year_value(org):
    small = asleep(org, 40, value="1000.00")
    big = asleep(org, 45, value="9000.00")
    asleep(org, 10, value="5000.00")  # awake
    ClientFactory(client_type=org["wtype"])  # new: never ordered
    ClientFactory(client_type=org["rtype"], manager=make_staff(role=Role.MANAGER))
    rows = list(campaigns.asleep_clients(user=org["head"]))
    assert [c.pk for c in rows] == [big.pk, small.pk]
    assert rows[0].value_12m == Decimal("9000.00")


def test_sweep_command_never_duplicates_an_open_task(org):
    org["wtype"].sweep_asleep = True
    org["wtype"].save()
    one, two = asleep(org, 40), asleep(org, 50)
    make(org, [one])  # already has an open instructed task
    call_command("create_asleep_sweep", verbosity=0)
    sweep = Campaign.objects.get(kind=Campaign.Kind.SWEEP)
    assert [t.client_id for t in sweep.tasks.all()] == [two.pk]
    assert sweep.department == org["wholesale"]
    call_command("create_asleep_sweep", verbosity=0)
    assert Campaign.objects.filter(kind=Campaign.Kind.SWEEP).count() == 1


def test_sweep_skips_types_not_marked(org):
    asleep(org, 40)
    assert campaigns.create_asleep_sweep().tasks == 0


# --- results back to the head ----------------------------------------------------------------


def test_the_head_sees_finished_tasks_since_the_last_visit(org, operator):
    campaign = make(org, [shop(org), shop(org)])
    first, second = campaign.tasks.order_by("pk")
    _work(first, operator, "information_given")
    results = campaigns.results_for(org["head"])
    assert [t.pk for t in results.finished] == [first.pk] and results.completed == []
    campaigns.mark_results_seen(user=org["head"])
    assert campaigns.results_for(org["head"]).total == 0
    _work(second, operator, "information_given")
    results = campaigns.results_for(org["head"])
    assert [t.pk for t in results.finished] == [second.pk]
    assert results.completed == [campaign]
    assert campaigns.results_for(org["other_head"]).total == 0
    assert campaigns.results_for(operator).total == 0


def test_results_read_in_four_queries_and_nothing_until_shown(
    org, operator, django_assert_num_queries
):
    from calls.selectors import inbox_for

    campaign = make(org, [shop(org) for _ in range(4)])
    for task in campaign.tasks.all():
        _work(task, operator, "information_given")
    with django_assert_num_queries(4):
        results = campaigns.results_for(org["head"])
        [(t.client.name, t.campaign.name) for t in results.finished]
    assert len(results.finished) == 4 and results.completed == [campaign]
    inbox = inbox_for(org["head"])
    with django_assert_num_queries(4):
        assert inbox.outbound.total == 5
