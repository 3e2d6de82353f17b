"""One way to serve a review log: filter form, keyset page, htmx rows, CSV export."""

import csv
from collections.abc import Callable, Iterable

from django.http import StreamingHttpResponse
from django.shortcuts import render

from orderdesk.paging import keyset_page


class _Echo:
    def write(self, value):
        return value


def stream_csv(filename: str, header: list, rows: Iterable[list]) -> StreamingHttpResponse:
    """CSV for Excel users: UTF-8 with BOM, ';' separated, streamed row by row."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"
        yield writer.writerow([str(h) for h in header])
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def render_log(
    request,
    *,
    filterset_class,
    queryset,
    field: str,
    template: str,
    csv_name: str,
    csv_header: list,
    csv_row: Callable,
    nav_active: str,
):
    log_filter = filterset_class(request.GET or None, queryset=queryset, request=request)
    rows = log_filter.qs
    if request.GET.get("format") == "csv":
        ordered = rows.order_by(f"-{field}", "-pk").iterator(chunk_size=2000)
        return stream_csv(csv_name, csv_header, (csv_row(row) for row in ordered))
    page = keyset_page(rows, field=field, cursor=request.GET.get("after"))
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "filter": log_filter,
        "page": page,
        "query": query.urlencode(),
        "nav_active": nav_active,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{template}#log-rows", context)
    return render(request, template, context)
