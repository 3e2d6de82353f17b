from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Purpose(models.TextChoices):
    ORDER = "order", _("Order")
    REFERENCE = "reference", _("Reference information")
    FEEDBACK = "feedback", _("Comment or complaint")
    OTHER = "other", _("Other")


class OutcomeCode(models.TextChoices):
    """The codes of the wrap-up outcomes the product ships with and its rules name
    (calls/outcomes.py); admins may add outcomes with codes of their own."""

    ORDER_TAKEN = "order_taken", _("Order taken")
    DEBT_BLOCKED = "debt_blocked", _("Order blocked by debt")
    TRANSFERRED = "transferred", _("Transferred")
    INFORMATION_GIVEN = "information_given", _("Information given")
    COMPLAINT_RECORDED = "complaint_recorded", _("Comment or complaint recorded")
    NO_ANSWER = "no_answer", _("No answer")
    CALL_BACK = "call_back", _("Call back later")
    ABANDONED = "abandoned", _("Abandoned")


class CallOutcome(models.Model):
    """Wrap-up code, as data, with the flags call-centre systems carry."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact_made = models.BooleanField(_("contact made"), default=True)
    is_sale = models.BooleanField(_("sale"), default=False)
    needs_callback = models.BooleanField(_("needs call-back"), default=False)
    is_complete = models.BooleanField(_("complete"), default=True)
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("call outcome")
        verbose_name_plural = _("call outcomes")
        ordering = ["position", "code"]

    def __str__(self):
        return str(self.label)

    @property
    def label(self) -> str:
        """The name to show: a shipped outcome (its code is an ``OutcomeCode``) that nobody
        renamed shows in the interface's language; an admin's name or outcome as typed."""
        if self.code in OutcomeCode.values:
            shipped = OutcomeCode(self.code).label
            with translation.override("ru"):
                shipped_ru = str(shipped)  # the name the product ships (calls.outcomes)
            with translation.override(None):
                shipped_msgid = str(shipped)
            if self.name in (shipped_ru, shipped_msgid):
                return str(shipped)
        return self.name


class Call(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ABANDONED = "abandoned", _("Abandoned")

    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.INBOUND
    )
    phone = models.CharField(_("phone"), max_length=32, db_index=True)
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="calls",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    step = models.CharField(_("step"), max_length=30, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, blank=True)
    outcome = models.ForeignKey(
        CallOutcome,
        verbose_name=_("outcome"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    task = models.ForeignKey(
        "calls.CallTask",
        verbose_name=_("task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at"]
        permissions = [
            ("use_console", _("Can take calls in the operator console")),
            ("review_calls", _("Can review the call log")),
        ]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="call_started_keyset"),
            models.Index(fields=["operator", "status"]),
            models.Index(fields=["client", "-started_at"]),
        ]

    def __str__(self):
        return f"{self.phone} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        return (self.ended_at - self.started_at) if self.ended_at else None


class CallEvent(models.Model):
    class Kind(models.TextChoices):
        STARTED = "started", _("Call started")
        IDENTIFIED = "identified", _("Caller identified")
        CLIENT_CREATED = "client_created", _("New client registered")
        PURPOSE = "purpose", _("Purpose chosen")
        ROUTED = "routed", _("Routing decided")
        TRANSFERRED = "transferred", _("Transferred")
        DEBT_CHECKED = "debt_checked", _("Debt checked")
        REFERENCE = "reference", _("Reference given")
        PRICE_LIST_SENT = "price_list_sent", _("Price list sent")
        FEEDBACK = "feedback", _("Feedback recorded")
        ORDER_STARTED = "order_started", _("Order started")
        ORDER_ACCEPTED = "order_accepted", _("Order accepted")
        OFFER_ANSWERED = "offer_answered", _("Offer answered")
        WRAPPED_UP = "wrapped_up", _("Wrapped up")
        ABANDONED = "abandoned", _("Abandoned")
        SURVEY_ANSWERED = "survey_answered", _("Survey answered")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="events"
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
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["call", "at"]), models.Index(fields=["kind", "at"])]

    def __str__(self):
        return f"{self.get_kind_display()} @ {self.at:%H:%M:%S}"


class Transfer(models.Model):
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="transfers"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_transfers",
    )
    to_department = models.ForeignKey(
        "orderdesk.Department",
        verbose_name=_("to department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    rule = models.CharField(_("rule"), max_length=40)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_user", "handled_at"])]

    def __str__(self):
        return f"{self.call} → {self.to_user or self.to_department}"


class Feedback(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        WISH = "wish", _("Wish")
        COMPLAINT = "complaint", _("Complaint")

    call = models.ForeignKey(
        Call,
        verbose_name=_("call"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feedback",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"))
    departments = models.ManyToManyField(
        "orderdesk.Department", verbose_name=_("departments"), related_name="feedback"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A head's verdict on a complaint against an order (operator criteria, VI): None until
    # judged.
    justified = models.BooleanField(_("justified"), null=True, blank=True)
    justified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("judged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    justified_at = models.DateTimeField(_("judged"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["handled_at", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:40]}"


class CallTask(models.Model):
    class Kind(models.TextChoices):
        ASSIGN_MANAGER = "assign_manager", _("Assign a manager")
        CALL_BACK = "call_back", _("Call back")
        ASLEEP = "asleep", _("Wake an asleep client")
        INSTRUCTED = "instructed", _("Instructed call")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("task", "Open")
        DONE = "done", pgettext_lazy("task", "Done")
        CANCELLED = "cancelled", pgettext_lazy("task", "Cancelled")
        UNREACHABLE = "unreachable", pgettext_lazy("task", "Unreachable")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_tasks",
    )
    instructions = models.TextField(_("instructions"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    result = models.TextField(_("result"), blank=True)
    # Outbound work directed by a head (calls.campaigns): the campaign, the failed attempts
    # so far and when the task comes back after a no-answer or a call-back later.
    campaign = models.ForeignKey(
        "calls.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    call = models.ForeignKey(
        Call,
        verbose_name=_("originating call"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_tasks",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("call task")
        verbose_name_plural = _("call tasks")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_at"]),
            models.Index(fields=["campaign", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "client"],
                condition=models.Q(campaign__isnull=False),
                name="one_task_per_client_in_campaign",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.client or '—'}"


# --- outbound work directed by heads: surveys and campaigns (calls.surveys, calls.campaigns) ---


class Survey(models.Model):
    """A questionnaire a head builds; asked as a step of the call script."""

    name = models.CharField(_("name"), max_length=200)
    department = models.ForeignKey(
        "orderdesk.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale 1–5")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    text = models.CharField(_("choice"), max_length=200)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class SurveyResponse(models.Model):
    """One call's answers to a survey: at most one per call."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    call = models.OneToOneField(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="survey_response"
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.survey} · {self.call}"


