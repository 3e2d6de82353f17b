from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from clients.selectors import open_receivables


@permission_required("clients.view_all_receivables", raise_exception=True)
def receivables(request):
    overdue_only = request.GET.get("overdue") == "1"
    rows = open_receivables(overdue_only=overdue_only, q=request.GET.get("q", ""))
    context = {"rows": rows, "overdue_only": overdue_only, "nav_active": "receivables"}
    return render(request, "clients/receivables.html", context)
