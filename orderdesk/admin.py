"""Admin for the organisation: departments, staff profiles, users with their profile."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from orderdesk import outbox
from orderdesk.admin_mixins import ReadOnlyAdminMixin
from orderdesk.admin_words import AccusativeTitlesMixin
from orderdesk.models import Department, ExportRecord, OutgoingMessage, StaffProfile

admin.site.site_header = _("OrderDesk")
admin.site.site_title = _("OrderDesk")
admin.site.index_title = _("Administration")

User = get_user_model()


class StaffProfileAdminForm(forms.ModelForm):
    """Same rule as ``orderdesk.presence.set_presence``: an absence needs its last day."""

    class Meta:
        model = StaffProfile
        fields = [
            "user",
            "department",
            "is_key_account_manager",
            "presence",
            "absence_reason",
            "absent_until",
            "extension",
        ]

    def clean(self):
        cleaned = super().clean()
        presence = cleaned.get("presence")
        if presence == StaffProfile.Presence.ABSENT and not cleaned.get("absent_until"):
            self.add_error("absent_until", _("Say until which day the person is away."))
        if presence and presence != StaffProfile.Presence.ABSENT:
            # Also when edited from the changelist, where the reason is not a field.
            cleaned["absent_until"] = None
            cleaned["absence_reason"] = ""
            self.instance.absence_reason = ""
        return cleaned


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "head"]
    list_filter = ["kind"]
    list_select_related = ["head"]
    search_fields = ["name"]
    autocomplete_fields = ["head"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    form = StaffProfileAdminForm
    list_display = [
        "__str__",
        "department",
        "is_key_account_manager",
        "presence",
        "absent_until",
        "extension",
    ]
    list_editable = ["presence", "absent_until"]
    list_filter = ["department", "is_key_account_manager", "presence"]
    list_select_related = ["user", "department"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "extension",
    ]
    autocomplete_fields = ["user"]
    ordering = ["user__last_name", "user__first_name"]

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", StaffProfileAdminForm)
        return super().get_changelist_form(request, **kwargs)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    form = StaffProfileAdminForm
    can_delete = False
    extra = 0
    max_num = 1
    verbose_name_plural = _("staff profile")


# django.contrib.auth registered its UserAdmin when imported above; replace it
# with one that also edits the staff profile.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [StaffProfileInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "department",
        "presence",
        "is_active",
        "is_staff",
    ]
    list_select_related = ["staff_profile__department"]
    list_filter = ["is_active", "is_staff", "groups", "staff_profile__department"]

    @admin.display(description=_("department"), ordering="staff_profile__department__name")
    def department(self, user):
        profile = getattr(user, "staff_profile", None)
        return profile.department if profile else None

    @admin.display(description=_("presence"), ordering="staff_profile__presence")
    def presence(self, user):
        profile = getattr(user, "staff_profile", None)
        return profile.get_presence_display() if profile else None


@admin.register(ExportRecord)
class ExportRecordAdmin(AccusativeTitlesMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who exported which list, with which filters: read-only, written by the exports."""

    list_display = ["at", "by", "list_name", "file_format", "rows", "filters"]
    list_filter = ["list_name", "file_format", "at"]
    list_select_related = ["by"]
    search_fields = ["by__username", "list_name"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What left the building and what did not: price lists, confirmations, arrival
    announcements. Read-only; the "resend" action queues failed (or stuck) messages again."""

    # What failed and why first, so it shows at 1366 px beside the admin's side bar.
    list_display = [
        "created",
        "kind",
        "recipient",
        "status",
        "attempts",
        "short_error",
        "subject",
    ]
    list_filter = ["status", "kind", "channel", "created_at"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["resend"]
    fields = [
        "kind",
        "channel",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_by",
        "created_at",
        "last_attempt_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, obj):
        return date_format(timezone.localtime(obj.created_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        # A sent message keeps the error of its failed tries on its page, not in the list.
        if obj.status == OutgoingMessage.Status.SENT:
            return ""
        return Truncator(obj.last_error).chars(50)

    def has_resend_permission(self, request):
        return request.user.has_perm("orderdesk.resend_outgoingmessage")

    @admin.action(description=_("Resend the selected messages"), permissions=["resend"])
    def resend(self, request, queryset):
        ids = outbox.resend(list(queryset), by=request.user)
        for message in queryset:
            if message.pk in ids:
                self.log_change(request, message, _("Resent"))
        self.message_user(
            request,
            _("%(count)d message(s) queued again; messages already sent were left alone.")
            % {"count": len(ids)},
        )
