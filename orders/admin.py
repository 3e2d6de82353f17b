"""Admin for the catalogue, prices, discount rules, promotions and (read-mostly) orders."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from orderdesk.admin_mixins import ReadOnlyAdminMixin
from orderdesk.admin_words import AccusativeTitlesMixin
from orderdesk.exports import RecordedExportMixin
from orderdesk.import_formats import IMPORT_FORMATS
from orders.errors import OrderError
from orders.forms import DiscountRuleAdminForm, OrderActionForm, OrderAdminForm
from orders.models import (
    DiscountRule,
    Order,
    OrderEvent,
    OrderLine,
    PriceColumn,
    Product,
    ProductCategory,
    ProductPrice,
    Promotion,
    UpsellOffer,
)
from orders.resources import ProductPriceResource, ProductResource
from orders.services import change_status


@admin.register(ProductCategory)
class ProductCategoryAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class ProductPriceInline(admin.TabularInline):
    model = ProductPrice
    extra = 0
    fields = ["column", "price"]
    ordering = ["column__position", "column__code"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("column")


class NewProductFilter(admin.SimpleListFilter):
    title = _("novelty")
    parameter_name = "new"

    def lookups(self, request, model_admin):
        return [("yes", _("New now")), ("no", _("Not new"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.filter(new_until__gte=today)
        if self.value() == "no":
            return queryset.exclude(new_until__gte=today)
        return queryset


@admin.register(Product)
class ProductAdmin(RecordedExportMixin, ImportExportModelAdmin):
    import_formats = IMPORT_FORMATS  # a ";"-separated CSV too
    resource_classes = [ProductResource]
    list_display = ["sku", "name", "category", "unit", "is_active", "new_until", "stock"]
    list_filter = ["is_active", NewProductFilter, "category", "unit", "is_weighed"]
    list_select_related = ["category"]
    search_fields = ["sku", "name"]
    ordering = ["name"]
    inlines = [ProductPriceInline]
    fieldsets = [
        (None, {"fields": ["sku", "name", "category", "unit", "is_weighed", "is_active"]}),
        (_("Offering"), {"fields": ["new_until", "stock"]}),
        (
            _("Reference for operators"),
            {"fields": ["description", "certificate_info", "shelf_life"]},
        ),
    ]


@admin.register(PriceColumn)
class PriceColumnAdmin(AccusativeTitlesMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "position"]
    list_editable = ["position"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(ProductPrice)
class ProductPriceAdmin(
    AccusativeTitlesMixin, RecordedExportMixin, ImportExportModelAdmin, SimpleHistoryAdmin
):
    """The product × column grid: filter by a column and edit prices in the list."""

    import_formats = IMPORT_FORMATS  # a ";"-separated CSV too

    resource_classes = [ProductPriceResource]
    list_display = ["product", "column", "price"]
    list_display_links = ["product"]
    list_editable = ["price"]
    list_filter = ["column"]
    list_select_related = ["product", "column"]
    search_fields = ["product__sku", "product__name"]
    autocomplete_fields = ["product"]
    ordering = ["product__name", "column__position"]
    show_full_result_count = False


@admin.register(DiscountRule)
class DiscountRuleAdmin(SimpleHistoryAdmin):
    form = DiscountRuleAdminForm
    list_display = [
        "name",
        "priority",
        "is_active",
        "valid_from",
        "valid_to",
        "effect",
        "min_order_amount",
        "min_quantity",
    ]
    list_filter = ["is_active", "price_column", "client_types", "categories"]
    list_select_related = ["price_column"]
    search_fields = ["name"]
    # Small lists pick side by side; clients and products are too many for that.
    filter_horizontal = ["client_types", "categories"]
    autocomplete_fields = ["clients", "products"]
    fieldsets = [
        (None, {"fields": ["name", "priority", "is_active", ("valid_from", "valid_to")]}),
        (
            _("Conditions (empty: any)"),
            {
                "fields": [
                    "client_types",
                    "clients",
                    "categories",
                    "products",
                    "min_order_amount",
                    "min_quantity",
                ]
            },
        ),
        (_("Effect: one of the two"), {"fields": ["price_column", "discount_percent"]}),
    ]

    @admin.display(description=_("effect"))
    def effect(self, rule):
        if rule.price_column_id:
            return _("column “%(column)s”") % {"column": rule.price_column}
        return _("−%(percent)s%%") % {"percent": rule.discount_percent}


@admin.register(Promotion)
class PromotionAdmin(AccusativeTitlesMixin, SimpleHistoryAdmin):
    list_display = ["title", "product", "valid_from", "valid_to"]
    list_filter = ["valid_from", "client_types"]
    list_select_related = ["product"]
    search_fields = ["title", "product__sku", "product__name"]
    autocomplete_fields = ["product"]
    filter_horizontal = ["client_types"]
    date_hierarchy = "valid_from"


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["product", "quantity", "unit_price", "price_column", "rule", "line_total", "origin"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "price_column", "rule")


class UpsellOfferInline(admin.TabularInline):
    model = UpsellOffer
    extra = 0
    can_delete = False
    fields = ["product", "reason", "response", "offered_at", "answered_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


class OrderEventInline(admin.TabularInline):
    """The order's history, read-only: written only by orders.events."""

    model = OrderEvent
    fields = ["at", "by", "kind", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders are taken at the order desk; here they are looked up and their delivery fixed."""

    form = OrderAdminForm
    list_display = ["__str__", "client", "operator", "status", "total", "accepted_at"]
    list_filter = ["status", "accepted_at", "fulfilment", "payment_form"]
    list_select_related = ["client", "operator"]
    search_fields = ["number", "client__name"]
    date_hierarchy = "accepted_at"
    show_full_result_count = False
    actions = ["mark_in_fulfilment", "mark_delivered", "cancel", "reopen"]
    # "Cancel" needs a reason: typed in the field next to the action list, recorded on
    # the order's history (OrderEvent "cancelled") with the admin who did it.
    action_form = OrderActionForm
    readonly_fields = [
        "number",
        "status",
        # both change what the debt gate counts: only the order desk sets them
        "payment_form",
        "fulfilment",
        "client",
        "call",
        "operator",
        "price_column",
        "total",
        "idempotency_key",
        "created_at",
        "accepted_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("number", "status"),
                    ("client", "operator", "call"),
                    ("price_column", "total"),
                    ("created_at", "accepted_at"),
                ]
            },
        ),
        (
            _("Delivery"),
            {
                "fields": [
                    "fulfilment",
                    ("delivery_date", "delivery_window"),
                    "delivery_address",
                    "receiver",
                    "pickup_arrival",
                    "shipping_details",
                ]
            },
        ),
        (_("Payment"), {"fields": ["payment_form", "payment_documents"]}),
        (None, {"fields": ["comment", "idempotency_key"]}),
    ]
    inlines = [OrderLineInline, UpsellOfferInline, OrderEventInline]

    def has_add_permission(self, request):
        return False

    def _move(self, request, queryset, status):
        """Each order through change_status: the life cycle, the debt gate and the history
        (who, when, old → new, the reason of a cancellation) hold here too."""
        moved, refused = 0, []
        reason = request.POST.get("reason", "")
        for order in queryset:
            try:
                change_status(order=order, status=status, by=request.user, reason=reason)
                moved += 1
            except OrderError as error:
                refused.append(f"{order}: {error.message}")
        if moved:
            self.message_user(
                request,
                _("%(count)s order(s) now %(status)s.")
                % {"count": moved, "status": Order.Status(status).label},
                messages.SUCCESS,
            )
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description=_("Mark as in fulfilment"), permissions=["change"])
    def mark_in_fulfilment(self, request, queryset):
        self._move(request, queryset, Order.Status.IN_FULFILMENT)

    @admin.action(description=_("Mark as delivered"), permissions=["change"])
    def mark_delivered(self, request, queryset):
        self._move(request, queryset, Order.Status.DELIVERED)

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request, queryset):
        self._move(request, queryset, Order.Status.CANCELLED)

    @admin.action(description=_("Re-open (re-checks the debt gate)"), permissions=["change"])
    def reopen(self, request, queryset):
        self._move(request, queryset, Order.Status.ACCEPTED)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderLine)
class OrderLineAdmin(AccusativeTitlesMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "order",
        "product",
        "quantity",
        "unit_price",
        "line_total",
        "price_column",
        "rule",
        "origin",
    ]
    list_filter = ["origin", "price_column"]
    list_select_related = ["order", "product", "price_column", "rule"]
    search_fields = ["order__number", "product__sku", "product__name"]
    show_full_result_count = False


@admin.register(UpsellOffer)
class UpsellOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "product", "reason", "response", "offered_at", "answered_at"]
    list_filter = ["reason", "response"]
    list_select_related = ["order", "product"]
    search_fields = ["order__number", "product__sku", "product__name"]
    date_hierarchy = "offered_at"
    show_full_result_count = False
