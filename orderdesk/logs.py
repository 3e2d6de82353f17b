"""One way to serve a review log: filter form, keyset page, htmx rows, CSV and XLSX export."""

import csv
from collections.abc import Callable, Iterable

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from orderdesk.exports import (
    EXPORT_PERMISSION,
    XLSX_CONTENT_TYPE,
    XLSX_MAX_ROWS,
    TooManyRows,
    add_rows,
    check_may_export,
    csv_row,
    escape_row,
    filters_of,
    record_export,
    xlsx_workbook,
)
from orderdesk.paging import keyset_page

EXPORT_FORMATS = ("csv", "xlsx")


class _Echo:
    def write(self, value):
        return value


def stream_csv(
    filename: str, header: list, rows: Iterable[list], *, on_done: Callable | None = None
) -> StreamingHttpResponse:
    """CSV for Russian Excel: UTF-8 with BOM, ';' separated, streamed row by row; typed
    cells written as orderdesk.exports.csv_cell says (decimal comma, local time, phones
    as text), every cell formula-safe. ``on_done(count)`` runs once the last row is sent."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"
        yield writer.writerow(escape_row(str(h) for h in header))
        count = 0
        for row in rows:
            count += 1
            yield writer.writerow(csv_row(row))
        if on_done is not None:
            on_done(count)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_list(request, *, list_name: str, filename: str, header: list, rows: Iterable[list]):
    """The rows in the format ``request.GET["format"]`` asks (csv or xlsx), recorded as an
    export with the filters on screen. 403 without the export right."""
    check_may_export(request.user)
    filters = filters_of(request.GET)
    if request.GET.get("format") == "xlsx":
        try:
            content, count = xlsx_workbook(list_name, header, rows)
        except TooManyRows:
            messages.error(
                request,
                _(
                    "More than %(limit)s rows: narrow the filters for XLSX, or export CSV "
                    "(no limit)."
                )
                % {"limit": f"{XLSX_MAX_ROWS:,}".replace(",", " ")},
            )
            query = request.GET.copy()
            query.pop("format", None)
            return redirect(f"{request.path}?{query.urlencode()}")
        record_export(
            by=request.user, list_name=list_name, file_format="xlsx", filters=filters, rows=count
        )
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    record = record_export(by=request.user, list_name=list_name, file_format="csv", filters=filters)
    return stream_csv(
        f"{filename}.csv", header, rows, on_done=lambda count: add_rows(record, count)
    )


def render_rows(request, template: str, context: dict, *, partial: str) -> HttpResponse:
    """The htmx answer to a filter change: the rows, and the export links rebuilt out of
    band from the same filters (a link rendered with the page would export the old ones)."""
    html = render_to_string(f"{template}#{partial}", context, request=request)
    html += render_to_string("orderdesk/log_export.html", {**context, "oob": True}, request=request)
    return HttpResponse(html)


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
    """``csv_row(obj)`` gives one typed export row (the same for CSV and XLSX)."""
    log_filter = filterset_class(request.GET or None, queryset=queryset, request=request)
    rows = log_filter.qs
    if request.GET.get("format") in EXPORT_FORMATS:
        ordered = rows.order_by(f"-{field}", "-pk").iterator(chunk_size=2000)
        return export_list(
            request,
            list_name=nav_active,
            filename=csv_name.rsplit(".", 1)[0],
            header=csv_header,
            rows=(csv_row(row) for row in ordered),
        )
    page = keyset_page(
        filterset_class.page_queryset(rows), field=field, cursor=request.GET.get("after")
    )
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "filter": log_filter,
        "page": page,
        "rows": filterset_class.display_rows(page.rows),
        "query": query.urlencode(),
        "nav_active": nav_active,
        "may_export": request.user.has_perm(EXPORT_PERMISSION),
    }
    if request.htmx and not request.htmx.boosted:
        return render_rows(request, template, context, partial="log-rows")
    return render(request, template, context)
