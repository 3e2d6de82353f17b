from django.contrib.auth.decorators import permission_required
from django.shortcuts import render  # noqa: F401


@permission_required("calls.use_console", raise_exception=True)
def console(request):
    return render(request, "calls/console.html")


@permission_required("calls.view_transfer", raise_exception=True)
def inbox(request):
    return render(request, "calls/inbox.html")


@permission_required("calls.review_calls", raise_exception=True)
def call_log(request):
    return render(request, "calls/call_log.html")
