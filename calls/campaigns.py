"""Outbound work a head directs (SPEC F-OUT-1, F-OUT-2, F-REV-3).

A *campaign* is a list of clients to call with instructions, an optional survey and the
operators who work it (none: the whole desk). Creating it makes one open ``CallTask`` per
distinct client in bulk (kind ``instructed``, or ``asleep`` for an asleep sweep). Operators
take the tasks from the console in this order: call-backs due, instructed calls by due
date, sweep calls. A wrap-up without contact puts the task back (``next_attempt_at``); the
third failed attempt closes it as unreachable. Only heads of a sales department (for their
department) and admins create and see campaigns.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Call, CallTask, Campaign, OutboundSeen, Survey
from calls.outcomes import NEXT_ATTEMPT_AFTER
from clients.models import Client, ClientType
from orderdesk.models import Department
from orderdesk.roles import is_admin

SALES_KINDS = (
    Department.Kind.WHOLESALE,
    Department.Kind.RETAIL,
    Department.Kind.REGIONAL,
    Department.Kind.SUPPORT,
)
OUTBOUND_KINDS = (CallTask.Kind.INSTRUCTED, CallTask.Kind.ASLEEP)
MAX_FAILED_ATTEMPTS = 3
TASKS_ON_CONSOLE = 20
BULK_BATCH = 2000
YEAR = timedelta(days=365)


# --- who may direct outbound work ------------------------------------------------------


def headed_departments(user) -> list[Department]:
    """The sales departments the user heads (a head of finance directs no sales calls)."""
    if not user.is_authenticated:
        return []
    return list(Department.objects.filter(head=user, kind__in=SALES_KINDS).order_by("pk"))


def can_direct(user) -> bool:
    return user.is_authenticated and (is_admin(user) or bool(headed_departments(user)))


def may_open_campaigns(user) -> bool:
    """The header's question, asked of permissions only (no query on every page): those
    who may add call tasks (heads, admins) except finance's people — a head of finance
    holds ``view_all_receivables`` and directs no sales calls (:func:`can_direct` would
    refuse them). The pages themselves still ask :func:`can_direct`."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.has_perm("calls.view_callevent"):  # admins
        return True
    return user.has_perm("calls.add_calltask") and not user.has_perm("clients.view_all_receivables")


def require_director(user) -> list[Department]:
    """The user's headed sales departments; ``PermissionDenied`` unless a head or an admin."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Only a head of a sales department or an admin may do this."))
    departments = headed_departments(user)
    if not departments and not is_admin(user):
        raise PermissionDenied(_("Only a head of a sales department or an admin may do this."))
    return departments


def campaigns_for(user) -> QuerySet:
    """The campaigns the user may see and change: their departments' (admins: all)."""
    if is_admin(user):
        return Campaign.objects.all()
    return Campaign.objects.filter(department__in=headed_departments(user))


def clients_in_scope(user) -> QuerySet:
    """The clients a head may direct calls to: their departments' types (admins: all)."""
    if is_admin(user):
        return Client.objects.all()
    return Client.objects.filter(client_type__department__in=headed_departments(user))


def surveys_for(user) -> QuerySet:
    if is_admin(user):
        return Survey.objects.all()
    return Survey.objects.filter(department__in=headed_departments(user))


# --- creating a campaign -----------------------------------------------------------------


def _distinct_client_ids(clients) -> list[int]:
    if isinstance(clients, QuerySet):
        ids = clients.order_by().values_list("pk", flat=True).distinct()
        return sorted(ids)
    seen: dict[int, None] = {}
    for client in clients:
        pk = client.pk if isinstance(client, Client) else int(client)
        seen.setdefault(pk, None)
    return list(seen)


def create_campaign(
    *,
    by,
    name,
    instructions,
    clients,
    due_at=None,
    survey=None,
    operators=None,
    kind: str = Campaign.Kind.INSTRUCTED,
) -> Campaign:
    """One open call task per distinct client, in bulk; ``PermissionDenied`` unless ``by``
    heads a sales department (then only their clients) or is an admin."""
    departments = require_director(by)
    department = departments[0] if departments else None
    return _create(
        by=by,
        name=name,
        instructions=instructions,
        client_ids=_distinct_client_ids(clients),
        due_at=due_at,
        survey=survey,
        operators=operators,
        kind=kind,
        department=department,
        scope=None if is_admin(by) else clients_in_scope(by),
        surveys=surveys_for(by),
    )


