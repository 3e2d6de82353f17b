from django.contrib.auth.decorators import permission_required
from django.shortcuts import render

from calls import logs
from orderdesk.logs import render_log


@permission_required("calls.use_console", raise_exception=True)
def console(request):
    return render(request, "calls/console.html", {"nav_active": "console"})


@permission_required("calls.view_transfer", raise_exception=True)
def inbox(request):
    return render(request, "calls/inbox.html", {"nav_active": "inbox"})


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
