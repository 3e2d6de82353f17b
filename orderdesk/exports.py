"""Exports under the trade-secret regime: formula-safe cells, who may export, a record of each.

Every CSV or XLSX we write goes through :func:`escape_cell` (a spreadsheet would run a
cell starting with ``= + - @`` or a tab/CR as a formula: ``=HYPERLINK(...)`` leaks data),
and every export of a list is an :class:`~orderdesk.models.ExportRecord`.
"""

import re

from django.core.exceptions import PermissionDenied
from django.db.models import F

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