@transaction.atomic
def _create(
    *,
    by,
    name,
    instructions,
    client_ids,
    due_at,
    survey,
    operators,
    kind,
    department,
    scope=None,
    surveys=None,
) -> Campaign:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the campaign a name.")
    if kind not in Campaign.Kind.values:
        errors["kind"] = _("Unknown campaign kind.")
    if not client_ids:
        errors["clients"] = _("The list of clients is empty.")
    elif scope is not None:
        allowed = scope.filter(pk__in=client_ids).count()
        if allowed != len(client_ids):
            errors["clients"] = _("Some of these clients are not of your department.")
    elif Client.objects.filter(pk__in=client_ids).count() != len(client_ids):
        errors["clients"] = _("Some of these clients do not exist.")
    if survey is not None and surveys is not None and not surveys.filter(pk=survey.pk).exists():
        errors["survey"] = _("This survey is not of your department.")
    if due_at is not None and timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    operators = list(operators or [])
    if any(not op.has_perm("calls.use_console") for op in operators):
        errors["operators"] = _("Only operators of the desk can work a campaign.")
    if errors:
        raise ValidationError(errors)

    campaign = Campaign(
        name=name[:200],
        kind=kind,
        instructions=(instructions or "").strip(),
        department=department,
        created_by=by,
        due_at=due_at,
        survey=survey,
    )
    campaign.full_clean()
    campaign.save()
    if operators:
        campaign.operators.set(operators)
    task_kind = CallTask.Kind.ASLEEP if kind == Campaign.Kind.SWEEP else CallTask.Kind.INSTRUCTED
    now = timezone.now()
    CallTask.objects.bulk_create(
        (
            CallTask(
                kind=task_kind,
                client_id=client_id,
                created_by=by,
                due_at=due_at,
                campaign=campaign,
                created_at=now,
            )
            for client_id in client_ids
        ),
        batch_size=BULK_BATCH,
    )
    return campaign


@transaction.atomic
def stop_campaign(*, campaign: Campaign, by) -> int:
    """Cancel the campaign's open tasks (its head or an admin); returns how many. A task
    an operator is on right now is left to finish."""
    require_director(by)
    if not campaigns_for(by).filter(pk=campaign.pk).exists():
        raise PermissionDenied(_("This campaign is not of your department."))
    now = timezone.now()
    # Campaign tasks are no call-backs: no operator criterion changes (calls.rollup).
    in_call = Call.objects.filter(task=OuterRef("pk"), status=Call.Status.OPEN)
    stopped = (
        CallTask.objects.filter(campaign=campaign, status=CallTask.Status.OPEN)
        .exclude(Exists(in_call))
        .update(
            status=CallTask.Status.CANCELLED,
            done_at=now,
            next_attempt_at=None,
            result=_("Campaign stopped by %(who)s.")
            % {"who": by.get_full_name() or by.get_username()},
        )
    )
    complete_if_finished(campaign.pk, now=now)
    return stopped


# --- progress and results ----------------------------------------------------------------


def campaign_progress(campaign: Campaign) -> dict:
    """Counts of the campaign's tasks (two queries): ``open`` (``call_back`` of them wait
    for a retry or a booked call-back), ``done``, ``unreachable``, ``cancelled``, ``total``,
    ``percent`` closed, and per operator the calls made, contacts and tasks closed."""
    status = CallTask.Status
    counts = CallTask.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=status.OPEN)),
        call_back=Count("pk", filter=Q(status=status.OPEN, next_attempt_at__isnull=False)),
        done=Count("pk", filter=Q(status=status.DONE)),
        unreachable=Count("pk", filter=Q(status=status.UNREACHABLE)),
        cancelled=Count("pk", filter=Q(status=status.CANCELLED)),
    )
    closed = counts["total"] - counts["open"]
    counts["percent"] = round(100 * closed / counts["total"]) if counts["total"] else 0
    rows = (
        Call.objects.filter(task__campaign=campaign)
        .values("operator", "operator__first_name", "operator__last_name", "operator__username")
        .annotate(
            calls=Count("pk"),
            contacts=Count("pk", filter=Q(outcome__contact_made=True)),
            closed=Count("pk", filter=Q(outcome__is_complete=True)),
        )
        .order_by("operator__last_name", "operator__first_name", "operator")
    )
    counts["by_operator"] = [
        {
            "operator_id": row["operator"],
            "operator": " ".join(
                part for part in (row["operator__first_name"], row["operator__last_name"]) if part
            )
            or row["operator__username"],
            "calls": row["calls"],
            "contacts": row["contacts"],
            "done": row["closed"],
        }
        for row in rows
    ]
    return counts


