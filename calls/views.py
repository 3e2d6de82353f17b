"""The operator console (SPEC F-CALL-*), the inbox and the call log.

Thin views: parse with a form, call one service in calls.services, render the
page or, for htmx, the step panel; each step has its own URL.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Exists, OuterRef
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from calls import feedback, logs, services, transfers
from calls.errors import CallError
from calls.flow import Step, first_unready_step, guard
from calls.forms import (
    AssignManagerForm,
    FeedbackForm,
    NewClientForm,
    PriceListForm,
    PurposeForm,
    StartCallForm,
    TaskCallForm,
    WrapUpForm,
)
from calls.models import Call, CallTask, Feedback, Purpose, Transfer
from calls.outcomes import call_facts, fitting_outcomes
from calls.routing import route_call, route_nonstandard
from calls.script import transfer_script
from calls.selectors import (
    client_card,
    due_tasks_for,
    inbox_for,
    open_call_for,
    suggested_outcome,
)
from clients.selectors import contact_email
from orderdesk.logs import render_log
from orderdesk.page_swap import go
from orders import services as order_services
from orders.errors import OrderBlocked, OrderNotForOperator
from orders.selectors import product_search

console_required = permission_required("calls.use_console", raise_exception=True)

# Steps shown in the progress bar, in script order.
SCRIPT = [Step.IDENTIFY, Step.PURPOSE, Step.ROUTE, Step.WRAP_UP]
PURPOSE_KEYS = [
    ("1", Purpose.ORDER),
    ("2", Purpose.REFERENCE),
    ("3", Purpose.FEEDBACK),
    ("4", Purpose.OTHER),
]


def step_url(call: Call, step: str) -> str:
    return reverse("calls:step", args=[call.pk, step])


# What the card shows. Not the type's department (routing reads it by id) nor the outcome
# (an open call has none): at full scale planning a join of eight tables costs more than
# the query (~1.5 ms against ~0.4 ms for these five).
CALL_RELATED = (
    "client__client_type__default_price_column",
    "client__manager__staff_profile",
)


def own_call(request, call_id: int, *, related: tuple[str, ...] = CALL_RELATED) -> Call:
    """The operator's own call; someone else's id is a 404 and changes nothing.

    ``related``: what the step shows of the call (the client card needs all of it; an
    order step only the call row, its order carries the client)."""
    calls = Call.objects.select_related(*related).annotate(
        # read with the row for the steps' guards (calls.flow), not asked again
        was_transferred=Exists(Transfer.objects.filter(call=OuterRef("pk")))
    )
    return get_object_or_404(calls, pk=call_id, operator=request.user)


# --- the console --------------------------------------------------------------------


@console_required
def console(request):
    return render(request, "calls/console.html", _console_context(request, StartCallForm()))


def _console_context(request, form) -> dict:
    return {
        "nav_active": "console",
        "form": form,
        "open_call": open_call_for(request.user),
        "tasks": due_tasks_for(request.user),
    }


@console_required
@require_POST
def start(request):
    form = StartCallForm(request.POST)
    if form.is_valid():
        try:
            call = services.start_call(phone=form.cleaned_data["phone"], operator=request.user)
        except CallError as error:
            form.add_error("phone", error.message)
        else:
            return _go(request, step_url(call, call.step or Step.IDENTIFY))
    if request.htmx:
        return render(request, "calls/console.html#start-form", {"form": form})
    return render(request, "calls/console.html", _console_context(request, form), status=422)


@console_required
@require_POST
def start_task(request):
    """Call the client of one of the operator's tasks (call-back, asleep, instructed)."""
    form = TaskCallForm(request.POST, operator=request.user)
    if not form.is_valid():
        messages.error(request, _("That task is not yours or is already closed."))
        return _go(request, reverse("calls:console"))
    try:
        call = services.start_task_call(task=form.cleaned_data["task"], operator=request.user)
    except CallError as error:
        messages.error(request, error.message)
        return _go(request, reverse("calls:console"))
    return _go(request, step_url(call, call.step or Step.IDENTIFY))


