"""Admin for call outcomes (editable), calls and their events (read-only), transfers,
feedback and call tasks."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from calls.models import Call, CallEvent, CallOutcome, CallTask, Feedback, Transfer
from clients.phones import normalize_phone
from orderdesk.admin_mixins import ReadOnlyAdminMixin
from orderdesk.admin_words import AccusativeTitlesMixin


class HandledFilter(admin.SimpleListFilter):
    title = _("handled")
    parameter_name = "handled"

    def lookups(self, request, model_admin):
        return [("no", _("Waiting")), ("yes", _("Handled"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(handled_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(handled_at__isnull=False)
        return queryset


@admin.register(CallOutcome)
class CallOutcomeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "contact_made",
        "is_sale",
        "needs_callback",
        "is_complete",
        "is_active",
        "position",
    ]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "is_sale", "needs_callback"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "by", "data"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class TransferInline(admin.TabularInline):
    model = Transfer
    fk_name = "call"
    extra = 0
    can_delete = False
    fields = ["created_at", "to_user", "to_department", "rule", "reason", "handled_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("to_user", "to_department")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Calls are made at the console; here they are read, and only the notes can be fixed."""

    list_display = [
        "started_at",
        "phone",
        "client",
        "operator",
        "direction",
        "status",
        "purpose",
        "outcome",
        "duration",
    ]
    list_filter = ["status", "direction", "purpose", "outcome", "started_at"]
    list_select_related = ["client", "operator", "outcome"]
    search_fields = ["phone", "client__name"]
    date_hierarchy = "started_at"
    show_full_result_count = False
    fields = [
        ("direction", "status", "step"),
        ("phone", "client"),
        "operator",
        ("started_at", "ended_at"),
        ("purpose", "outcome"),
        "task",
        "notes",
    ]
    readonly_fields = [
        "direction",
        "status",
        "step",
        "phone",
        "client",
        "operator",
        "started_at",
        "ended_at",
        "purpose",
        "outcome",
        "task",
    ]
    inlines = [CallEventInline, TransferInline]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = normalize_phone(search_term.strip()) if search_term else None
        if number:
            results = results | queryset.filter(phone=number)
        return results, may_have_duplicates

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CallEvent)
class CallEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "call", "by"]
    list_filter = ["kind", "at"]
    list_select_related = ["call", "by"]
    search_fields = ["call__phone"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ["created_at", "call", "to_user", "to_department", "rule", "handled_at"]
    list_filter = [HandledFilter, "rule", "to_department"]
    list_select_related = ["call", "to_user", "to_department"]
    search_fields = ["call__phone", "reason", "rule"]
    autocomplete_fields = ["call", "to_user"]
    readonly_fields = ["created_at", "created_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "client", "short_text", "created_by", "handled_at"]
    list_filter = [HandledFilter, "kind", "departments"]
    list_select_related = ["client", "created_by"]
    search_fields = ["text", "client__name"]
    autocomplete_fields = ["call", "client", "order", "handled_by"]
    filter_horizontal = ["departments"]
    readonly_fields = ["created_at", "created_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("text"))
    def short_text(self, feedback):
        return feedback.text[:80]

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CallTask)
class CallTaskAdmin(AccusativeTitlesMixin, admin.ModelAdmin):
    list_display = ["kind", "client", "assigned_to", "status", "due_at", "created_by"]
    list_filter = ["status", "kind", "assigned_to"]
    list_select_related = ["client", "assigned_to", "created_by"]
    search_fields = ["client__name", "instructions"]
    autocomplete_fields = ["client", "assigned_to", "call"]
    readonly_fields = ["created_at", "created_by"]
    date_hierarchy = "due_at"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
