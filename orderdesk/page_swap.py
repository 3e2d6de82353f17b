"""Page swaps: moving to another screen during a call without a full page load (issue 12).

Where a step used to answer an htmx request with ``HX-Redirect`` (a full page load: the
screen blinks), ``go`` answers with ``HX-Location``: htmx fetches the new URL, swaps its
``<main>`` in and pushes the URL, so reload and back still land on a real page. That fetch
carries ``X-Page-Swap: 1``, and so do history restores (``HX-History-Restore-Request``):
``PageSwapMiddleware`` makes them look like normal requests to the views, which then
render the whole page (a fragment would not do for either).
"""

from django.shortcuts import redirect
from django_htmx.http import HttpResponseLocation
from django_htmx.middleware import HtmxDetails

PAGE_SWAP_HEADER = "X-Page-Swap"
PAGE_SWAP = {
    "target": "#main",
    "select": "#main",
    "swap": "outerHTML",
    "headers": {PAGE_SWAP_HEADER: "1"},
}


class _WholePage(HtmxDetails):
    """An htmx request that wants the whole page: ``bool(request.htmx)`` is False."""

    def __bool__(self) -> bool:
        return False


class PageSwapMiddleware:
    """After django_htmx's HtmxMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        headers = request.headers
        if (
            headers.get(PAGE_SWAP_HEADER) == "1"
            or headers.get("HX-History-Restore-Request") == "true"
        ):
            request.htmx = _WholePage(request)
        return self.get_response(request)


def go(request, url: str):
    """Move to ``url``: a page swap for htmx, a redirect otherwise."""
    if request.htmx:
        return HttpResponseLocation(url, **PAGE_SWAP)
    return redirect(url)
