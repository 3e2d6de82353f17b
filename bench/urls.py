"""The benchmark's ROOT_URLCONF: the whole site plus the baseline view.

The baseline is the cheapest request the site can answer through the same middleware
(session, authentication, locale, htmx): one primary-key query on clients_client.
"""

from django.http import HttpResponse
from django.urls import include, path

from clients.models import Client


def baseline(request):
    pk = request.GET.get("pk") or 1
    found = Client.objects.filter(pk=pk).values_list("pk").first()
    return HttpResponse(f"{found}", content_type="text/plain")


urlpatterns = [
    path("bench/baseline/", baseline, name="bench_baseline"),
    path("", include("orderdesk.urls")),
]
