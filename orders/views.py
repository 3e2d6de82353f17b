from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from orderdesk.logs import render_log
from orders import logs


@permission_required("orders.take_order", raise_exception=True)
def entry(request, call_id: int):
    return render(request, "orders/entry.html", {"nav_active": "console"})


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
