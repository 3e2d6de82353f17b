"""Reads about clients."""

from datetime import date, timedelta

from django.utils import timezone

from clients.models import Client, ClientPhone, Receivable
from clients.phones import normalize_phone


def find_client_by_phone(raw: str, *, for_card: bool = True) -> Client | None:
    """The client with this number, written any common way; ``None`` if unknown or malformed.

    ``for_card``: with what the client card shows (type, price column, manager and their
    presence) in the same query; ``False`` for the client row alone (identifying a call
    needs no more, and the six-table join costs more to plan than to run at full scale)."""
    number = normalize_phone(raw)
    if number is None:
        return None
    related = (
        ("client__client_type__default_price_column", "client__manager__staff_profile")
        if for_card
        else ("client",)
    )
    phone = ClientPhone.objects.select_related(*related).filter(number=number).first()
    return phone.client if phone else None


def contact_email(client: Client) -> str:
    """Where to send the client papers: the first contact with an e-mail, else the client's."""
    email = (
        client.contacts.exclude(email="").order_by("name").values_list("email", flat=True).first()
    )
    return email or client.email


class ClientStatus:
    NEW = "new"
    ACTIVE = "active"
    ASLEEP = "asleep"


def client_status(client: Client, *, on: date | None = None) -> str:
    """new (no manager or never ordered), asleep (no order within the type's threshold), active."""
    on = on or timezone.localdate()
    if client.manager_id is None or client.last_order_at is None:
        return ClientStatus.NEW
    last = timezone.localtime(client.last_order_at).date()
    if on - last > timedelta(days=client.client_type.asleep_after_days):
        return ClientStatus.ASLEEP
    return ClientStatus.ACTIVE


RECEIVABLES_PAGE = 200


def open_receivables(*, overdue_only: bool = False, q: str = "", on: date | None = None):
    """Unpaid documents, most overdue first (finance's worklist), at most 200 rows."""
    from django.db.models import F

    on = on or timezone.localdate()
    rows = Receivable.objects.filter(paid_amount__lt=F("amount")).select_related(
        "client__manager", "client__client_type"
    )
    if overdue_only:
        rows = rows.filter(due_date__lt=on)
    q = q.strip()
    if q:
        number = normalize_phone(q)
        rows = (
            rows.filter(client__phones__number=number)
            if number
            else rows.filter(client__name__icontains=q)
        )
    rows = list(rows.order_by("due_date", "id")[:RECEIVABLES_PAGE])
    for row in rows:
        row.is_overdue = row.due_date < on
    return rows
