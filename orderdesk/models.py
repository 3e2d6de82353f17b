from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    class Kind(models.TextChoices):
        WHOLESALE = "wholesale", _("Wholesale sales")
        RETAIL = "retail", _("Retail sales")
        REGIONAL = "regional", _("Regional sales")
        SUPPORT = "support", _("Sales support")
        FINANCE = "finance", _("Financial service")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    class Presence(models.TextChoices):
        AVAILABLE = "available", _("Available")
        BUSY = "busy", _("Busy")
        ABSENT = "absent", _("Absent")

    class AbsenceReason(models.TextChoices):
        VACATION = "vacation", _("Vacation")
        BUSINESS_TRIP = "business_trip", _("Business trip")
        ILLNESS = "illness", _("Illness")
        OTHER = "other", _("Other")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
    )
    is_key_account_manager = models.BooleanField(_("key-account manager"), default=False)
    presence = models.CharField(
        _("presence"), max_length=20, choices=Presence.choices, default=Presence.AVAILABLE
    )
    absence_reason = models.CharField(
        _("absence reason"), max_length=20, choices=AbsenceReason.choices, blank=True
    )
    absent_until = models.DateField(
        _("absent until"),
        null=True,
        blank=True,
        help_text=_("Last day of absence; from the next day the person counts as available."),
    )
    extension = models.CharField(
        _("phone extension"), max_length=20, null=True, blank=True, unique=True
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        indexes = [models.Index(fields=["is_key_account_manager", "presence"])]

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class ExportRecord(models.Model):
    """One export of a list (a log's CSV, an admin export): who, when, what, how many rows.

    Written by ``orderdesk.exports.record_export`` only; the admin shows it read-only.
    """

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="exports",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    list_name = models.CharField(_("list"), max_length=100)
    file_format = models.CharField(_("format"), max_length=10)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-at"]
        permissions = [("export_lists", _("Can export lists (CSV, XLSX)"))]

    def __str__(self):
        return f"{self.list_name} · {self.at:%Y-%m-%d %H:%M}"


class OutgoingMessage(models.Model):
    """One e-mail or SMS that leaves the building (price list, order confirmation, arrival
    announcement), kept until it is sent and after.

    Written by ``orderdesk.outbox`` only: ``enqueue`` records it as queued in the caller's
    transaction, the worker's task updates attempts, status and the last error. A message
    that failed every attempt stays ``failed`` in the admin, where it can be resent.
    """

    class Kind(models.TextChoices):
        PRICE_LIST = "price_list", _("Price list")
        CONFIRMATION = "confirmation", _("Order confirmation")
        ARRIVAL = "arrival", _("Arrival announcement")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    # What the sender needs besides the text, ids only (e.g. the attachment to build).
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        permissions = [("resend_outgoingmessage", _("Can resend outgoing messages"))]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"
