"""Parse and validate console input only; the rules live in calls.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls import campaigns
from calls.models import CallOutcome, CallTask, Feedback, OutcomeCode, Purpose
from calls.services import PriceListFormat
from clients.models import ClientType
from orderdesk.models import Department
from orderdesk.roles import Role


class StartCallForm(forms.Form):
    phone = forms.CharField(label=_("Caller's number"), max_length=64)


class TaskCallForm(forms.Form):
    """Dial one of the operator's own open tasks; anyone else's id is "not a valid choice"."""

    task = forms.ModelChoiceField(queryset=CallTask.objects.none())

    def __init__(self, *args, operator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = campaigns.workable_tasks(operator).select_related("client")


class NewClientForm(forms.Form):
    name = forms.CharField(
        label=_("Client name"),
        max_length=300,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    client_type = forms.ModelChoiceField(
        # no preselected type: the operator asks and chooses (a default was wrong half the time)
        label=_("Client type"),
        queryset=ClientType.objects.all(),
        empty_label=_("— choose —"),
    )
    region = forms.CharField(label=_("Region"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Contact's phone"), max_length=64, required=False)


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices)


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Feedback.Kind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("What the caller said"), widget=forms.Textarea(attrs={"rows": 4})
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments concerned"),
        queryset=Department.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )


class PriceListForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    fmt = forms.ChoiceField(label=_("Format"), choices=PriceListFormat.choices)


class WrapUpForm(forms.Form):
    outcome = forms.ModelChoiceField(
        label=_("Outcome"),
        queryset=CallOutcome.objects.filter(is_active=True).exclude(code=OutcomeCode.ABANDONED),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )

    def clean_callback_at(self):
        value = self.cleaned_data.get("callback_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class AssignManagerForm(forms.Form):
    manager = StaffChoiceField(
        label=_("Manager"),
        queryset=get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.MANAGER, Role.HEAD])
        .distinct()
        .order_by("last_name", "first_name"),
    )
