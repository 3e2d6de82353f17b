from django.contrib.auth.decorators import permission_required
from django.shortcuts import render  # noqa: F401


@permission_required("orders.review_orders", raise_exception=True)
def order_log(request):
    return render(request, "orders/order_log.html")