@console_required
@require_GET
def incoming(request):
    """Polled by the idle console: a call popped by the phone system opens within 2 s."""
    call = open_call_for(request.user)
    if call is None:
        return HttpResponse(status=204)
    return HttpResponseClientRedirect(step_url(call, call.step or Step.IDENTIFY))


def _go(request, url: str):
    return go(request, url)  # a page swap for htmx (no blink), a redirect otherwise


# --- one call, step by step ---------------------------------------------------------


def _steps_bar(call: Call, current: str) -> list[dict]:
    bar = []
    for step in SCRIPT:
        shown = step
        if step == Step.IDENTIFY and call.client_id is None and call.status == Call.Status.OPEN:
            shown = Step.NEW_CLIENT
        if (
            step == Step.ROUTE
            and call.purpose
            and current
            in (
                Step.ORDER,
                Step.REFERENCE,
                Step.FEEDBACK,
            )
        ):
            shown = Step(current)
        bar.append(
            {
                "step": shown,
                "label": Step(shown).label,
                "url": step_url(call, shown),
                "current": shown == current,
                "ready": guard(call, shown) is None,
            }
        )
    return bar


def _step_context(request, call: Call, step: str, **extra) -> dict:
    context = {
        "call": call,
        "step": step,
        "steps": _steps_bar(call, step),
        "card": client_card(call.client) if call.client_id else None,
        "nav_active": "console",
        "purpose_keys": PURPOSE_KEYS,
    }
    if step == Step.NEW_CLIENT:
        context.setdefault("form", NewClientForm())
    elif step in (Step.ROUTE, Step.ORDER) and call.purpose:
        card = context["card"]  # its debt check stands for the routing's (same day)
        context["route"] = route_call(call.client, call.purpose, debt=card and card.debt)
        context["nonstandard"] = route_nonstandard(call.client)
        context["script"] = transfer_script(context["route"])
        context["nonstandard_script"] = transfer_script(context["nonstandard"])
        # After a transfer the step shows it instead of offering the Transfer button again.
        context["transferred"] = call.transfers.order_by("-created_at").first()
    elif step == Step.REFERENCE:
        context["price_list_form"] = PriceListForm(
            initial={"email": contact_email(call.client) if call.client_id else "", "fmt": "csv"}
        )
        context["delivery_conditions"] = settings.ORDERDESK["DELIVERY_CONDITIONS"]
    elif step == Step.FEEDBACK:
        context.setdefault("form", FeedbackForm())
    elif step == Step.WRAP_UP and call.status == Call.Status.OPEN:
        facts = call_facts(call)
        context["outcomes"] = fitting_outcomes(call, facts=facts)
        context.setdefault(
            "form", WrapUpForm(initial={"outcome": suggested_outcome(call, facts=facts)})
        )
    context.update(extra)
    return context


def render_step(request, call: Call, step: str, *, status: int = 200, push: bool = False, **extra):
    """The whole call page, or for htmx only the #call-main panel (and push its URL)."""
    context = _step_context(request, call, step, **extra)
    template = "calls/call.html#call-main" if request.htmx else "calls/call.html"
    response = render(request, template, context, status=status)
    if request.htmx and push:
        response["HX-Push-Url"] = step_url(call, step)
    return response


@console_required
def step(request, call_id: int, step: str):
    """GET shows the step; POST does the step's action (one URL per step)."""
    call = own_call(request, call_id)
    if step not in Step.values:
        return redirect(step_url(call, call.step or Step.IDENTIFY))
    if request.method == "POST":
        action = STEP_ACTIONS.get(step)
        return action(request, call) if action else HttpResponseNotAllowed(["GET"])
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    if step == Step.ORDER and first_unready_step(call, step) is None:
        return _go(request, reverse("orders:entry", args=[call.pk]))
    back = first_unready_step(call, step)
    if back is not None:
        messages.info(request, guard(call, step))
        if request.htmx:
            return render_step(request, call, back, push=True)
        return redirect(step_url(call, back))
    return render_step(request, call, step)


