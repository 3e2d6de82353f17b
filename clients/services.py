"""Writes about clients that come from outside: the accounting system's receivables."""

from clients.receivables_feed import (
    ReceivablesFeedBusy,
    ReceivablesImport,
    import_receivables,
)

MAX_RECEIVABLE_ROWS = 20_000

__all__ = ["MAX_RECEIVABLE_ROWS", "ReceivablesFeedBusy", "ReceivablesImport", "import_receivables"]
