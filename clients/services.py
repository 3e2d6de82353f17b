"""Writes about clients that come from outside: the accounting system's receivables."""

from dataclasses import dataclass, field

import tablib
from django.db import transaction

from clients.resources import ReceivableResource

RECEIVABLE_COLUMNS = [
    "client",
    "document_no",
    "document_date",
    "due_date",
    "amount",
    "paid_amount",
    "paid_at",
]
MAX_RECEIVABLE_ROWS = 20_000


@dataclass
class ReceivablesImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # [{"row": 1-based number, "column": name or "__all__", "message": text}]
    errors: list[dict] = field(default_factory=list)


def import_receivables(rows: list[dict]) -> ReceivablesImport:
    """Create or update receivables by (client, document number); all rows or none.

    ``client`` is a client id or a phone written any common way. Every row is checked
    first (the same rules as the admin's CSV import); a single bad row writes nothing.
    """
    dataset = tablib.Dataset(headers=RECEIVABLE_COLUMNS)
    for row in rows:
        dataset.append([_cell(row.get(column)) for column in RECEIVABLE_COLUMNS])
    resource = ReceivableResource()
    with transaction.atomic():
        checked = resource.import_data(dataset, dry_run=True)
        errors = _errors(checked)
        if errors:
            return ReceivablesImport(errors=errors)
        result = resource.import_data(dataset, dry_run=False)
    return ReceivablesImport(
        created=result.totals["new"],
        updated=result.totals["update"],
        unchanged=result.totals["skip"],
    )


def _cell(value) -> str:
    return "" if value is None else str(value)


def _errors(result) -> list[dict]:
    errors = [
        {"row": row.number, "column": column, "message": str(message)}
        for row in result.invalid_rows
        for column, messages in row.error_dict.items()
        for message in messages
    ]
    errors += [
        {"row": number, "column": "__all__", "message": str(error.error)}
        for number, row_errors in result.row_errors()
        for error in row_errors
    ]
    return sorted(errors, key=lambda e: (e["row"], e["column"]))
