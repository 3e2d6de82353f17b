"""Admin for client types, clients (with phones, contacts, addresses, receivables)."""

from django.contrib import admin
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from clients.models import Client, ClientPhone, ClientType, Contact, DeliveryAddress, Receivable
from clients.phones import normalize_phone
from clients.resources import ClientResource, ReceivableResource
from orderdesk.admin_words import AccusativeTitlesMixin
from orderdesk.exports import RecordedExportMixin
from orderdesk.import_formats import IMPORT_FORMATS


class PhoneSearchMixin:
    """Typing a phone number in any common form ("8 (495) 100-00-01") finds its owner.

    ``phone_search_path`` is the lookup from the admin's model to ``ClientPhone.number``.
    The normal search still runs, so names and other fields keep working.
    """

    phone_search_path = "phones__number"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = normalize_phone(search_term.strip()) if search_term else None
        if number:
            results = results | queryset.filter(**{self.phone_search_path: number})
            may_have_duplicates = True
        return results, may_have_duplicates


@admin.register(ClientType)
class ClientTypeAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "code",
        "is_key",
        "is_regional",
        "default_price_column",
        "department",
        "asleep_after_days",
    ]
    list_filter = ["is_key", "is_regional", "department"]
    list_select_related = ["default_price_column", "department"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class ClientPhoneInline(admin.TabularInline):
    model = ClientPhone
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "position", "phone", "email", "can_receive_goods"]


class DeliveryAddressInline(admin.TabularInline):
    model = DeliveryAddress
    extra = 0


class ReceivableInline(admin.TabularInline):
    model = Receivable
    extra = 0
    fields = ["document_no", "document_date", "due_date", "amount", "paid_amount", "paid_at"]
    ordering = ["-due_date"]
    show_change_link = True


@admin.register(Client)
class ClientAdmin(
    AccusativeTitlesMixin,
    PhoneSearchMixin,
    RecordedExportMixin,
    ImportExportModelAdmin,
    SimpleHistoryAdmin,
):
    import_formats = IMPORT_FORMATS  # a ";"-separated CSV too
    resource_classes = [ClientResource]
    list_display = [
        "name",
        "client_type",
        "manager",
        "credit_limit",
        "payment_terms_days",
        "region",
        "last_order_at",
    ]
    list_filter = ["client_type", "manager", "region"]
    list_select_related = ["client_type", "manager"]
    search_fields = ["name", "tax_id", "email"]
    autocomplete_fields = ["manager"]
    readonly_fields = ["created_at", "last_order_at"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["name", "client_type", "manager", "region", "tax_id", "email"]}),
        (_("Credit"), {"fields": ["credit_limit", "payment_terms_days"]}),
        (None, {"fields": ["notes", "created_at", "last_order_at"]}),
    ]
    inlines = [ClientPhoneInline, ContactInline, DeliveryAddressInline, ReceivableInline]

    def get_export_queryset(self, request):
        # The export writes every client's phones into one column.
        return super().get_export_queryset(request).prefetch_related("phones")


@admin.register(ClientPhone)
class ClientPhoneAdmin(PhoneSearchMixin, admin.ModelAdmin):
    phone_search_path = "number"
    list_display = ["number", "client", "note"]
    list_select_related = ["client"]
    search_fields = ["client__name", "note"]
    autocomplete_fields = ["client"]
    show_full_result_count = False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "position", "phone", "can_receive_goods"]
    list_filter = ["can_receive_goods"]
    list_select_related = ["client"]
    search_fields = ["name", "client__name", "phone"]
    autocomplete_fields = ["client"]
    show_full_result_count = False


@admin.register(DeliveryAddress)
class DeliveryAddressAdmin(admin.ModelAdmin):
    list_display = ["address", "client", "is_default"]
    list_filter = ["is_default"]
    list_select_related = ["client"]
    search_fields = ["address", "client__name"]
    autocomplete_fields = ["client"]
    show_full_result_count = False


class PaymentStateFilter(admin.SimpleListFilter):
    title = _("payment")
    parameter_name = "payment"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("open", _("Not paid in full")),
            ("paid", _("Paid")),
        ]

    def queryset(self, request, queryset):
        unpaid = Q(paid_amount__lt=F("amount"))
        if self.value() == "overdue":
            return queryset.filter(unpaid, due_date__lt=timezone.localdate())
        if self.value() == "open":
            return queryset.filter(unpaid)
        if self.value() == "paid":
            return queryset.exclude(unpaid)
        return queryset


@admin.register(Receivable)
class ReceivableAdmin(RecordedExportMixin, ImportExportModelAdmin):
    import_formats = IMPORT_FORMATS  # a ";"-separated CSV too
    resource_classes = [ReceivableResource]
    list_display = [
        "document_no",
        "client",
        "document_date",
        "due_date",
        "amount",
        "paid_amount",
        "outstanding_amount",
        "is_overdue",
    ]
    list_filter = [PaymentStateFilter, "due_date"]
    list_select_related = ["client"]
    search_fields = ["document_no", "client__name"]
    autocomplete_fields = ["client"]
    date_hierarchy = "due_date"
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(outstanding_value=F("amount") - F("paid_amount"))
        )

    @admin.display(description=_("outstanding, ₽"), ordering="outstanding_value")
    def outstanding_amount(self, receivable):
        return receivable.outstanding

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue(self, receivable):
        return receivable.outstanding > 0 and receivable.due_date < timezone.localdate()