def campaigns_with_progress(user, *, limit: int = 100) -> list[Campaign]:
    """The user's campaigns, running first, each with ``progress`` counts (one query)."""
    status = CallTask.Status
    rows = (
        campaigns_for(user)
        .select_related("created_by", "survey", "department")
        .annotate(
            n_total=Count("tasks"),
            n_open=Count("tasks", filter=Q(tasks__status=status.OPEN)),
            n_call_back=Count(
                "tasks", filter=Q(tasks__status=status.OPEN, tasks__next_attempt_at__isnull=False)
            ),
            n_done=Count("tasks", filter=Q(tasks__status=status.DONE)),
            n_unreachable=Count("tasks", filter=Q(tasks__status=status.UNREACHABLE)),
        )
        .order_by(F("completed_at").desc(nulls_first=True), "-created_at", "-id")[:limit]
    )
    result = list(rows)
    for campaign in result:
        campaign.progress = {
            "total": campaign.n_total,
            "open": campaign.n_open,
            "call_back": campaign.n_call_back,
            "done": campaign.n_done,
            "unreachable": campaign.n_unreachable,
        }
    return result


def campaign_tasks(campaign: Campaign) -> QuerySet:
    """Every task with what came of it: client, the last call's operator and outcome, the
    order taken and the survey answers (prefetched: a fixed number of queries)."""
    from django.db.models import Prefetch

    from orders.models import Order

    calls = (
        Call.objects.select_related("operator", "outcome", "survey_response")
        .prefetch_related(
            Prefetch(
                "orders",
                queryset=Order.objects.exclude(status=Order.Status.DRAFT).order_by("pk"),
            ),
            "survey_response__answers__question",
            "survey_response__answers__choice",
        )
        .order_by("-started_at", "-id")
    )
    return (
        CallTask.objects.filter(campaign=campaign)
        .select_related("client__client_type", "assigned_to")
        .prefetch_related(Prefetch("calls", queryset=calls))
        .order_by(
            Case(When(status=CallTask.Status.OPEN, then=Value(1)), default=Value(0)),
            "-done_at",
            "client__name",
            "pk",
        )
    )


# --- the operator side -------------------------------------------------------------------


def _pool_q(operator) -> Q:
    """Campaign tasks nobody holds that ``operator`` may work: the campaign's operators, or
    the whole desk when it names none."""
    through = Campaign.operators.through
    named = through.objects.filter(campaign_id=OuterRef("campaign_id"))
    mine = named.filter(user_id=operator.pk)
    return Q(assigned_to__isnull=True, campaign__isnull=False) & (~Exists(named) | Exists(mine))


def workable_tasks(operator) -> QuerySet:
    """Open call tasks the operator may work: their own, and pooled campaign tasks."""
    if not operator.has_perm("calls.use_console"):
        return CallTask.objects.none()
    return CallTask.objects.filter(status=CallTask.Status.OPEN).filter(
        Q(assigned_to=operator) | _pool_q(operator)
    )


