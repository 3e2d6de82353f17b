"""Import/export of clients and receivables (django-import-export), plus the shared widgets.

Every widget raises ``ValueError`` with a message an administrator understands;
import-export turns that into a per-row validation error, so a dry run lists
each bad row with the reason and writes nothing.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from clients.models import Client, ClientPhone, ClientType, Receivable
from clients.phones import normalize_phone
from orderdesk.bounds import check_receivable_date, receivable_date_bounds

PHONE_SEPARATOR = ";"


class DecimalAmountWidget(widgets.DecimalWidget):
    """A ``Decimal`` written either way (``1 234,50`` or ``1234.50``); never a float.

    Spreadsheet cells that arrive as floats go through ``str`` so no binary
    fraction sneaks into the money.
    """

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, bool):
            raise ValueError(gettext("“%(value)s” is not a number.") % {"value": value})
        elif isinstance(value, int | float):
            number = Decimal(str(value))
        else:
            text = str(value).strip()
            for space in (" ", "\u00a0", "\u202f", "'"):
                text = text.replace(space, "")
            text = text.replace(",", ".")
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValueError(
                    gettext("“%(value)s” is not a number.") % {"value": value}
                ) from None
        if not number.is_finite():
            raise ValueError(gettext("“%(value)s” is not a number.") % {"value": value})
        if number < 0 and not self.allow_negative:
            raise ValueError(
                gettext("“%(value)s” is negative; it must be zero or more.") % {"value": value}
            )
        return number


class DateInputWidget(widgets.DateWidget):
    """A date as ISO (``2025-03-31``) or the Russian way (``31.03.2025``)."""

    INPUT_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.formats = self.INPUT_FORMATS

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if value is None or str(value).strip() == "":
            return None
        try:
            return self._parse_value(str(value).strip(), date)
        except ValueError:
            raise ValueError(
                gettext("“%(value)s” is not a date; write 2025-03-31 or 31.03.2025.")
                % {"value": value}
            ) from None


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a natural key; an unknown key is a row error, never a new row."""

    def __init__(self, model, field, *, unknown_message: str, **kwargs):
        self.unknown_message = unknown_message
        super().__init__(model, field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        value = str(value).strip()
        try:
            return super().clean(value, row, **kwargs)
        except (self.model.DoesNotExist, self.model.MultipleObjectsReturned):
            raise ValueError(str(self.unknown_message) % {"value": value}) from None


class PhoneListWidget(widgets.Widget):
    """Phone numbers in one cell, separated by ``;``, each normalised to E.164."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return []
        numbers = []
        for raw in str(value).split(PHONE_SEPARATOR):
            raw = raw.strip()
            if not raw:
                continue
            number = normalize_phone(raw)
            if number is None:
                raise ValueError(gettext("“%(value)s” is not a phone number.") % {"value": raw})
            if number not in numbers:
                numbers.append(number)
        return numbers

    def render(self, value, obj=None, **kwargs):
        return f"{PHONE_SEPARATOR} ".join(str(number) for number in value or [])


class ClientReferenceWidget(widgets.ForeignKeyWidget):
    """A client given by its id (digits only, shorter than a phone) or by any of its phones."""

    def __init__(self, **kwargs):
        super().__init__(Client, "pk", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if text.isdigit() and len(text) < 10:
            client = Client.objects.filter(pk=int(text)).first()
            if client is None:
                raise ValueError(gettext("No client with id %(value)s.") % {"value": text})
            return client
        number = normalize_phone(text)
        if number is None:
            raise ValueError(
                gettext("“%(value)s” is neither a client id nor a phone number.") % {"value": text}
            )
        phone = ClientPhone.objects.select_related("client").filter(number=number).first()
        if phone is None:
            raise ValueError(gettext("No client has the phone %(value)s.") % {"value": text})
        return phone.client

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value.pk)


class RowErrorResource(resources.ModelResource):
    """Bad natural keys and bad values become row errors named after the file's columns."""

    def get_instance(self, instance_loader, row):
        # An unknown key (SKU, client, column) would fail here, outside the
        # per-field validation; treat the row as new so that ``import_instance``
        # reports the same problem as a readable error on its column.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Errors arrive keyed by model attribute; show them under the file's column names.
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as e:
            if not hasattr(e, "error_dict"):
                raise
            columns = {f.attribute: f.column_name for f in self.fields.values() if f.attribute}
            raise ValidationError(
                {columns.get(key, key): errors for key, errors in e.error_dict.items()}
            ) from None


# --- clients -----------------------------------------------------------------


class ClientResource(RowErrorResource):
    """Columns: id (optional), name, type (code), manager (username), credit_limit,
    payment_terms_days, region, phones (``;``-separated).

    A row updates the client with that id, or else the client owning one of the
    phones; so importing the same file twice never duplicates a client. Phones
    in the file are added to the client's phones (none are removed).
    """

    id = fields.Field(attribute="id", column_name="id", readonly=True)
    type = fields.Field(
        attribute="client_type",
        column_name="type",
        widget=LookupWidget(
            ClientType,
            "code",
            unknown_message=_("Unknown client type “%(value)s”; use a client type code."),
        ),
    )
    manager = fields.Field(
        attribute="manager",
        column_name="manager",
        widget=LookupWidget(
            get_user_model(),
            "username",
            unknown_message=_("Unknown manager “%(value)s”; use a user name."),
        ),
    )
    credit_limit = fields.Field(
        attribute="credit_limit", column_name="credit_limit", widget=DecimalAmountWidget()
    )
    payment_terms_days = fields.Field(
        attribute="payment_terms_days",
        column_name="payment_terms_days",
        widget=widgets.IntegerWidget(),
        saves_null_values=False,
    )
    phones = fields.Field(
        attribute="_import_phones", column_name="phones", widget=PhoneListWidget()
    )

    class Meta:
        model = Client
        fields = (
            "id",
            "name",
            "type",
            "manager",
            "credit_limit",
            "payment_terms_days",
            "region",
            "phones",
        )
        import_order = fields
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Client.objects.select_related("client_type", "manager").prefetch_related("phones")

    def get_instance(self, instance_loader, row):
        raw_id = row.get("id")
        if raw_id not in (None, ""):
            try:
                return Client.objects.filter(pk=int(raw_id)).first()
            except (TypeError, ValueError):
                return None
        try:
            numbers = PhoneListWidget().clean(row.get("phones"))
        except ValueError:
            return None
        owners = {
            phone.number.as_e164: phone.client
            for phone in ClientPhone.objects.select_related("client").filter(number__in=numbers)
        }
        # The first listed phone that is known decides; other owners are reported as clashes.
        return next((owners[n] for n in numbers if n in owners), None)

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._existing_phones = (
            [] if new else sorted(p.number.as_e164 for p in instance.phones.all())
        )
        instance._import_phones = list(instance._existing_phones)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        raw_id = row.get("id")
        if raw_id not in (None, "") and instance.pk is None:
            errors["id"] = [
                ValidationError(gettext("No client with id %(value)s.") % {"value": raw_id})
            ]
        if "_import_phones" not in errors:
            wanted = instance._import_phones or []
            taken = ClientPhone.objects.filter(number__in=wanted).select_related("client")
            if instance.pk is not None:
                taken = taken.exclude(client_id=instance.pk)
            clashes = [
                gettext("%(phone)s already belongs to “%(client)s”.")
                % {"phone": p.number.as_e164, "client": p.client}
                for p in taken
            ]
            if clashes:
                errors["_import_phones"] = [ValidationError(" ".join(clashes))]
            elif not wanted and instance.pk is None:
                errors["_import_phones"] = [
                    ValidationError(
                        gettext(
                            "Give the client's id or at least one phone, so that importing "
                            "the file again updates the client instead of adding a copy."
                        )
                    )
                ]
            # Phones in the file are added to the ones the client already has.
            instance._import_phones = sorted(set(instance._existing_phones) | set(wanted))
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:  # a dry run without transactions saves nothing
            return
        missing = set(instance._import_phones) - set(instance._existing_phones)
        for number in sorted(missing):
            ClientPhone.objects.create(client=instance, number=number)

    def dehydrate_phones(self, client):
        if client.pk is None:
            return ""
        return f"{PHONE_SEPARATOR} ".join(p.number.as_e164 for p in client.phones.all())


# --- receivables -------------------------------------------------------------


class ReceivableResource(RowErrorResource):
    """Columns: client (id or phone), document_no, document_date, due_date, amount, paid_amount.

    A row is identified by client + document number: importing the accounting
    system's file again updates the paid amounts instead of adding documents.
    """

    client = fields.Field(attribute="client", column_name="client", widget=ClientReferenceWidget())
    document_date = fields.Field(
        attribute="document_date", column_name="document_date", widget=DateInputWidget()
    )
    due_date = fields.Field(attribute="due_date", column_name="due_date", widget=DateInputWidget())
    amount = fields.Field(attribute="amount", column_name="amount", widget=DecimalAmountWidget())
    paid_amount = fields.Field(
        attribute="paid_amount",
        column_name="paid_amount",
        widget=DecimalAmountWidget(),
        saves_null_values=False,
    )
    paid_at = fields.Field(attribute="paid_at", column_name="paid_at", widget=DateInputWidget())

    class Meta:
        model = Receivable
        fields = (
            "client",
            "document_no",
            "document_date",
            "due_date",
            "amount",
            "paid_amount",
            "paid_at",
        )
        import_order = fields
        export_order = fields
        import_id_fields = ("client", "document_no")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Receivable.objects.select_related("client")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        amount, paid = instance.amount, instance.paid_amount
        if (
            "amount" not in errors
            and "paid_amount" not in errors
            and amount is not None
            and paid is not None
            and paid > amount
        ):
            errors["paid_amount"] = [
                ValidationError(
                    gettext("Paid %(paid)s is more than the amount %(amount)s.")
                    % {"paid": paid, "amount": amount}
                )
            ]
        bounds = receivable_date_bounds()
        for name in ("document_date", "due_date", "paid_at"):
            day = getattr(instance, name)
            if name not in errors and isinstance(day, date):
                try:
                    check_receivable_date(day, bounds=bounds)
                except ValidationError as error:
                    errors[name] = error.error_list
        if (
            "due_date" not in errors
            and instance.due_date
            and instance.document_date
            and instance.due_date < instance.document_date
        ):
            errors["due_date"] = [
                ValidationError(gettext("The due date is before the document date."))
            ]
        super().validate_instance(instance, errors, validate_unique=validate_unique)
