"""The accounting system's receivables batch: every row checked in memory, then one bulk
write in one transaction, serialised between concurrent batches.

Steps, each bounded in queries whatever the batch size:
1. parse every cell with the admin import's widgets (same formats, same messages);
2. under a PostgreSQL advisory lock (``pg_try_advisory_xact_lock``: a second batch
   arriving meanwhile gets :class:`ReceivablesFeedBusy` at once, never a wait or a raw
   ``IntegrityError``), resolve the clients (ids and phones: two queries) and load the
   existing documents of those clients (one query);
3. check every row (required values, model field limits, paid ≤ amount, due ≥ document
   date, dates within ``orderdesk.bounds``, a document twice in the batch); one bad row
   writes nothing and every problem is reported;
4. ``bulk_create`` the new documents and ``bulk_update`` the changed ones. Rows equal to
   what is stored are counted as unchanged and not written: the same batch sent twice
   changes nothing the second time.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from clients.models import Client, ClientPhone, Receivable
from clients.phones import normalize_phone
from clients.resources import DateInputWidget, DecimalAmountWidget
from orderdesk.bounds import check_receivable_date, receivable_date_bounds

COLUMNS = ["client", "document_no", "document_date", "due_date", "amount", "paid_amount", "paid_at"]
REQUIRED = ["client", "document_no", "document_date", "due_date", "amount"]
DATES = ["document_date", "due_date", "paid_at"]
AMOUNTS = ["amount", "paid_amount"]
WRITTEN = ["document_date", "due_date", "amount", "paid_amount", "paid_at"]
# One key for this feed in PostgreSQL's advisory lock space ("rcvb").
FEED_LOCK_KEY = 0x72637662
BATCH_SIZE = 2000


class ReceivablesFeedBusy(Exception):
    """Another batch is being written right now; send this one again in a moment."""


@dataclass
class ReceivablesImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # [{"row": 1-based number, "column": name or "__all__", "message": text}]
    errors: list[dict] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    values: dict
    errors: dict  # column -> [message]

    def fail(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(str(message))


_DATE = DateInputWidget()
_AMOUNT = DecimalAmountWidget()
_MODEL_FIELDS = {name: Receivable._meta.get_field(name) for name in ["document_no", *AMOUNTS]}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _parse(number: int, raw: dict, bounds) -> _Row:
    row = _Row(number=number, values={}, errors={})
    for column in REQUIRED:
        if _blank(raw.get(column)):
            row.fail(column, _("This field cannot be blank."))
    document_no = raw.get("document_no")
    if not _blank(document_no):
        try:
            row.values["document_no"] = _MODEL_FIELDS["document_no"].clean(
                str(document_no).strip(), None
            )
        except ValidationError as error:
            for message in error.messages:
                row.fail("document_no", message)
    for column in DATES:
        if _blank(raw.get(column)):
            row.values[column] = None
            continue
        try:
            day = _DATE.clean(raw[column])
            check_receivable_date(day, bounds=bounds)
            row.values[column] = day
        except ValueError as error:
            row.fail(column, str(error))
        except ValidationError as error:
            for message in error.messages:
                row.fail(column, message)
    for column in AMOUNTS:
        if _blank(raw.get(column)):
            row.values[column] = None
            continue
        try:
            amount = _AMOUNT.clean(raw[column])
            row.values[column] = _MODEL_FIELDS[column].clean(amount, None)
        except ValueError as error:
            row.fail(column, str(error))
        except ValidationError as error:
            for message in error.messages:
                row.fail(column, message)
    return row


def _client_reference(value, phones: dict) -> tuple[str, int | str] | None:
    """("id", 12) or ("phone", "+7495…"); None when it is neither. ``phones`` caches the
    numbers already read in this batch (a client has many documents)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.isdigit() and len(text) < 10:
        return ("id", int(text))
    if text not in phones:
        phones[text] = normalize_phone(text)
    number = phones[text]
    return ("phone", number) if number else None


def _resolve_clients(rows: list[_Row], raws: list[dict]) -> None:
    references, read = {}, {}
    for row, raw in zip(rows, raws, strict=True):
        if _blank(raw.get("client")):
            continue
        reference = _client_reference(raw["client"], read)
        if reference is None:
            row.fail(
                "client",
                _("“%(value)s” is neither a client id nor a phone number.")
                % {"value": str(raw["client"]).strip()},
            )
        references[row.number] = reference
    ids = {ref[1] for ref in references.values() if ref and ref[0] == "id"}
    phones = {ref[1] for ref in references.values() if ref and ref[0] == "phone"}
    known_ids = (
        set(Client.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    )
    by_phone = (
        {
            n.as_e164: c
            for n, c in ClientPhone.objects.filter(number__in=phones).values_list(
                "number", "client_id"
            )
        }
        if phones
        else {}
    )
    for row, raw in zip(rows, raws, strict=True):
        reference = references.get(row.number)
        if not reference:
            continue
        kind, key = reference
        text = str(raw["client"]).strip()
        if kind == "id":
            if key in known_ids:
                row.values["client_id"] = key
            else:
                row.fail("client", _("No client with id %(value)s.") % {"value": text})
        elif key in by_phone:
            row.values["client_id"] = by_phone[key]
        else:
            row.fail("client", _("No client has the phone %(value)s.") % {"value": text})


def _check_rows(rows: list[_Row], existing: dict) -> None:
    seen = {}
    for row in rows:
        values = row.values
        key = (values.get("client_id"), values.get("document_no"))
        if None not in key:
            if key in seen:
                row.fail(
                    "__all__",
                    _("The same document is in row %(row)s of this batch.") % {"row": seen[key]},
                )
            else:
                seen[key] = row.number
        stored = existing.get(key)
        amount = values.get("amount")
        paid = values.get("paid_amount")
        if paid is None:
            paid = stored.paid_amount if stored else Decimal("0")
        if amount is not None and "paid_amount" not in row.errors and paid > amount:
            row.fail(
                "paid_amount",
                _("Paid %(paid)s is more than the amount %(amount)s.")
                % {"paid": paid, "amount": amount},
            )
        document_date, due_date = values.get("document_date"), values.get("due_date")
        if document_date and due_date and "due_date" not in row.errors and due_date < document_date:
            row.fail("due_date", _("The due date is before the document date."))


def _errors(rows: list[_Row]) -> list[dict]:
    return [
        {"row": row.number, "column": column, "message": message}
        for row in rows
        for column, messages in sorted(row.errors.items())
        for message in messages
    ]


def _take_feed_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite writes one transaction at a time anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FEED_LOCK_KEY])
        return cursor.fetchone()[0]


