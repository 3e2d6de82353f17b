from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
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


# --- widgets that render without the template engine -------------------------------------
#
# A log's filter form renders eight fields on every page, and Django renders a select with
# one template include per option (two with the attributes): about a fifth of the order
# log's time at full scale (issue 10). These widgets give the same HTML as Django's own
# templates (django/forms/widgets/{input,select,select_option,attrs}.html) built in Python.


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `` name="value"``, `` name`` for True, none for False."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


class FastInputMixin:
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value_html = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return mark_safe(
            format_html('<input type="{}" name="{}"', widget["type"], name)
            + value_html
            + _attrs_html(widget["attrs"])
            + ">"
        )


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass


class FastSelect(forms.Select):
    """A select whose options are built with ``format_html_join`` (no optgroups: a choice
    list with groups renders through Django's templates as before)."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        selected_values = self.format_value(value)
        options, has_selected = [], False
        for option_value, option_label in choices:
            option_value = "" if option_value is None else str(option_value)
            selected = (
                not has_selected or self.allow_multiple_selected
            ) and option_value in selected_values
            has_selected |= selected
            options.append((option_value, " selected" if selected else "", option_label))
        return mark_safe(
            format_html('<select name="{}"', name)
            + _attrs_html(attrs)
            + ">"
            + format_html_join("", '\n  <option value="{}"{}>{}</option>\n', options)
            + "\n</select>"
        )
