"""Parse and validate the outbound screens' input only; the rules live in calls.campaigns
and calls.surveys."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls import campaigns
from calls.campaigns import Pick
from calls.forms import StaffChoiceField
from calls.models import Question
from clients.models import ClientType
from orderdesk.models import Department
from orderdesk.roles import Role

STATUS_CHOICES = [
    ("", _("any status")),
    (Pick.NEW, _("new")),
    (Pick.ACTIVE, _("active")),
    (Pick.ASLEEP, _("asleep")),
]
DEBT_CHOICES = [
    ("", _("any debt state")),
    (Pick.OVERDUE, _("overdue debt")),
    (Pick.IN_DEBT, _("owes anything")),
    (Pick.NO_DEBT, _("owes nothing")),
]


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def _console_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.OPERATOR)
        .distinct()
        .order_by("last_name", "first_name")
    )


class ClientFilterForm(forms.Form):
    """Which clients the campaign calls: filters, or clients picked one by one."""

    client_type = forms.ModelChoiceField(
        label=_("Client type"), queryset=ClientType.objects.all(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    manager = StaffChoiceField(
        label=_("Manager"),
        queryset=get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.MANAGER, Role.HEAD])
        .distinct()
        .order_by("last_name", "first_name"),
        required=False,
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    debt = forms.ChoiceField(label=_("Debt"), choices=DEBT_CHOICES, required=False)
    last_order_before = forms.DateField(
        label=_("Last order before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    region = forms.CharField(label=_("City or region"), max_length=200, required=False)
    client = forms.TypedMultipleChoiceField(
        label=_("Clients picked one by one"), coerce=int, required=False, choices=()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Any id may come back; select_clients keeps only those in the user's scope.
        ids = self.data.getlist("client") if hasattr(self.data, "getlist") else []
        self.fields["client"].choices = [(i, i) for i in ids]
        if not campaigns.is_admin(user):
            headed = campaigns.headed_departments(user)
            self.fields["department"].queryset = Department.objects.filter(
                pk__in=[d.pk for d in headed]
            )
            self.fields["client_type"].queryset = ClientType.objects.filter(department__in=headed)

    def selection(self):
        data = self.cleaned_data
        return campaigns.select_clients(
            user=self.user,
            client_type=data.get("client_type"),
            department=data.get("department"),
            manager=data.get("manager"),
            status=data.get("status") or "",
            debt=data.get("debt") or "",
            last_order_before=data.get("last_order_before"),
            region=data.get("region") or "",
            client_ids=data.get("client") or None,
        )


class CampaignForm(ClientFilterForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    instructions = forms.CharField(
        label=_("Instructions for the operator"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What to say; shown to the operator during the call."),
    )
    due_at = forms.DateTimeField(
        label=_("Due by"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    operators = StaffMultipleChoiceField(
        label=_("Operators"),
        queryset=_console_users(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the whole desk."),
    )
    survey = forms.ModelChoiceField(label=_("Survey"), queryset=None, required=False)

    field_order = ["name", "instructions", "due_at", "operators", "survey"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["survey"].queryset = campaigns.surveys_for(user)
        self.fields["operators"].queryset = _console_users()

    def clean_due_at(self):
        value = self.cleaned_data.get("due_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class SweepForm(forms.Form):
    """Make a campaign from the asleep list: the clients ticked (all shown by default)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    client = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ids = self.data.getlist("client") if hasattr(self.data, "getlist") else []
        self.fields["client"].choices = [(i, i) for i in ids]


class SurveyForm(forms.Form):
    name = forms.CharField(
        label=_("Survey name"), max_length=200, widget=forms.TextInput(attrs={"autofocus": True})
    )


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    choices = forms.CharField(
        label=_("Answers to choose from, one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_choices(self):
        return [line for line in self.cleaned_data["choices"].splitlines() if line.strip()]


def survey_form_fields(survey):
    """The questions as (question, choices) for the call step's one form."""
    return list(survey.questions.prefetch_related("choices"))


def answers_from_post(post, questions) -> dict:
    """The survey step's POST as ``record_answers`` takes it: question id → value(s)."""
    answers = {}
    for question in questions:
        key = f"q{question.pk}"
        if question.kind == Question.Kind.MULTIPLE:
            answers[question.pk] = post.getlist(key)
        else:
            answers[question.pk] = post.get(key, "")
    return answers