def _after(request, call: Call, step: str):
    """Success: render the next step (htmx) or redirect to it (plain POST)."""
    call.refresh_from_db()
    if request.htmx:
        return render_step(request, call, step, push=True)
    return redirect(step_url(call, step))


def _failed(request, call: Call, step: str, error, **extra):
    if isinstance(error, CallError):
        extra["error"] = error.message
    return render_step(request, call, step, status=200 if request.htmx else 422, **extra)


def _new_client(request, call: Call):
    form = NewClientForm(request.POST)
    if not form.is_valid():
        return _failed(request, call, Step.NEW_CLIENT, None, form=form)
    try:
        services.register_client(call=call, by=request.user, **form.cleaned_data)
    except CallError as error:
        return _failed(request, call, Step.NEW_CLIENT, error, form=form)
    return _after(request, call, Step.PURPOSE)


def _purpose(request, call: Call):
    form = PurposeForm(request.POST)
    if not form.is_valid():
        return _failed(
            request, call, Step.PURPOSE, CallError(_("Choose one of the purposes offered."))
        )
    try:
        # An order the operator keeps gets its draft here, by the POST (the order
        # screens' GETs never write), in the same transaction as the routing.
        route = services.choose_purpose(
            call=call, purpose=form.cleaned_data["purpose"], by=request.user, open_order=True
        )
    except CallError as error:
        return _failed(request, call, Step.PURPOSE, error)
    # choose_purpose refreshed the call's row under its lock and set purpose and step.
    if call.step == Step.ORDER and not route.is_transfer:
        if call.order is not None:
            return _go(request, reverse("orders:entry", args=[call.pk]))
        try:  # not opened with the routing (e.g. the operator route was not decided)
            order_services.start_order(
                client=call.client, operator=request.user, call=call, by=request.user
            )
        except (OrderBlocked, OrderNotForOperator) as refusal:
            messages.error(request, refusal.message)
            return _go(request, step_url(call, Step.ROUTE))
        return _go(request, reverse("orders:entry", args=[call.pk]))
    return _after(request, call, call.step)


def _transfer(request, call: Call):
    if not call.purpose:
        return _failed(
            request, call, Step.PURPOSE, CallError(_("Choose the purpose of the call first."))
        )
    nonstandard = request.POST.get("nonstandard") == "1"
    try:
        transfer = transfers.transfer_call(
            call=call, by=request.user, nonstandard=nonstandard, why=request.POST.get("why", "")
        )
    except CallError as error:
        # a non-standard transfer without its line of why: back to that field, text kept
        extra = {"why": request.POST.get("why", ""), "why_error": True} if nonstandard else {}
        return _failed(request, call, Step.ROUTE, error, **extra)
    messages.success(request, _("Transferred: %(reason)s") % {"reason": transfer.reason})
    return _after(request, call, Step.WRAP_UP)


@console_required
@require_GET
def reference_search(request, call_id: int):
    """Active search on the reference step: products with prices in the caller's column."""
    call = own_call(request, call_id)
    query = request.GET.get("q", "")
    products = product_search(q=query, client=call.client)
    return render(
        request,
        "calls/call.html#reference-results",
        {"call": call, "products": products, "q": query},
    )


@console_required
@require_POST
def price_list(request, call_id: int):
    call = own_call(request, call_id)
    form = PriceListForm(request.POST)
    if not form.is_valid():
        return _failed(request, call, Step.REFERENCE, None, price_list_form=form)
    try:
        services.send_price_list(
            call=call,
            contact_email=form.cleaned_data["email"],
            fmt=form.cleaned_data["fmt"],
            by=request.user,
        )
    except CallError as error:
        return _failed(request, call, Step.REFERENCE, error, price_list_form=form)
    notice = _("The price list was sent to %(email)s.") % {"email": form.cleaned_data["email"]}
    return render_step(request, call, Step.REFERENCE, notice=notice, price_list_form=form)