def console_tasks(operator, *, now=None, limit: int = TASKS_ON_CONSOLE) -> list[CallTask]:
    """The operator's task list: call-backs due, then instructed calls by due date, then
    sweep calls; a task put back after a no-answer waits for its next time, and a task
    another operator is on now is left out."""
    now = now or timezone.now()
    end_of_day = timezone.make_aware(datetime.combine(timezone.localdate(now), time.max))
    busy = Call.objects.filter(task=OuterRef("pk"), status=Call.Status.OPEN).exclude(
        operator=operator
    )
    kinds = [CallTask.Kind.CALL_BACK, *OUTBOUND_KINDS]
    return list(
        workable_tasks(operator)
        .filter(kind__in=kinds)
        .filter(
            Q(campaign__isnull=True, next_attempt_at__isnull=True)
            & (Q(due_at__isnull=True) | Q(due_at__lte=end_of_day))
            | Q(campaign__isnull=False, next_attempt_at__isnull=True)
            | Q(next_attempt_at__lte=now)
        )
        .exclude(Exists(busy))
        .annotate(
            rank=Case(
                When(Q(kind=CallTask.Kind.CALL_BACK) | Q(next_attempt_at__isnull=False), then=0),
                When(kind=CallTask.Kind.INSTRUCTED, then=1),
                default=2,
                output_field=IntegerField(),
            ),
            when=Coalesce("next_attempt_at", "due_at"),
        )
        .select_related("client", "campaign")
        .prefetch_related("client__phones")
        .order_by("rank", "when", "id")[:limit]
    )


def next_task(operator):
    """Dial the first task of the operator's list: the outbound call (``None`` when there
    is nothing to do). A task whose client has no number is closed as unreachable."""
    from calls import services
    from calls.errors import CallError

    for task in console_tasks(operator, limit=5):
        with transaction.atomic():
            locked = (
                CallTask.objects.select_for_update(skip_locked=True)
                .filter(pk=task.pk, status=CallTask.Status.OPEN)
                .first()
            )
            if locked is None:
                continue
            taken = Call.objects.filter(task=locked, status=Call.Status.OPEN).exclude(
                operator=operator
            )
            if taken.exists():  # another operator dialled it a moment ago
                continue
            try:
                return services.start_task_call(task=locked, operator=operator)
            except CallError as error:
                _close(locked, status=CallTask.Status.UNREACHABLE, result=error.message)
    return None


def instructions_for(call: Call) -> dict | None:
    """What the operator sees on an outbound call of a campaign: instructions, survey."""
    task = call.task if call.task_id else None
    if task is None or task.campaign_id is None:
        return None
    campaign = task.campaign
    return {
        "task": task,
        "campaign": campaign,
        "instructions": campaign.instructions or task.instructions,
        "survey": campaign.survey,
        "answered": campaign.survey_id is not None
        and hasattr(call, "survey_response")
        and call.survey_response is not None,
    }


def survey_of(call: Call) -> Survey | None:
    task = call.task if call.task_id else None
    return task.campaign.survey if task is not None and task.campaign_id else None


# --- wrap-up hooks (called from calls.services.wrap_up) ------------------------------------


def requeues(call: Call) -> bool:
    """True when the call works an outbound task: a call-back puts that task back instead
    of booking a separate call-back task."""
    return bool(call.task_id) and call.task.kind in OUTBOUND_KINDS


def _close(task: CallTask, *, status: str, result: str, now=None) -> None:
    task.status = status
    task.done_at = now or timezone.now()
    task.result = result
    task.next_attempt_at = None
    task.save(update_fields=["status", "done_at", "result", "next_attempt_at", "attempts"])


def after_wrap_up(*, call: Call, outcome, callback_at=None, now=None) -> None:
    """Put an outbound task back or close it after its call: no contact counts a failed
    attempt (the third closes it as unreachable), a call-back later sets its next time; a
    campaign with no open task left is completed."""
    if not call.task_id:
        return
    now = now or timezone.now()
    task = CallTask.objects.select_for_update().get(pk=call.task_id)
    if task.status == CallTask.Status.OPEN and task.kind in OUTBOUND_KINDS:
        if outcome.needs_callback:
            if not outcome.contact_made:
                task.attempts += 1
            if task.attempts >= MAX_FAILED_ATTEMPTS:
                _close(
                    task,
                    status=CallTask.Status.UNREACHABLE,
                    result=_("Unreachable after %(n)s attempts. %(notes)s")
                    % {"n": task.attempts, "notes": call.notes},
                    now=now,
                )
            else:
                task.next_attempt_at = callback_at or now + NEXT_ATTEMPT_AFTER
                task.result = f"{outcome.name}. {call.notes}".strip()
                task.save(update_fields=["attempts", "next_attempt_at", "result"])
        elif outcome.is_complete:
            task.next_attempt_at = None
            task.save(update_fields=["next_attempt_at"])
    if task.campaign_id:
        complete_if_finished(task.campaign_id, now=now)