def import_receivables(raws: list[dict]) -> ReceivablesImport:
    """Create or update receivables by (client, document number); all rows or none.

    Raises :class:`ReceivablesFeedBusy` when another batch is being written.
    """
    bounds = receivable_date_bounds()
    rows = [_parse(number, raw, bounds) for number, raw in enumerate(raws, start=1)]
    try:
        with transaction.atomic():
            if not _take_feed_lock():
                raise ReceivablesFeedBusy
            _resolve_clients(rows, raws)
            client_ids = {row.values["client_id"] for row in rows if "client_id" in row.values}
            existing = {
                (r.client_id, r.document_no): r
                for r in Receivable.objects.filter(client_id__in=client_ids)
            }
            _check_rows(rows, existing)
            errors = _errors(rows)
            if errors:
                return ReceivablesImport(errors=errors)
            return _write(rows, existing)
    except IntegrityError as error:
        # Someone else (the admin's import) wrote the same document meanwhile.
        raise ReceivablesFeedBusy from error


def _write(rows: list[_Row], existing: dict) -> ReceivablesImport:
    new, changed, unchanged = [], [], 0
    for row in rows:
        values = row.values
        stored = existing.get((values["client_id"], values["document_no"]))
        if stored is None:
            new.append(
                Receivable(
                    client_id=values["client_id"],
                    document_no=values["document_no"],
                    document_date=values["document_date"],
                    due_date=values["due_date"],
                    amount=values["amount"],
                    paid_amount=values["paid_amount"] or Decimal("0"),
                    paid_at=values["paid_at"],
                )
            )
            continue
        wanted = {
            "document_date": values["document_date"],
            "due_date": values["due_date"],
            "amount": values["amount"],
            "paid_amount": (
                stored.paid_amount if values["paid_amount"] is None else values["paid_amount"]
            ),
            "paid_at": values["paid_at"],
        }
        if all(getattr(stored, name) == value for name, value in wanted.items()):
            unchanged += 1
            continue
        for name, value in wanted.items():
            setattr(stored, name, value)
        changed.append(stored)
    _bulk_create(new)
    _bulk_update(changed)
    return ReceivablesImport(created=len(new), updated=len(changed), unchanged=unchanged)


def _columns(receivables: list[Receivable], names: list[str]) -> list[list]:
    return [[getattr(r, name) for r in receivables] for name in names]


_PG_TYPES = {
    "id": "bigint",
    "client_id": "bigint",
    "document_no": "varchar",
    "document_date": "date",
    "due_date": "date",
    "amount": "numeric",
    "paid_amount": "numeric",
    "paid_at": "date",
}


def _unnest(names: list[str]) -> str:
    """``SELECT unnest(%s::date[]) AS "due_date", …``: a whole batch in a handful of
    parameters (psycopg then sends arrays, not tens of thousands of placeholders)."""
    quote = connection.ops.quote_name
    return "SELECT " + ", ".join(f"unnest(%s::{_PG_TYPES[n]}[]) AS {quote(n)}" for n in names)


def _bulk_create(new: list[Receivable]) -> None:
    if connection.vendor != "postgresql":
        Receivable.objects.bulk_create(new, batch_size=BATCH_SIZE)
        return
    if not new:
        return
    names = ["client_id", "document_no", *WRITTEN]
    quote = connection.ops.quote_name
    table = quote(Receivable._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(quote(n) for n in names)}) {_unnest(names)}",
            _columns(new, names),
        )


def _bulk_update(changed: list[Receivable]) -> None:
    """Django's bulk_update writes a CASE per column (54 s for 20,000 rows); on PostgreSQL
    one ``UPDATE … FROM (SELECT unnest(…))`` does the same in well under a second."""
    if connection.vendor != "postgresql":
        Receivable.objects.bulk_update(changed, WRITTEN, batch_size=BATCH_SIZE // 4)
        return
    if not changed:
        return
    quote = connection.ops.quote_name
    table = quote(Receivable._meta.db_table)
    names = ["id", *WRITTEN]
    assignments = ", ".join(f"{quote(n)} = v.{quote(n)}" for n in WRITTEN)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS r SET {assignments} FROM ({_unnest(names)}) AS v WHERE r.id = v.id",
            _columns(changed, names),
        )
