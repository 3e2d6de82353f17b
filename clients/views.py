from django.contrib.auth.decorators import permission_required
from django.shortcuts import render  # noqa: F401


@permission_required("clients.view_all_receivables", raise_exception=True)
def receivables(request):
    return render(request, "clients/receivables.html")
