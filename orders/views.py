"""Taking the order inside a call (SPEC F-ORD-1…6): thin views over orders.services.

Every page sits under the call's URL (``calls/<id>/order/…``), renders the whole
page on a normal request and the ``#order-main`` panel for htmx.
"""

import uuid
from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calls.flow import Step, first_unready_step, guard
from calls.models import Call, Transfer
from calls.selectors import client_card
from calls.views import own_call, step_url
from clients.debt import check_debt, with_order
from clients.selectors import contact_email
from orderdesk.logs import render_log
from orderdesk.page_swap import go
from orderdesk.scope import review_scope
from orders import logs, services
from orders.delivery import DeliveryTerms, delivery_windows, proposed_terms, set_delivery
from orders.errors import (
    DeliveryFarAhead,
    OrderBlocked,
    OrderError,
    OrderNotForOperator,
    StageNotReady,
    UpsellIncomplete,
)
from orders.flow import Stage, first_unready_stage
from orders.flow import guard as stage_guard
from orders.forms import (
    AcceptForm,
    AddLineForm,
    ConfirmationForm,
    DeliveryForm,
    LineForm,
    OfferAnswerForm,
)
from orders.models import Order, UpsellOffer
from orders.notifications import send_confirmation
from orders.pricing import format_quantity, quote, threshold_hints
from orders.readback import amount_in_words
from orders.selectors import product_search
from orders.upsell import suggest, upsell_status

order_required = permission_required("orders.take_order", raise_exception=True)

ORDER_STAGES = [  # lazy labels, translated when shown; "done" is not a step of the bar
    (stage.value, stage.label) for stage in (Stage.ENTRY, Stage.DELIVERY, Stage.REVIEW)
]
STAGE_URLS = {stage: f"orders:{stage.value}" for stage in Stage}


def call_order(call) -> Order | None:
    """The call's order: the (latest) one placed, else its (first) draft. One query: a
    call has an order or two."""
    order = _the_order(list(Order.objects.filter(call=call).order_by("pk")))
    if order is not None:
        order.call = call  # in hand: not read again
        if order.client_id == call.client_id and Call.client.is_cached(call):
            order.client = call.client  # with its type, column and manager when loaded
    return order


def _the_order(orders: list[Order]) -> Order | None:
    placed = [order for order in orders if order.status != Order.Status.DRAFT]
    return placed[-1] if placed else (orders[0] if orders else None)


def own_call_and_order(request, call_id: int) -> tuple[Call, Order | None]:
    """The operator's own call (``own_call``: someone else's is a 404) and its order
    (``call_order``), both in one query when the call has an order, which every order step
    after the purpose has; the order comes with its client, type and price column."""
    orders = list(
        Order.objects.filter(call_id=call_id, call__operator=request.user)
        .select_related("call", "client__client_type__default_price_column")
        .annotate(call_transferred=Exists(Transfer.objects.filter(call=OuterRef("call_id"))))
        .order_by("pk")
    )
    if not orders:
        return own_call(request, call_id, related=()), None
    call = orders[0].call
    call.was_transferred = orders[0].call_transferred  # read for the steps' guards
    order = _the_order(orders)
    order.call = call
    return call, order


def _draft(request, call_id: int):
    """The call and its order, or a response sending the operator elsewhere.

    Nothing is written here: the draft is opened by the purpose step's POST (or by the
    "Start the order" button). Without a draft every order URL goes to the entry page,
    which shows the routing (key and new clients, debt) or the button. Once the call's
    order is accepted that order is returned: the pages send the operator to the done page
    and the services refuse any change.
    """
    call, order = own_call_and_order(request, call_id)
    back = first_unready_step(call, Step.ORDER)
    if back is not None:  # htmx: a page swap, whatever part of the screen asked
        return call, None, _go(request, step_url(call, back))
    if order is None:
        return call, None, _go(request, reverse("orders:entry", args=[call.pk]))
    return call, order, None