def _feedback(request, call: Call):
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _failed(request, call, Step.FEEDBACK, None, form=form)
    try:
        feedback.record_feedback(call=call, by=request.user, **form.cleaned_data)
    except CallError as error:
        return _failed(request, call, Step.FEEDBACK, error, form=form)
    messages.success(request, _("Feedback recorded and sent to the departments."))
    return _after(request, call, Step.WRAP_UP)


def _wrap_up(request, call: Call):
    form = WrapUpForm(request.POST)
    if not form.is_valid():
        return _failed(request, call, Step.WRAP_UP, None, form=form)
    try:
        services.wrap_up(
            call=call,
            outcome_code=form.cleaned_data["outcome"].code,
            notes=form.cleaned_data["notes"],
            callback_at=form.cleaned_data["callback_at"],
            by=request.user,
        )
    except CallError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)  # shown and focused at the field
            error = None
        return _failed(request, call, Step.WRAP_UP, error, form=form)
    messages.success(request, _("Call wrapped up. Ready for the next one."))
    return _go(request, reverse("calls:console"))


STEP_ACTIONS = {
    Step.NEW_CLIENT: _new_client,
    Step.PURPOSE: _purpose,
    Step.ROUTE: _transfer,
    Step.FEEDBACK: _feedback,
    Step.WRAP_UP: _wrap_up,
}


# --- the inbox ----------------------------------------------------------------------


def _inbox_context(request) -> dict:
    return {
        "nav_active": "inbox",
        "inbox": inbox_for(request.user),
        "managers": AssignManagerForm.base_fields["manager"].queryset.all(),  # fresh, not cached
    }


@permission_required("calls.view_transfer", raise_exception=True)
def inbox(request):
    return render(request, "calls/inbox.html", _inbox_context(request))


@permission_required("calls.view_transfer", raise_exception=True)
@require_GET
def inbox_count(request):
    """The header's inbox badge alone (refreshed on the ``inboxChanged`` event)."""
    return render(request, "calls/inbox_badge.html")


@permission_required("calls.view_transfer", raise_exception=True)
@require_POST
def transfer_handled(request, transfer_id: int):
    transfer = get_object_or_404(Transfer, pk=transfer_id)
    transfers.mark_transfer_handled(transfer=transfer, by=request.user)
    return _inbox_changed(request)


@permission_required("calls.view_feedback", raise_exception=True)
@require_POST
def feedback_handled(request, feedback_id: int):
    item = get_object_or_404(Feedback, pk=feedback_id)
    feedback.mark_feedback_handled(feedback=item, by=request.user)
    return _inbox_changed(request)


@permission_required("clients.change_client", raise_exception=True)
@require_POST
def assign_manager(request, task_id: int):
    task = get_object_or_404(CallTask, pk=task_id, kind=CallTask.Kind.ASSIGN_MANAGER)
    form = AssignManagerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a manager from the list."))
        return _inbox_changed(request)
    try:
        client = transfers.assign_manager(
            task=task, manager=form.cleaned_data["manager"], by=request.user
        )
    except CallError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(client)s now has a manager: %(manager)s.")
            % {"client": client.name, "manager": form.cleaned_data["manager"].get_full_name()},
        )
    return _inbox_changed(request)


def _inbox_changed(request):
    if request.htmx:
        response = render(request, "calls/inbox.html#inbox-items", _inbox_context(request))
        response["HX-Trigger"] = "inboxChanged"  # the header's badge fetches its count
        return response
    return redirect("calls:inbox")


# --- review ---------------------------------------------------------------------------


@permission_required("calls.review_calls", raise_exception=True)
def call_log(request):
    return render_log(
        request,
        filterset_class=logs.CallLogFilter,
        queryset=logs.call_log_queryset(request.user),
        field="started_at",
        template="calls/call_log.html",
        csv_name="calls.csv",
        csv_header=logs.CSV_HEADER,
        csv_row=logs.csv_row,
        nav_active="call_log",
    )