def complete_if_finished(campaign_id: int, *, now=None) -> bool:
    """Mark the campaign completed once none of its tasks is open."""
    if CallTask.objects.filter(campaign_id=campaign_id, status=CallTask.Status.OPEN).exists():
        return False
    return bool(
        Campaign.objects.filter(pk=campaign_id, completed_at__isnull=True).update(
            completed_at=now or timezone.now()
        )
    )


# --- the asleep sweep (F-OUT-1) ------------------------------------------------------------


def _asleep_q(types, *, now) -> Q:
    condition = Q(pk__in=[])
    for client_type in types:
        cutoff = now - timedelta(days=client_type.asleep_after_days)
        condition |= Q(client_type=client_type, last_order_at__lt=cutoff)
    return condition


def asleep_clients(*, user=None, types=None, now=None) -> QuerySet:
    """Asleep clients (a manager, ordered before, nothing within their type's threshold) of
    the user's departments, ranked by what they ordered in the last 12 months; each with
    ``value_12m`` and ``open_tasks`` (open wake-up or instructed calls)."""
    from orders.models import Order

    now = now or timezone.now()
    clients = clients_in_scope(user) if user is not None else Client.objects.all()
    if types is None:
        types = ClientType.objects.all()
    ordered = (Order.Status.ACCEPTED, Order.Status.IN_FULFILMENT, Order.Status.DELIVERED)
    open_task = CallTask.objects.filter(
        client=OuterRef("pk"), status=CallTask.Status.OPEN, kind__in=OUTBOUND_KINDS
    )
    return (
        clients.filter(manager__isnull=False, last_order_at__isnull=False)
        .filter(_asleep_q(list(types), now=now))
        .annotate(
            value_12m=Coalesce(
                Sum(
                    "orders__total",
                    filter=Q(orders__status__in=ordered, orders__accepted_at__gte=now - YEAR),
                ),
                Value(0),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            has_open_task=Exists(open_task),
        )
        .select_related("client_type", "manager")
        .order_by("-value_12m", "last_order_at", "pk")
    )


def days_since(moment, *, now=None) -> int | None:
    if moment is None:
        return None
    return ((now or timezone.now()) - moment).days


@dataclass(frozen=True)
class SweepRun:
    campaigns: list[Campaign]
    tasks: int


def create_asleep_sweep(*, now=None) -> SweepRun:
    """The nightly sweep: for each type marked ``sweep_asleep``, a wake-up task for every
    asleep client who has no open outbound task and was not swept since their last order;
    one sweep campaign per department. Running it twice creates nothing the second time."""
    now = now or timezone.now()
    types = list(ClientType.objects.filter(sweep_asleep=True).select_related("department"))
    swept_since_order = CallTask.objects.filter(
        client=OuterRef("pk"), kind=CallTask.Kind.ASLEEP, created_at__gte=OuterRef("last_order_at")
    )
    by_department: dict[int | None, list[int]] = {}
    for client_type in types:
        ids = (
            asleep_clients(types=[client_type], now=now)
            .filter(has_open_task=False)
            .exclude(Exists(swept_since_order))
            .values_list("pk", flat=True)
        )
        by_department.setdefault(client_type.department_id, []).extend(ids)
    campaigns, total = [], 0
    for department_id, ids in by_department.items():
        if not ids:
            continue
        department = Department.objects.filter(pk=department_id).first()
        campaign = _create(
            by=department.head if department else None,
            name=_("Asleep sweep %(date)s") % {"date": timezone.localdate(now).isoformat()},
            instructions=_(
                "The client has not ordered for a long time: ask why, offer what they used "
                "to buy and this week's promotions."
            ),
            client_ids=sorted(set(ids)),
            due_at=None,
            survey=None,
            operators=None,
            kind=Campaign.Kind.SWEEP,
            department=department,
        )
        campaigns.append(campaign)
        total += len(set(ids))
    return SweepRun(campaigns=campaigns, tasks=total)


# --- the head's inbox (F-REV-3) --------------------------------------------------------------


@dataclass(frozen=True)
class OutboundResults:
    finished: list[CallTask]
    completed: list[Campaign]
    since: datetime | None

    @property
    def total(self) -> int:
        return len(self.finished) + len(self.completed)


def results_for(user, *, limit: int = 50) -> OutboundResults:
    """Tasks of the user's campaigns closed since their last visit, and campaigns
    completed since then (five queries; two for someone who directs nothing)."""
    if not user.is_authenticated:
        return OutboundResults([], [], None)
    admin = is_admin(user)
    headed = [d.pk for d in headed_departments(user)]
    if not admin and not headed:
        return OutboundResults([], [], None)
    seen = OutboundSeen.objects.filter(user=user).values_list("seen_at", flat=True).first()
    campaigns = Campaign.objects.all()
    if not admin:
        campaigns = campaigns.filter(department__in=headed).filter(
            Q(created_by=user) | Q(department__head=user)
        )
    tasks = CallTask.objects.filter(campaign__in=campaigns, done_at__isnull=False).exclude(
        status=CallTask.Status.OPEN
    )
    completed = campaigns.filter(completed_at__isnull=False)
    if seen is not None:
        tasks = tasks.filter(done_at__gt=seen)
        completed = completed.filter(completed_at__gt=seen)
    return OutboundResults(
        finished=list(
            tasks.select_related("client", "campaign").order_by("-done_at", "-id")[:limit]
        ),
        completed=list(completed.order_by("-completed_at", "-id")[:limit]),
        since=seen,
    )


def mark_results_seen(*, user, now=None) -> None:
    OutboundSeen.objects.update_or_create(user=user, defaults={"seen_at": now or timezone.now()})


# --- picking clients for a campaign ------------------------------------------------------------


class Pick:
    """The status and debt filters of the campaign screen."""

    NEW, ACTIVE, ASLEEP = "new", "active", "asleep"
    OVERDUE, IN_DEBT, NO_DEBT = "overdue", "in_debt", "no_debt"


def select_clients(
    *,
    user,
    client_type=None,
    department=None,
    manager=None,
    status: str = "",
    debt: str = "",
    last_order_before=None,
    region: str = "",
    client_ids=None,
    now=None,
) -> QuerySet:
    """The clients the campaign screen's filters pick, within the user's scope. Clients
    picked one by one (``client_ids``) are taken as they are, the filters then ignored."""
    from django.db.models import F

    from clients.models import Receivable

    now = now or timezone.now()
    clients = clients_in_scope(user)
    if client_ids:
        return clients.filter(pk__in=list(client_ids))
    if client_type is not None:
        clients = clients.filter(client_type=client_type)
    if department is not None:
        clients = clients.filter(client_type__department=department)
    if manager is not None:
        clients = clients.filter(manager=manager)
    if status:
        new = Q(manager__isnull=True) | Q(last_order_at__isnull=True)
        asleep = _asleep_q(ClientType.objects.all(), now=now)
        if status == Pick.NEW:
            clients = clients.filter(new)
        elif status == Pick.ASLEEP:
            clients = clients.exclude(new).filter(asleep)
        elif status == Pick.ACTIVE:
            clients = clients.exclude(new).exclude(asleep)
    if debt:
        unpaid = Receivable.objects.filter(client=OuterRef("pk"), paid_amount__lt=F("amount"))
        if debt == Pick.OVERDUE:
            clients = clients.filter(Exists(unpaid.filter(due_date__lt=timezone.localdate(now))))
        elif debt == Pick.IN_DEBT:
            clients = clients.filter(Exists(unpaid))
        elif debt == Pick.NO_DEBT:
            clients = clients.exclude(Exists(unpaid))
    if last_order_before is not None:
        start = timezone.make_aware(datetime.combine(last_order_before, time.min))
        clients = clients.filter(last_order_at__lt=start)
    region = (region or "").strip()
    if region:
        clients = clients.filter(region__icontains=region)
    return clients
