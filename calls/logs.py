"""The call log: filters, scope and CSV rows (F-REV-1)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from calls.models import Call, CallOutcome, Purpose
from orderdesk.exports import PhoneText
from orderdesk.filters import ReviewLogFilter
from orderdesk.forms import FastSelect
from orderdesk.scope import review_scope


class CallLogFilter(ReviewLogFilter):
    date_field = "started_at"

    purpose = django_filters.ChoiceFilter(
        label=_("Purpose"), choices=Purpose.choices, widget=FastSelect
    )
    outcome = django_filters.ModelChoiceFilter(
        label=_("Outcome"), queryset=CallOutcome.objects.all(), widget=FastSelect
    )

    class Meta:
        model = Call
        fields = []


def call_log_queryset(user):
    return Call.objects.filter(review_scope(user)).select_related(
        "client__client_type", "client__manager", "operator", "outcome"
    )


CSV_HEADER = [
    _("Started"),
    _("Ended"),
    _("Direction"),
    _("Phone"),
    _("Client"),
    _("Client type"),
    _("Manager"),
    _("Operator"),
    _("Purpose"),
    _("Outcome"),
    _("Duration, s"),
    _("Notes"),
]


def csv_row(call: Call) -> list:
    """One typed export row (CSV and XLSX): times as datetimes, the phone as text."""
    duration = call.duration
    return [
        call.started_at,
        call.ended_at,
        call.get_direction_display(),
        PhoneText(call.phone),
        call.client.name if call.client else "",
        call.client.client_type.name if call.client else "",
        (call.client.manager.get_full_name() if call.client and call.client.manager else ""),
        call.operator.get_full_name() or call.operator.get_username(),
        call.get_purpose_display(),
        call.outcome.label if call.outcome else "",
        int(duration.total_seconds()) if duration else None,
        call.notes,
    ]