def _to_route(request, call, refusal: OrderError):
    """Key and new clients and debtors: the route step says to whom and shows the key."""
    if isinstance(refusal, OrderBlocked):
        messages.error(request, refusal.message)
    else:
        messages.warning(request, refusal.message)
    return redirect(step_url(call, Step.ROUTE))


def _to_stage(request, call, order, stage: Stage, messages_: list[str]):
    """Send the operator back to ``stage`` with the reasons (the panel for htmx)."""
    for message in messages_:
        messages.warning(request, message)
    if stage == Stage.DONE:
        return _go(request, reverse("orders:done", args=[call.pk]))
    if request.htmx and stage == Stage.ENTRY:
        return _render(request, call, order, "entry", push=True)
    return redirect(STAGE_URLS[stage], call_id=call.pk)


def _context(request, call, order, stage: str, *, card=True, **extra) -> dict:
    """The stage's context; ``card=False`` (a change on the entry panel) reads the debt
    check only, not the whole client card, which that response does not show."""
    lines = extra.pop("lines", None)
    if lines is None and stage == "entry":
        lines = getattr(order, "priced_lines", None)  # what the change just wrote, in hand
    if lines is None:
        lines = list(order.lines.select_related("product", "price_column", "rule").order_by("pk"))
    if card:
        card = client_card(order.client)
        debt = card.debt
    else:
        card, debt = None, check_debt(order.client)
    on_screen = offers = None
    if stage == "entry":
        offers = list(order.offers.select_related("product").order_by("offered_at", "pk"))
        taken = {line.product_id for line in lines} | {offer.product_id for offer in offers}
        on_screen = suggest(order, taken=taken)  # lines and offers in hand
        upsell = upsell_status(order, suggestions=on_screen, offers=offers)
    else:  # the stage's guard just counted the offers on this order (orders.flow)
        upsell = getattr(order, "upsell_checked", None) or upsell_status(order)
    context = {
        "call": call,
        "order": order,
        "lines": lines,
        "stage": stage,
        "stages": ORDER_STAGES,
        "card": card,
        "debt_after": with_order(debt, services.pending_exposure(order)),
        "upsell": upsell,
        "nav_active": "console",
    }
    if stage == "entry":
        context["suggestions"] = _suggestions(on_screen)
        context["offers"] = offers
        try:
            context["hints"] = threshold_hints(
                order.client,
                [(ln.product, ln.quantity) for ln in lines],
                priced=getattr(order, "quote", None),  # the one the change just made
            )
        except OrderError as error:  # e.g. a line's product lost its price meanwhile
            context["hints"] = []
            extra.setdefault("errors", []).extend(_error_messages(error))
    context.update(extra)
    return context


# The stages whose templates have the ``#order-stage`` section (the step bar and the panel):
# a move between them (``hx-target="#order-stage"``) swaps the section only, the call head
# and the client card stay on the page and are not read again.
SECTION_TARGET = "order-stage"
SECTION_STAGES = {Stage.ENTRY.value, Stage.DELIVERY.value, Stage.REVIEW.value}


def _render(request, call, order, stage: str, *, push: bool = False, **extra):
    """The whole page; for htmx the ``#order-main`` console, or the ``#order-stage``
    section when the request targets it (a move between the stages)."""
    template = f"orders/{stage}.html"
    section = bool(request.htmx) and request.htmx.target == SECTION_TARGET
    if section and stage in SECTION_STAGES:
        context = _context(request, call, order, stage, card=False, **extra)
        response = render(request, f"{template}#order-stage", context)
    else:
        context = _context(request, call, order, stage, **extra)
        response = render(request, f"{template}#order-main" if request.htmx else template, context)
        if section:  # e.g. the done page, reached by a redirect: the whole console
            _whole_console(response)
    if request.htmx and push:
        response["HX-Push-Url"] = reverse(f"orders:{stage}", args=[call.pk])
    return response


def _whole_console(response):
    """A stage move (``#order-stage``) answered by a screen without the section: htmx
    swaps the whole console instead."""
    response["HX-Retarget"], response["HX-Reswap"] = "#order-main", "outerHTML"


