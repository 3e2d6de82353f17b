"""One way to serve a review log: filter form, keyset page, htmx rows, CSV export."""

import csv
from collections.abc import Callable, Iterable

from django.http import StreamingHttpResponse
from django.shortcuts import render

from orderdesk.exports import (
    EXPORT_PERMISSION,
    add_rows,
    check_may_export,
    escape_row,
    filters_of,
    record_export,
)
from orderdesk.paging import keyset_page


class _Echo:
    def write(self, value):
        return value


def stream_csv(
    filename: str, header: list, rows: Iterable[list], *, on_done: Callable | None = None
) -> StreamingHttpResponse:
    """CSV for Excel users: UTF-8 with BOM, ';' separated, streamed row by row, every cell
    formula-safe. ``on_done(count)`` runs once the last row has been sent."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"
        yield writer.writerow(escape_row(str(h) for h in header))
        count = 0
        for row in rows:
            count += 1
            yield writer.writerow(escape_row(row))
        if on_done is not None:
            on_done(count)

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
        check_may_export(request.user)
        record = record_export(
            by=request.user,
            list_name=nav_active,
            file_format="csv",
            filters=filters_of(request.GET),
        )
        ordered = rows.order_by(f"-{field}", "-pk").iterator(chunk_size=2000)
        return stream_csv(
            csv_name,
            csv_header,
            (csv_row(row) for row in ordered),
            on_done=lambda count: add_rows(record, count),
        )
    page = keyset_page(rows, field=field, cursor=request.GET.get("after"))
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "filter": log_filter,
        "page": page,
        "query": query.urlencode(),
        "nav_active": nav_active,
        "may_export": request.user.has_perm(EXPORT_PERMISSION),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{template}#log-rows", context)
    return render(request, template, context)
