from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clients.models import MONEY

QUANTITY = {"max_digits": 12, "decimal_places": 3}


class ProductCategory(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Product(models.Model):
    class Unit(models.TextChoices):
        PIECE = "pcs", _("pcs")
        KG = "kg", _("kg")
        BOX = "box", _("box")
        PACK = "pack", _("pack")
        LITRE = "l", _("l")

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    is_weighed = models.BooleanField(
        _("weighed goods"), default=False, help_text=_("Fractional quantities allowed.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    new_until = models.DateField(_("new until"), null=True, blank=True)
    stock = models.DecimalField(_("in stock"), **QUANTITY, null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    certificate_info = models.TextField(_("certificate"), blank=True)
    shelf_life = models.CharField(_("shelf life"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["is_active", "name"]),
            models.Index(fields=["new_until"]),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"


class PriceColumn(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price column")
        verbose_name_plural = _("price columns")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class ProductPrice(models.Model):
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="prices"
    )
    column = models.ForeignKey(
        PriceColumn, verbose_name=_("price column"), on_delete=models.CASCADE, related_name="prices"
    )
    price = models.DecimalField(
        _("price, ₽"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["product", "column"], name="unique_product_price"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_gte_0"),
        ]

    def __str__(self):
        return f"{self.product.sku} / {self.column.code}: {self.price}"


class DiscountRule(models.Model):
    """Chooses a price column or a percent discount for matching order lines."""

    name = models.CharField(_("name"), max_length=200)
    priority = models.IntegerField(_("priority"), default=0, help_text=_("Higher wins."))
    is_active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    client_types = models.ManyToManyField(
        "clients.ClientType", verbose_name=_("client types"), blank=True
    )
    clients = models.ManyToManyField("clients.Client", verbose_name=_("clients"), blank=True)
    categories = models.ManyToManyField(ProductCategory, verbose_name=_("categories"), blank=True)
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True)
    min_order_amount = models.DecimalField(
        _("minimum order amount, ₽"), **MONEY, null=True, blank=True
    )
    min_quantity = models.DecimalField(
        _("minimum line quantity"), **QUANTITY, null=True, blank=True
    )
    price_column = models.ForeignKey(
        PriceColumn,
        verbose_name=_("switch to price column"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    discount_percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    history = HistoricalRecords(m2m_fields=[client_types, clients, categories, products])

    class Meta:
        verbose_name = _("discount rule")
        verbose_name_plural = _("discount rules")
        ordering = ["-priority", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(price_column__isnull=False) & Q(discount_percent__isnull=True))
                | (Q(price_column__isnull=True) & Q(discount_percent__isnull=False)),
                name="discount_rule_column_xor_percent",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | (Q(discount_percent__gt=0) & Q(discount_percent__lt=100)),
                name="discount_percent_between_0_and_100",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="discount_rule_dates_ordered",
            ),
        ]

    def __str__(self):
        return self.name


class Promotion(models.Model):
    """A special position management wants operators to offer."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="promotions"
    )
    title = models.CharField(_("title"), max_length=200)
    talking_point = models.TextField(_("talking point"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    client_types = models.ManyToManyField(
        "clients.ClientType",
        verbose_name=_("client types"),
        blank=True,
        help_text=_("Empty: for every type."),
    )
    history = HistoricalRecords(m2m_fields=[client_types])

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-valid_from"]
        indexes = [models.Index(fields=["valid_from", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="promotion_dates_ordered"
            )
        ]

    def __str__(self):
        return self.title


class Order(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACCEPTED = "accepted", _("Accepted")
        IN_FULFILMENT = "in_fulfilment", _("In fulfilment")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    class PaymentForm(models.TextChoices):
        CASH = "cash", _("Cash on delivery")
        CARD = "card", _("Card on delivery")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        PREPAYMENT = "prepayment", _("Prepayment")

    class Fulfilment(models.TextChoices):
        DELIVERY = "delivery", _("Our delivery")
        PICKUP = "pickup", _("Client's own transport")
        SHIPPING = "shipping", _("Shipping by carrier")

    # Statuses whose value counts toward the client's exposure (not yet invoiced).
    EXPOSURE_STATUSES = (Status.ACCEPTED, Status.IN_FULFILMENT)

    number = models.CharField(_("number"), max_length=30, unique=True, null=True, blank=True)
    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="orders"
    )
    call = models.ForeignKey(
        "calls.Call",
        verbose_name=_("call"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="taken_orders",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    price_column = models.ForeignKey(
        PriceColumn,
        verbose_name=_("price column"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    total = models.DecimalField(_("total, ₽"), **MONEY, default=Decimal("0"))
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_window = models.CharField(_("delivery window"), max_length=40, blank=True)
    delivery_address = models.ForeignKey(
        "clients.DeliveryAddress",
        verbose_name=_("delivery address"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    receiver = models.ForeignKey(
        "clients.Contact",
        verbose_name=_("receiver"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    payment_form = models.CharField(
        _("payment form"), max_length=20, choices=PaymentForm.choices, blank=True
    )
    payment_documents = models.CharField(_("documents"), max_length=200, blank=True)
    fulfilment = models.CharField(
        _("fulfilment"), max_length=20, choices=Fulfilment.choices, default=Fulfilment.DELIVERY
    )
    pickup_arrival = models.DateTimeField(_("client's transport arrives"), null=True, blank=True)
    # The arrival window announced to the consignee when the order went into fulfilment.
    arrival_from = models.DateTimeField(_("expected arrival from"), null=True, blank=True)
    arrival_to = models.DateTimeField(_("expected arrival until"), null=True, blank=True)
    shipping_details = models.TextField(_("shipping details"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        permissions = [
            ("take_order", _("Can take orders on the phone")),
            ("review_orders", _("Can review the order log")),
        ]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["-accepted_at", "-id"], name="order_accepted_keyset"),
            models.Index(fields=["operator", "-accepted_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_gte_0"),
        ]

    def __str__(self):
        return self.number or _("draft #%(id)s") % {"id": self.pk}


class OrderLine(models.Model):
    class Origin(models.TextChoices):
        MANUAL = "manual", _("Entered")
        REPEAT = "repeat", _("Repeated from last order")
        UPSELL = "upsell", _("Accepted offer")

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_price = models.DecimalField(_("unit price, ₽"), **MONEY)
    price_column = models.ForeignKey(
        PriceColumn, verbose_name=_("price column"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        DiscountRule,
        verbose_name=_("discount rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    line_total = models.DecimalField(_("line total, ₽"), **MONEY)
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.MANUAL
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="unique_order_product"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_gte_0"),
            models.CheckConstraint(condition=Q(line_total__gte=0), name="order_line_total_gte_0"),
        ]

    def __str__(self):
        return f"{self.product} × {self.quantity}"


class UpsellOffer(models.Model):
    class Reason(models.TextChoices):
        NEW = "new", _("New product")
        SPECIAL = "special", _("Special position")
        TRADITIONAL = "traditional", _("Traditional for this client")
        TYPE_POPULAR = "type_popular", _("Popular with similar clients")
        ASSORTMENT = "assortment", _("From our assortment")

    class Response(models.TextChoices):
        PENDING = "pending", _("Not answered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="offers"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    response = models.CharField(
        _("response"), max_length=10, choices=Response.choices, default=Response.PENDING
    )
    offered_at = models.DateTimeField(_("offered"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("upsell offer")
        verbose_name_plural = _("upsell offers")
        ordering = ["offered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="unique_offer_per_product")
        ]

    def __str__(self):
        return f"{self.product} → {self.get_response_display()}"


class OrderEvent(models.Model):
    """One row per change of an order: what happened, when and who did it.

    Written only by the creator functions of ``orders.events`` (one per kind); ``data`` is
    JSON-safe (amounts and quantities as strings)."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Order started")
        LINE_SET = "line_set", _("Line set")
        LINE_REMOVED = "line_removed", _("Line removed")
        REPEATED = "repeated", _("Last order repeated")
        OFFER_ANSWERED = "offer_answered", _("Offer answered")
        DELIVERY_SET = "delivery_set", _("Delivery and payment set")
        ACCEPTED = "accepted", _("Order accepted")
        STATUS_CHANGED = "status_changed", _("Status changed")
        QUANTITY_CHANGED = "quantity_changed", _("Quantity changed after acceptance")
        CANCELLED = "cancelled", _("Order cancelled")
        CONFIRMATION_SENT = "confirmation_sent", _("Confirmation sent")
        ARRIVAL_ANNOUNCED = "arrival_announced", _("Arrival announced")

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"])]

    def __str__(self):
        return f"{self.order} · {self.get_kind_display()}"
