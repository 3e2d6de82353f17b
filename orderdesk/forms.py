from django import forms
from django.utils.translation import gettext_lazy as _

from orderdesk.models import StaffProfile


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(label=_("Presence"), choices=StaffProfile.Presence.choices)
    absent_until = forms.DateField(
        label=_("Absent until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "—"), *StaffProfile.AbsenceReason.choices],
        required=False,
    )
