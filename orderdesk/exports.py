"""Exports under the trade-secret regime: formula-safe cells, who may export, a record of each.

Every CSV or XLSX we write goes through :func:`escape_cell` (a spreadsheet would run a
cell starting with ``= + - @`` or a tab/CR as a formula: ``=HYPERLINK(...)`` leaks data),
and every export of a list is an :class:`~orderdesk.models.ExportRecord`.
"""

import io
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone

from clients.phones import format_phone  # national form: 8 (495) 100-00-01
from orderdesk.models import ExportRecord

EXPORT_PERMISSION = "orderdesk.export_lists"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def escape_cell(value):
    """A text that a spreadsheet would read as a formula gets a leading apostrophe.

    Plain numbers (``-1250.00``, ``+74951000001``) and non-text values pass unchanged.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def escape_row(row) -> list:
    return [escape_cell(cell) for cell in row]


# --- typed cells for Russian Excel ---------------------------------------------------------
#
# A list's export row holds typed values: Decimal (money), int, date, datetime (aware),
# PhoneText, str, None. CSV writes them as a Russian Excel reads them (decimal comma,
# local time as dd.mm.yyyy hh:mm, phones in a form no spreadsheet takes for a number);
# XLSX keeps the types (numbers with a money format, real dates in local time, text).

CSV_DATE = "%d.%m.%Y"
CSV_DATETIME = "%d.%m.%Y %H:%M"
XLSX_DATE = "DD.MM.YYYY"
XLSX_DATETIME = "DD.MM.YYYY HH:MM"
XLSX_MONEY = "#,##0.00"
XLSX_TEXT = "@"
# A workbook is built in memory; past this many rows the export says so and offers CSV.
XLSX_MAX_ROWS = 100_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PhoneText(str):
    """A phone number (E.164) that must reach the spreadsheet as text, never as a number."""

    def display(self) -> str:
        return format_phone(str(self)) if self else ""


def csv_cell(value) -> str:
    """One typed value as the text a Russian Excel reads right, formula-safe."""
    if value is None:
        return ""
    if isinstance(value, PhoneText):
        text = value.display()
    elif isinstance(value, datetime):
        text = timezone.localtime(value).strftime(CSV_DATETIME)
    elif isinstance(value, date):
        text = value.strftime(CSV_DATE)
    elif isinstance(value, Decimal):
        text = format(value, "f").replace(".", ",")
    else:
        text = str(value)
    return escape_cell(text)


def csv_row(values: Iterable) -> list[str]:
    return [csv_cell(value) for value in values]


class TooManyRows(Exception):
    """The list is longer than an XLSX export takes (:data:`XLSX_MAX_ROWS`)."""


def xlsx_workbook(title: str, header: list, rows: Iterable[list]) -> tuple[bytes, int]:
    """An XLSX file of typed cells and the number of rows in it; ``TooManyRows`` past
    :data:`XLSX_MAX_ROWS` (nothing is returned then)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    kept = list(islice(rows, XLSX_MAX_ROWS + 1))
    if len(kept) > XLSX_MAX_ROWS:
        raise TooManyRows
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    bold = Font(bold=True)

    def cell(value):
        if value is None:
            return None
        if isinstance(value, PhoneText):
            written = WriteOnlyCell(sheet, value=value.display())
            written.data_type = "s"
            written.number_format = XLSX_TEXT
            return written
        if isinstance(value, datetime):
            local = timezone.localtime(value).replace(tzinfo=None)
            written = WriteOnlyCell(sheet, value=local)
            written.number_format = XLSX_DATETIME
            return written
        if isinstance(value, date):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = XLSX_DATE
            return written
        if isinstance(value, Decimal):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = XLSX_MONEY
            return written
        if isinstance(value, int | float):
            return value
        written = WriteOnlyCell(sheet, value=escape_cell(str(value)))
        written.data_type = "s"  # never a formula, whatever it starts with
        return written

    header_cells = []
    for name in header:
        heading = WriteOnlyCell(sheet, value=escape_cell(str(name)))
        heading.font = bold
        header_cells.append(heading)
    sheet.append(header_cells)
    for row in kept:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(kept)


def check_may_export(user) -> None:
    if not user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied


def record_export(*, by, list_name: str, file_format: str, filters: dict, rows: int = 0):
    """Record an export; a streamed one starts at 0 rows and counts up with ``add_rows``."""
    return ExportRecord.objects.create(
        by=by, list_name=list_name, file_format=file_format, filters=filters, rows=rows
    )


def add_rows(record: ExportRecord, rows: int) -> None:
    ExportRecord.objects.filter(pk=record.pk).update(rows=F("rows") + rows)


def filters_of(querydict, *, drop=("format", "after", "csrfmiddlewaretoken")) -> dict:
    """The filters of a request as a plain dict (lists only where a key repeats)."""
    filters = {}
    for key, values in querydict.lists():
        if key in drop:
            continue
        kept = [value for value in values if value != ""]
        if kept:
            filters[key] = kept[0] if len(kept) == 1 else kept
    return filters


class RecordedExportMixin:
    """For django-import-export admins: only holders of ``orderdesk.export_lists`` export,
    every exported cell is formula-safe, and each export is recorded."""

    def has_export_permission(self, request):
        return super().has_export_permission(request) and request.user.has_perm(EXPORT_PERMISSION)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        rows = [escape_row(row) for row in dataset]
        headers = dataset.headers
        dataset.wipe()
        dataset.headers = headers
        for row in rows:
            dataset.append(row)
        return dataset

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        record_export(
            by=request.user,
            list_name=f"admin:{self.model._meta.label_lower}",
            file_format=file_format.get_title().lower(),
            filters=filters_of(request.GET),
            rows=queryset.count(),
        )
        return data
