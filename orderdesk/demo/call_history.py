"""The demo's calls: one per order, plus reference, feedback, debt, transfer and outbound calls.

Events carry the same data keys the creators in ``calls/events.py`` write, so the logs
read demo calls like real ones. Ids are not known while planning: a value in ``data`` may be
a model instance or a zero-argument callable, resolved by ``resolve_event_data`` at save time.
"""

from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone

from calls.models import Call, CallEvent, CallTask, Feedback, OutcomeCode, Purpose, Transfer
from calls.routing import RouteRule
from orderdesk.demo import people_data as people
from orderdesk.models import Department
from orders.models import Order

Kind = CallEvent.Kind
Step = tuple[str, dict]


def resolve_event_data(value):
    """Model instances become their pk, callables their result, recursively in lists/dicts."""
    if isinstance(value, dict):
        return {k: resolve_event_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_event_data(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    if callable(value):
        return resolve_event_data(value())
    return value


class CallHistory:
    """Plans calls and what hangs off them; ``builder`` supplies rng, calendar and staff."""

    def __init__(self, builder):
        self.b = builder
        self.rng = builder.rng
        self.today = builder.today
        self.calls: list[Call] = []
        self.events: list[CallEvent] = []
        self.transfers: list[Transfer] = []
        self.feedback: list[tuple[Feedback, list[Department]]] = []
        self.tasks: list[CallTask] = []

    # ------------------------------------------------------------------ building blocks
    def call(
        self,
        plan,
        *,
        started_at: datetime,
        seconds: int,
        operator,
        purpose: str,
        outcome: str,
        steps: list[Step],
        phone: str | None = None,
        direction: str = Call.Direction.INBOUND,
        notes: str = "",
        callback_at: datetime | None = None,
    ) -> Call:
        """A closed call with its events spread evenly over its duration."""
        call = Call(
            direction=direction,
            phone=phone or self.rng.choice(plan.phones).number.as_e164,
            client=plan.client if plan else None,
            operator=operator,
            status=Call.Status.CLOSED,
            started_at=started_at,
            ended_at=started_at + timedelta(seconds=seconds),
            purpose=purpose,
            outcome=self.b.outcomes[outcome],
            notes=notes,
        )
        self.calls.append(call)
        steps = [
            (Kind.STARTED, {"phone": call.phone, "direction": direction}),
            *steps,
            (
                Kind.WRAPPED_UP,
                {
                    "outcome": outcome,
                    "duration_seconds": seconds,
                    "callback_at": callback_at.isoformat() if callback_at else None,
                },
            ),
        ]
        for i, (kind, data) in enumerate(steps):
            at = started_at + timedelta(seconds=seconds * i // (len(steps) - 1))
            self.events.append(CallEvent(call=call, at=at, by=operator, kind=kind, data=data))
        return call

    @staticmethod
    def identified(plan) -> Step:
        if plan is None:
            return Kind.IDENTIFIED, {"known": False, "client_id": None, "client": None}
        client = plan.client
        return Kind.IDENTIFIED, {"known": True, "client_id": client, "client": client.name}

    @staticmethod
    def purpose(purpose: str) -> Step:
        return Kind.PURPOSE, {"purpose": purpose}

    def transfer_steps(self, transfer: Transfer) -> list[Step]:
        routed = {"rule": transfer.rule, "reason": transfer.reason, "target_id": transfer.to_user}
        moved = {"transfer_id": transfer, "rule": transfer.rule, "reason": transfer.reason}
        return [(Kind.ROUTED, routed), (Kind.TRANSFERRED, moved)]

    def transfer(self, to_user, rule: str, reason: str) -> Transfer:
        """A transfer not yet tied to its call (``attach_transfer`` does that)."""
        spec = self.b.staff[to_user.username]
        transfer = Transfer(
            to_user=to_user,
            to_department=self.b.departments.get(spec.department),
            rule=rule,
            reason=reason,
        )
        self.transfers.append(transfer)
        return transfer

    def attach_transfer(self, transfer: Transfer, call: Call, *, open_days: int = 2) -> None:
        transfer.call = call
        transfer.created_at = call.started_at + timedelta(seconds=60)
        transfer.created_by = call.operator
        if (self.today - timezone.localdate(call.started_at)).days > open_days:
            transfer.handled_at = call.ended_at + timedelta(hours=self.rng.randint(1, 20))

    def route_to_manager(self, plan, day: date, *, debt: bool):
        """Who took a transfer on ``day``: the manager if present, else the fallback."""
        if not self.b.away(plan.manager, day):
            rule = RouteRule.DEBT_MANAGER if debt else RouteRule.KEY_MANAGER
            return self.b.users[plan.manager], rule
        if debt:
            return self.b.users["finance"], RouteRule.DEBT_FINANCE
        return self.b.users["manager3"], RouteRule.KEY_FALLBACK_KAM

    # ------------------------------------------------------------------ kinds of calls
    def order_call(self, plan, order: Order, operator) -> Call:
        seconds = self.rng.randint(150, 600)
        return self.call(
            plan,
            started_at=order.accepted_at - timedelta(seconds=seconds - 40),
            seconds=seconds,
            operator=operator,
            purpose=Purpose.ORDER,
            outcome=OutcomeCode.ORDER_TAKEN,
            steps=[
                self.identified(plan),
                self.purpose(Purpose.ORDER),
                (Kind.DEBT_CHECKED, {"blocked": False}),
                (
                    Kind.ORDER_ACCEPTED,
                    # the number exists once the order is saved: resolved then
                    {"order": order, "number": lambda: order.number, "total": str(order.total)},
                ),
            ],
        )

    def plan_side_calls(self, plans) -> None:
        rng = self.rng
        for plan in plans:
            if plan.is_new:
                self.new_client_call(plan)
                continue
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                self.reference_call(plan)
            if plan.orders and rng.random() < 0.12:
                self.feedback_call(plan)
            if plan.overdue or plan.over_limit:
                for _ in range(rng.randint(1, 2)):
                    self.debt_call(plan)
            if plan.type_code == "key":
                for _ in range(rng.randint(0, 2)):
                    self.key_transfer_call(plan)
            if plan.asleep and rng.random() < 0.6:
                self.asleep_call(plan)
        for _ in range(10):
            self.unknown_caller_call()
        self.instructed_tasks([p for p in plans if p.type_code == "key" and p.orders])

    def reference_call(self, plan) -> None:
        day = self.b.random_working_day(days_back_from=180, days_back_to=1)
        topic = self.rng.choice(people.REFERENCE_NOTES)
        steps = [
            self.identified(plan),
            self.purpose(Purpose.REFERENCE),
            (Kind.REFERENCE, {"topic": topic, "details": {}}),
        ]
        if self.rng.random() < 0.3:
            email = plan.client.email or "zakaz@example.com"
            steps.append((Kind.PRICE_LIST_SENT, {"email": email, "format": "pdf"}))
        self.call(
            plan,
            started_at=self.b.moment(day),
            seconds=self.rng.randint(60, 300),
            operator=self.b.operator_on(day),
            purpose=Purpose.REFERENCE,
            outcome=OutcomeCode.INFORMATION_GIVEN,
            steps=steps,
            notes=topic,
        )

    def feedback_call(self, plan) -> None:
        rng = self.rng
        delivered = [o for o in plan.orders if o.status == Order.Status.DELIVERED]
        order = rng.choice(delivered) if delivered else None
        day = order.delivery_date if order else self.today - timedelta(days=rng.randint(1, 90))
        day = self.b.working_day_on_or_before(min(day, self.today - timedelta(days=1)))
        kind, text = rng.choice(people.FEEDBACK_TEXTS)
        operator = self.b.operator_on(day)
        departments = [self.b.departments[Department.Kind.SUPPORT]]
        if kind != Feedback.Kind.COMMENT:
            departments.append(plan.client.client_type.department)
        feedback = Feedback(
            client=plan.client,
            order=order if kind == Feedback.Kind.COMPLAINT else None,
            kind=kind,
            text=text,
            created_by=operator,
        )
        call = self.call(
            plan,
            started_at=self.b.moment(day),
            seconds=rng.randint(120, 420),
            operator=operator,
            purpose=Purpose.FEEDBACK,
            outcome=OutcomeCode.COMPLAINT_RECORDED,
            steps=[
                self.identified(plan),
                self.purpose(Purpose.FEEDBACK),
                (
                    Kind.FEEDBACK,
                    {"feedback_id": feedback, "feedback_kind": kind, "departments": departments},
                ),
            ],
        )
        feedback.call = call
        feedback.created_at = call.ended_at
        if (self.today - day).days > 5:
            feedback.handled_at = call.ended_at + timedelta(days=rng.randint(1, 3))
            feedback.handled_by = self.b.users["head_support"]
        self.feedback.append((feedback, departments))

    def debt_call(self, plan) -> None:
        day = self.b.random_working_day(days_back_from=4, days_back_to=1)
        to_user, rule = self.route_to_manager(plan, day, debt=True)
        what = "просроченная задолженность" if plan.overdue else "превышен кредитный лимит"
        transfer = self.transfer(to_user, rule, f"Заказ заблокирован: {what}.")
        call = self.call(
            plan,
            started_at=self.b.moment(day),
            seconds=self.rng.randint(90, 240),
            operator=self.b.operator_on(day),
            purpose=Purpose.ORDER,
            outcome=OutcomeCode.DEBT_BLOCKED,
            steps=[
                self.identified(plan),
                self.purpose(Purpose.ORDER),
                (Kind.DEBT_CHECKED, {"blocked": True}),
                *self.transfer_steps(transfer),
            ],
        )
        self.attach_transfer(transfer, call)

    def key_transfer_call(self, plan) -> None:
        day = self.b.random_working_day(days_back_from=60, days_back_to=1)
        to_user, rule = self.route_to_manager(plan, day, debt=False)
        transfer = self.transfer(to_user, rule, "Ключевой клиент: переведён к менеджеру.")
        call = self.call(
            plan,
            started_at=self.b.moment(day),
            seconds=self.rng.randint(40, 120),
            operator=self.b.operator_on(day),
            purpose=Purpose.OTHER,
            outcome=OutcomeCode.TRANSFERRED,
            steps=[
                self.identified(plan),
                self.purpose(Purpose.OTHER),
                *self.transfer_steps(transfer),
            ],
            notes="Хотят обсудить условия поставки на следующий месяц.",
        )
        self.attach_transfer(transfer, call)

    def new_client_call(self, plan) -> None:
        """The first call of a new client: registered, then sent to the head of its department."""
        rng = self.rng
        day = self.b.random_working_day(days_back_from=20, days_back_to=1)
        operator = self.b.operator_on(day)
        client = plan.client
        head = client.client_type.department.head
        transfer = self.transfer(
            head, RouteRule.NEW_CLIENT_HEAD, "Новый клиент: нужно назначить менеджера."
        )
        call = self.call(
            plan,
            started_at=self.b.moment(day),
            seconds=rng.randint(180, 480),
            operator=operator,
            purpose=Purpose.ORDER,
            outcome=OutcomeCode.TRANSFERRED,
            steps=[
                self.identified(None),
                (
                    Kind.CLIENT_CREATED,
                    {
                        "client_id": client,
                        "client": client.name,
                        "client_type": client.client_type.code,
                    },
                ),
                self.purpose(Purpose.ORDER),
                *self.transfer_steps(transfer),
            ],
            notes="Новый клиент, хочет начать закупки.",
        )
        client.created_at = call.started_at
        self.attach_transfer(transfer, call, open_days=7)
        self.tasks.append(
            CallTask(
                kind=CallTask.Kind.ASSIGN_MANAGER,
                client=client,
                assigned_to=head,
                created_by=operator,
                instructions="Назначьте менеджера новому клиенту.",
                status=CallTask.Status.OPEN,
                call=call,
                created_at=call.ended_at,
            )
        )

    def asleep_call(self, plan) -> None:
        """An operator rang an asleep client from a task; no answer or "call back later"."""
        rng = self.rng
        day = self.b.random_working_day(days_back_from=14, days_back_to=1)
        operator = self.b.operator_on(day)
        outcome = rng.choice(["no_answer", "call_back"])
        callback_at = None
        if outcome == "call_back":
            callback_day = self.today + timedelta(days=rng.randint(0, 3))
            callback_at = timezone.make_aware(datetime.combine(callback_day, time(14)))
        call = self.call(
            plan,
            started_at=self.b.moment(day),
            seconds=rng.randint(20, 180),
            operator=operator,
            purpose=Purpose.OTHER,
            outcome=outcome,
            direction=Call.Direction.OUTBOUND,
            steps=[self.identified(plan)],
            notes="Давно не заказывали — предложили новинки и акции.",
            callback_at=callback_at,
        )
        self.tasks.append(
            CallTask(
                kind=CallTask.Kind.ASLEEP,
                client=plan.client,
                assigned_to=operator,
                created_by=plan.client.client_type.department.head,
                instructions="Клиент давно не заказывал: узнайте причину, предложите акции.",
                status=CallTask.Status.DONE,
                result="Не дозвонились." if callback_at is None else "Просили перезвонить.",
                call=call,
                created_at=call.started_at - timedelta(days=1),
                done_at=call.ended_at,
            )
        )
        if callback_at is not None:
            self.tasks.append(
                CallTask(
                    kind=CallTask.Kind.CALL_BACK,
                    client=plan.client,
                    assigned_to=operator,
                    created_by=operator,
                    instructions="Перезвонить закупщику после 14:00.",
                    due_at=callback_at,
                    status=CallTask.Status.OPEN,
                    call=call,
                    created_at=call.ended_at,
                )
            )

    def unknown_caller_call(self) -> None:
        day = self.b.random_working_day(days_back_from=30, days_back_to=1)
        topic = "Спрашивали, работаем ли с физическими лицами."
        self.call(
            None,
            phone=self.b.phone("Москва", mobile=True),
            started_at=self.b.moment(day),
            seconds=self.rng.randint(40, 200),
            operator=self.b.operator_on(day),
            purpose=Purpose.REFERENCE,
            outcome=OutcomeCode.INFORMATION_GIVEN,
            steps=[
                self.identified(None),
                self.purpose(Purpose.REFERENCE),
                (Kind.REFERENCE, {"topic": topic, "details": {}}),
            ],
            notes=topic,
        )

    def instructed_tasks(self, key_plans) -> None:
        """The head of wholesale asked for a delivery survey of eight key clients."""
        rng = self.rng
        created_at = timezone.make_aware(
            datetime.combine(self.today - timedelta(days=6), time(9, 30))
        )
        due_at = timezone.make_aware(datetime.combine(self.today + timedelta(days=3), time(18)))
        for i, plan in enumerate(rng.sample(key_plans, min(8, len(key_plans)))):
            operator = self.b.users[rng.choice(["operator", "operator2"])]
            task = CallTask(
                kind=CallTask.Kind.INSTRUCTED,
                client=plan.client,
                assigned_to=operator,
                created_by=self.b.users["head"],
                instructions="Опрос: довольны ли качеством доставки за последний месяц (1–5)?",
                due_at=due_at,
                created_at=created_at,
            )
            if i < 5:
                day = self.b.random_working_day(days_back_from=5, days_back_to=1)
                task.call = self.call(
                    plan,
                    started_at=self.b.moment(day),
                    seconds=rng.randint(60, 200),
                    operator=operator,
                    purpose=Purpose.OTHER,
                    outcome=OutcomeCode.INFORMATION_GIVEN,
                    direction=Call.Direction.OUTBOUND,
                    steps=[self.identified(plan)],
                )
                task.status = CallTask.Status.DONE
                task.result = f"Оценка {rng.choice([3, 4, 4, 5, 5])}; замечаний нет."
                task.done_at = task.call.ended_at
            self.tasks.append(task)

    # ------------------------------------------------------------------ writing
    def save(self) -> None:
        """Write calls first; the rest after orders exist (events refer to them)."""
        self.calls.sort(key=lambda c: c.started_at)
        Call.objects.bulk_create(self.calls, batch_size=1000)

    def save_dependents(self) -> None:
        Transfer.objects.bulk_create(self.transfers)
        Feedback.objects.bulk_create([f for f, _ in self.feedback])
        Through = Feedback.departments.through
        Through.objects.bulk_create(
            [
                Through(feedback_id=f.pk, department_id=d.pk)
                for f, departments in self.feedback
                for d in departments
            ]
        )
        CallTask.objects.bulk_create(self.tasks)
        for event in self.events:
            event.data = resolve_event_data(event.data)
        CallEvent.objects.bulk_create(self.events, batch_size=2000)