def _error_messages(error: OrderError) -> list[str]:
    return list(getattr(error, "messages", None) or [error.message])


def _form_errors(form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


# --- lines and offers -------------------------------------------------------------------


@order_required
@require_GET
def entry(request, call_id: int):
    call = own_call(request, call_id)
    back = first_unready_step(call, Step.ORDER)
    if back is not None:  # htmx: a page swap, whatever part of the screen asked
        return _go(request, step_url(call, back))
    order = call_order(call)
    if order is None:  # e.g. a call from before drafts were opened by the purpose step
        refusal = services.order_refusal(call.client)
        if refusal is not None:
            return _to_route(request, call, refusal)
        context = {"call": call, "card": client_card(call.client), "nav_active": "console"}
        context.update(stage="entry", stages=ORDER_STAGES)
        template = "orders/start.html"
        response = render(request, f"{template}#order-main" if request.htmx else template, context)
        if request.htmx and request.htmx.target == SECTION_TARGET:
            _whole_console(response)
        return response
    if order.status != Order.Status.DRAFT:
        return _go(request, reverse("orders:done", args=[call.pk]))
    return _render(request, call, order, "entry")


@order_required
@require_POST
def start(request, call_id: int):
    """Open the call's draft (the operator pressed "Start the order")."""
    call = own_call(request, call_id)
    back = first_unready_step(call, Step.ORDER)
    if back is not None:
        messages.error(request, guard(call, Step.ORDER))
        return _go(request, step_url(call, back))
    try:
        services.start_order(client=call.client, operator=request.user, call=call, by=request.user)
    except (OrderBlocked, OrderNotForOperator) as refusal:
        _to_route(request, call, refusal)  # the message; htmx needs a client redirect
        return _go(request, step_url(call, Step.ROUTE))
    return _go(request, reverse("orders:entry", args=[call.pk]))


@order_required
@require_GET
def search(request, call_id: int):
    call = own_call(request, call_id, related=("client__client_type__default_price_column",))
    query = request.GET.get("q", "").strip()
    products = product_search(q=query, client=call.client) if call.client_id else []
    return render(
        request,
        "orders/entry.html#search-results",
        {"call": call, "products": products, "q": query},
    )


def _change_order(
    request, call_id: int, form_class, change, *, notices=None, lines_kept=False, rows=False
):
    """Parse ``form_class``, apply ``change(order, cleaned_data)`` to the draft, re-render;
    ``notices(order)`` says what the operator should know about a change that worked.
    ``lines_kept``: a change that left the lines as they were (no repricing) answers htmx
    with the offers, the messages and the next-step row only; ``rows``: a change that
    worked answers htmx with the rows it wrote (``_line_changed``), not the panel."""
    call, order, away = _draft(request, call_id)
    if away:
        return _away(request, away)
    form = form_class(request.POST)
    errors = [] if form.is_valid() else _form_errors(form)
    said = []
    if not errors:
        try:
            order = change(order, form.cleaned_data)  # re-read under the lock by the service
        except OrderError as error:
            errors = _error_messages(error)
        else:
            said = notices(order) if notices else []
            if lines_kept and request.htmx and getattr(order, "priced_lines", None) is None:
                return _offers_changed(request, call, order, notices=said)
            if rows and request.htmx and getattr(order, "priced_lines", None):
                return _line_changed(request, call, order, removed=[], notices=said, added=True)
    return _after_change(request, call, order, errors, notices=said)


def _offers_changed(request, call, order, *, notices=()):
    """An offer answered that changed no line: the offers, the messages and the next-step
    row, out of band; the entry panel (lines, totals, credit, hints) stays as it is."""
    offers = getattr(order, "offers_read", None)  # read under the service's lock
    if offers is None:
        offers = list(order.offers.select_related("product").order_by("offered_at", "pk"))
    on_order = getattr(order, "products_on_order", None)
    if on_order is None:
        on_order = set(order.lines.values_list("product_id", flat=True))
    on_screen = suggest(order, taken=on_order | {offer.product_id for offer in offers})
    context = {
        "call": call,
        "order": order,
        "lines": on_order,  # the next-step row asks only whether there are lines
        "offers": offers,
        "suggestions": _suggestions(on_screen),
        "upsell": upsell_status(order, suggestions=on_screen, offers=offers),
        "notices": list(notices),
        "oob": True,
    }
    response = render(request, "orders/entry.html#offers-change", context)
    response["HX-Reswap"] = "none"
    return response


def _suggestions(on_screen) -> list[dict]:
    return [
        {
            "product": s.product,
            "reason": s.reason,
            "label": UpsellOffer.Reason(s.reason).label,
            "talking_point": s.talking_point,
        }
        for s in on_screen
    ]


@order_required
@require_POST
def add_line(request, call_id: int):
    """Product id and quantity only: the server prices the line. Adding a product that is
    already on the order changes its quantity, and the operator is told so."""
    return _change_order(
        request,
        call_id,
        AddLineForm,
        lambda order, data: services.set_line(order=order, by=request.user, **data),
        notices=_replaced_notice,
        rows=True,
    )


def _replaced_notice(order) -> list[str]:
    old = getattr(order, "replaced_quantity", None)
    line = getattr(order, "changed_line", None)
    if old is None or line is None:
        return []
    return [
        _("%(product)s was already on the order: its quantity changed from %(old)s to %(new)s.")
        % {
            "product": line.product.name,
            "old": format_quantity(old),
            "new": format_quantity(line.quantity),
        }
    ]


@order_required
@require_POST
def change_line(request, call_id: int, product_id: int):
    call, order, away = _draft(request, call_id)
    if away:
        return _away(request, away)
    line = order.lines.filter(product_id=product_id).select_related("product").first()
    if line is None:
        raise Http404(_("That line is not on this order."))
    form = LineForm(request.POST)
    errors = []
    removing = form.is_valid() and form.cleaned_data["remove"]
    try:
        if removing:
            order = services.remove_line(order=order, product=line.product, by=request.user)
        else:
            order = services.set_line(
                order=order,
                product=line.product,
                quantity=request.POST.get("quantity", ""),
                by=request.user,
            )
    except OrderError as error:
        errors = _error_messages(error)
    if request.htmx and not errors and getattr(order, "priced_lines", None):
        return _line_changed(request, call, order, removed=[product_id] if removing else [])
    return _after_change(request, call, order, errors)


def _line_changed(request, call, order, *, removed, notices=(), added=False):
    """A line added, edited or removed: the rows the repricing rewrote, a new row appended
    (and the search emptied), the removed row taken out, the totals, the hints, the
    messages, the offers and the next-step row, all out of band; the rest of the panel
    (other rows) stays as it is (HX-Reswap: none)."""
    context = _context(request, call, order, "entry", card=False, notices=list(notices))
    new_lines = getattr(order, "new_lines", [])
    context.update(
        changed_lines=getattr(order, "rewritten_lines", []),
        new_lines=new_lines,
        first_lines=len(new_lines) == len(context["lines"]),  # "no lines yet" goes
        removed=removed,
        reset_search=added,  # the search emptied for the next product
    )
    response = render(request, "orders/entry.html#line-change", context)
    response["HX-Reswap"] = "none"
    return response


@order_required
@require_POST
def repeat_last(request, call_id: int):
    call, order, away = _draft(request, call_id)
    if away:
        return away
    errors, notices = [], []
    try:
        order = services.repeat_last_order(order=order, by=request.user)
    except OrderError as error:
        errors = _error_messages(error)
    else:
        skipped = getattr(order, "repeat_skipped", [])
        if skipped:
            names = ", ".join(p.name for p in skipped)
            notices.append(
                _("Not repeated (no longer sold or priced): %(names)s") % {"names": names}
            )
    return _after_change(request, call, order, errors, notices=notices, panel=False)


@order_required
@require_POST
def answer_offer(request, call_id: int):
    return _change_order(
        request,
        call_id,
        OfferAnswerForm,
        lambda order, data: services.record_offer(order=order, by=request.user, **data).order,
        lines_kept=True,
    )


def _after_change(request, call, order, errors, *, notices=(), panel=True):
    """htmx: the entry panel (search, lines, totals, hints) with the messages, the offers
    and the next-step row as out-of-band swaps; not the call frame or the client card.
    ``panel=False``: the whole ``#order-main`` (repeating the last order)."""
    if request.htmx and panel:
        context = _context(
            request, call, order, "entry", card=False, errors=errors, notices=list(notices)
        )
        return render(request, "orders/entry.html#order-change", context)
    if request.htmx:
        return _render(request, call, order, "entry", errors=errors, notices=list(notices))
    for error in errors:
        messages.error(request, error)
    return redirect("orders:entry", call_id=call.pk)


# --- delivery, read-back, acceptance ---------------------------------------------------


@order_required
@require_http_methods(["GET", "POST"])
def delivery(request, call_id: int):
    call, order, away = _draft(request, call_id)
    if away:
        return away
    back = first_unready_stage(order, Stage.DELIVERY)
    if back is not None:
        return _to_stage(request, call, order, back, stage_guard(order, Stage.DELIVERY))
    client = order.client
    form_kwargs = {"client": client, "windows": delivery_windows()}
    if request.method == "GET":
        form = DeliveryForm(**form_kwargs)
        form.initial = asdict(
            proposed_terms(order, addresses=form.addresses, receivers=form.receivers)
        )
        return _render(request, call, order, "delivery", form=form)
    form = DeliveryForm(request.POST, **form_kwargs)
    errors = _form_errors(form) if not form.is_valid() else []
    far_ahead = False  # the far date's confirmation is asked for
    if not errors:
        try:
            stored = set_delivery(
                order=order, terms=DeliveryTerms(**form.cleaned_data), by=request.user
            )
        except StageNotReady as error:  # the offers or lines changed meanwhile
            return _to_stage(request, call, order, Stage(error.stage), error.messages)
        except DeliveryFarAhead as error:
            errors, far_ahead = _error_messages(error), True
        except OrderError as error:
            errors = _error_messages(error)
    if errors:
        return _render(
            request, call, order, "delivery", form=form, errors=errors, far_ahead=far_ahead
        )
    # The row just written, with the client, call, address and receiver in hand (not read
    # again for the read-back).
    stored.call, stored.client = call, client
    if request.htmx:
        return _review(request, call, stored, push=True)
    return redirect("orders:review", call_id=call.pk)


@order_required
@require_GET
def review(request, call_id: int):
    call, order, away = _draft(request, call_id)
    if away:
        return away
    back = first_unready_stage(order, Stage.REVIEW)
    if back is not None:
        return _to_stage(request, call, order, back, stage_guard(order, Stage.REVIEW))
    return _review(request, call, order)


@order_required
@require_POST
def accept(request, call_id: int):
    call, order = own_call_and_order(request, call_id)
    back = first_unready_step(call, Step.ORDER)
    if back is not None:  # e.g. the call was wrapped up or transferred meanwhile
        messages.error(request, guard(call, Step.ORDER))
        return _go(request, step_url(call, back))
    if order is None:
        raise Http404(_("This call has no order."))
    form = AcceptForm(request.POST)
    if not form.is_valid():
        if "idempotency_key" in form.errors:
            errors = [_("The confirmation key is missing or malformed. Reload the page.")]
        else:
            errors = [_("Read the order back first: the read-back total is missing.")]
        return _review(request, call, order, errors=errors)
    try:
        order = services.accept_order(
            order,
            by=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
            expected_total=form.cleaned_data["expected_total"],
        )
    except (OrderBlocked, OrderNotForOperator) as refused:
        messages.error(request, refused.message)
        return _go(request, step_url(call, Step.ROUTE))
    except UpsellIncomplete as error:
        messages.warning(request, error.message)
        return _go(request, reverse("orders:entry", args=[call.pk]))
    except StageNotReady as error:
        for message in error.messages:
            messages.warning(request, message)
        return _go(request, reverse(STAGE_URLS[Stage(error.stage)], args=[call.pk]))
    except OrderError as error:
        return _review(request, call, order, errors=_error_messages(error))
    return _go(request, reverse("orders:done", args=[call.pk]))


def _review(request, call, order, *, push: bool = False, **extra):
    """The read-back at today's prices (a quote: nothing is stored; acceptance prices
    again and compares with the total read back), with a fresh confirmation key."""
    if order.status == Order.Status.DRAFT:
        stored = list(order.lines.select_related("product").order_by("pk"))
        try:
            priced = quote(order.client, [(line.product, line.quantity) for line in stored])
        except OrderError as error:
            extra.setdefault("errors", []).extend(_error_messages(error))
        else:
            extra["lines"] = [
                ReadBackLine(line, q) for line, q in zip(stored, priced.lines, strict=True)
            ]
            order.total = priced.total  # shown, not saved
    try:
        extra["total_in_words"] = amount_in_words(order.total)  # the read-back script
    except ValueError:
        extra["total_in_words"] = ""
    return _render(request, call, order, "review", push=push, accept_key=uuid.uuid4(), **extra)


class ReadBackLine:
    """A stored line shown with today's price from the quote (for the read-back)."""

    def __init__(self, line, quoted):
        self.product, self.product_id, self.origin = line.product, line.product_id, line.origin
        self.quantity = line.quantity
        self.unit_price, self.line_total = quoted.unit_price, quoted.line_total
        self.price_column, self.rule = quoted.column, quoted.rule


def _away(request, away):
    """A change posted from the entry panel when the call or order moved on: htmx loads
    the page it is sent to (the panel is no place for another step)."""
    if request.htmx and away.status_code in (301, 302):
        return go(request, away["Location"])
    return away


def _go(request, url):
    return go(request, url)  # a page swap for htmx (no blink), a redirect otherwise


@order_required
@require_GET
def done(request, call_id: int):
    call = own_call(request, call_id)
    order = call_order(call)
    if order is None or order.status == Order.Status.DRAFT:
        return redirect("orders:entry", call_id=call.pk)
    form = ConfirmationForm(initial={"email": contact_email(order.client)})
    return _render(request, call, order, "done", form=form)


# --- the confirmation ------------------------------------------------------------------


def _visible_order(request, order_id: int) -> Order:
    """Orders the user took, or may review; anything else is a 404."""
    orders = Order.objects.exclude(status=Order.Status.DRAFT).select_related(
        "client__client_type", "operator", "delivery_address", "receiver", "price_column"
    )
    if request.user.has_perm("orders.review_orders"):
        orders = orders.filter(review_scope(request.user))
    elif request.user.has_perm("orders.take_order"):
        orders = orders.filter(operator=request.user)
    else:
        raise Http404
    return get_object_or_404(orders, pk=order_id)


@require_GET
def confirmation(request, order_id: int):
    order = _visible_order(request, order_id)
    lines = order.lines.select_related("product", "price_column", "rule").order_by("pk")
    return render(request, "orders/confirmation.html", {"order": order, "lines": lines})


@require_POST
def send_confirmation_view(request, order_id: int):
    order = _visible_order(request, order_id)
    form = ConfirmationForm(request.POST)
    if form.is_valid():
        send_confirmation(order=order, to=form.cleaned_data["email"], by=request.user)
        messages.success(
            request,
            _("The confirmation was sent to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
    else:
        messages.error(request, _("Enter a valid e-mail address."))
    if order.call_id and order.operator_id == request.user.pk:
        return redirect("orders:done", call_id=order.call_id)
    return redirect("orders:confirmation", order_id=order.pk)


# --- review ----------------------------------------------------------------------------


@permission_required("orders.review_orders", raise_exception=True)
def order_log(request):
    return render_log(
        request,
        filterset_class=logs.OrderLogFilter,
        queryset=logs.order_log_queryset(request.user),
        field="accepted_at",
        template="orders/order_log.html",
        csv_name="orders.csv",
        csv_header=logs.CSV_HEADER,
        csv_row=logs.csv_row,
        nav_active="order_log",
    )