class SurveyAnswer(models.Model):
    """One answer: a chosen choice (one row per choice for multiple), a scale value or text."""

    response = models.ForeignKey(
        SurveyResponse, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    choice = models.ForeignKey(
        Choice,
        verbose_name=_("choice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
    )
    scale = models.PositiveSmallIntegerField(_("scale value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["question__position", "question_id", "id"]
        indexes = [models.Index(fields=["question", "choice"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale__isnull=True) | models.Q(scale__gte=1, scale__lte=5),
                name="survey_answer_scale_1_to_5",
            )
        ]

    def __str__(self):
        return f"{self.question_id}: {self.choice_id or self.scale or self.text[:40]}"


class Campaign(models.Model):
    """Outbound work a head directs: one open call task per client (``tasks``)."""

    class Kind(models.TextChoices):
        INSTRUCTED = "instructed", _("Instructed calls")
        SWEEP = "sweep", _("Asleep sweep")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INSTRUCTED)
    instructions = models.TextField(_("instructions for the operator"), blank=True)
    department = models.ForeignKey(
        "orderdesk.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="created_campaigns",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operators"),
        blank=True,
        related_name="campaigns",
        help_text=_("Empty: the whole desk."),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class OutboundSeen(models.Model):
    """When a head last looked at the results of their outbound work (the inbox)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="outbound_seen",
    )
    seen_at = models.DateTimeField(_("seen"), default=timezone.now)

    class Meta:
        verbose_name = _("outbound results seen")
        verbose_name_plural = _("outbound results seen")

    def __str__(self):
        return f"{self.user} {self.seen_at:%Y-%m-%d %H:%M}"


class OperatorDay(models.Model):
    """One operator's criteria on one closed local day, rolled up by ``calls.rollup`` so a
    long period is read from here instead of the calls, orders and lines (issue 9).
    ``operator`` is empty for what belongs to nobody (a call-back task with no assignee):
    the desk's daily trend still counts it."""

    day = models.DateField(_("day"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    calls = models.PositiveIntegerField(default=0)
    calls_inbound = models.PositiveIntegerField(default=0)
    calls_outbound = models.PositiveIntegerField(default=0)
    handled_calls = models.PositiveIntegerField(default=0)
    # Exact (a float sum would depend on the order of the days); seconds = microseconds / 1e6.
    handling_microseconds = models.BigIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    order_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    lines = models.PositiveIntegerField(default=0)
    value_added_by_offers = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    offers_made = models.PositiveIntegerField(default=0)
    offers_accepted = models.PositiveIntegerField(default=0)
    debt_blocks = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    callbacks_due = models.PositiveIntegerField(default=0)
    callbacks_kept = models.PositiveIntegerField(default=0)
    claims = models.PositiveIntegerField(default=0)
    claims_justified = models.PositiveIntegerField(default=0)
    offers_by_reason = models.JSONField(default=dict, blank=True)  # {reason: [made, accepted]}
    transfers_by_rule = models.JSONField(default=dict, blank=True)  # {rule: n}
    handling_hist = models.JSONField(default=dict, blank=True)  # {whole seconds: handled calls}

    class Meta:
        verbose_name = _("operator day")
        verbose_name_plural = _("operator days")
        constraints = [
            models.UniqueConstraint(fields=["day", "operator"], name="operator_day_unique")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.operator_id} {self.day}"


class CriteriaDay(models.Model):
    """Whether a local day's ``OperatorDay`` rows can be read: valid when rolled up
    (``rolled_at``) and nothing of the day changed since (``changed_at`` empty or
    earlier). Both stamps come from the database clock, so app servers agree."""

    day = models.DateField(_("day"), primary_key=True)
    rolled_at = models.DateTimeField(_("rolled up"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("criteria day")
        verbose_name_plural = _("criteria days")

    def __str__(self):
        return str(self.day)

    @property
    def is_valid(self) -> bool:
        return self.rolled_at is not None and (
            self.changed_at is None or self.changed_at < self.rolled_at
        )
