from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}


class ClientType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_key = models.BooleanField(_("key client type"), default=False)
    is_regional = models.BooleanField(_("regional"), default=False)
    default_price_column = models.ForeignKey(
        "orders.PriceColumn",
        verbose_name=_("default price column"),
        on_delete=models.PROTECT,
        related_name="client_types",
    )
    department = models.ForeignKey(
        "orderdesk.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="client_types",
    )
    asleep_after_days = models.PositiveIntegerField(
        _("asleep after (days without an order)"), default=60
    )
    sweep_asleep = models.BooleanField(
        _("sweep asleep clients"),
        default=False,
        help_text=_("Newly asleep clients of this type get a wake-up call task every night."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client type")
        verbose_name_plural = _("client types")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Client(models.Model):
    name = models.CharField(_("name"), max_length=300)
    client_type = models.ForeignKey(
        ClientType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="clients"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_clients",
    )
    credit_limit = models.DecimalField(
        _("credit limit, ₽"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Empty: no limit. 0: prepayment only."),
    )
    payment_terms_days = models.PositiveIntegerField(_("payment terms, days"), default=0)
    region = models.CharField(_("region"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    tax_id = models.CharField(_("INN"), max_length=12, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Denormalised by accept_order; drives "asleep" without scanning orders.
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True, db_index=True)
    history = HistoricalRecords(
        excluded_fields=["last_order_at", "notes", "created_at"],
    )

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        indexes = [models.Index(fields=["manager", "name"]), models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                name="client_credit_limit_non_negative",
            )
        ]

    def __str__(self):
        return self.name


class ClientPhone(models.Model):
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="phones"
    )
    number = PhoneNumberField(_("number"), unique=True)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("client phone")
        verbose_name_plural = _("client phones")

    def __str__(self):
        return str(self.number)


class Contact(models.Model):
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    can_receive_goods = models.BooleanField(_("may receive goods"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]

    def __str__(self):
        return self.name


class DeliveryAddress(models.Model):
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="addresses"
    )
    address = models.CharField(_("address"), max_length=500)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("delivery address")
        verbose_name_plural = _("delivery addresses")
        ordering = ["-is_default", "address"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(is_default=True),
                name="one_default_address_per_client",
            )
        ]

    def __str__(self):
        return self.address


class Receivable(models.Model):
    """An open (or paid) document imported from the accounting system."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="receivables"
    )
    document_no = models.CharField(_("document no."), max_length=60)
    document_date = models.DateField(_("document date"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount, ₽"), **MONEY)
    paid_amount = models.DecimalField(_("paid, ₽"), **MONEY, default=Decimal("0"))
    paid_at = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables")
        ordering = ["due_date"]
        permissions = [("view_all_receivables", _("Can see receivables of all clients"))]
        indexes = [models.Index(fields=["client", "due_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "document_no"], name="unique_receivable_document"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="receivable_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="receivable_paid_between_0_and_amount",
            ),
        ]

    def __str__(self):
        return self.document_no

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount
