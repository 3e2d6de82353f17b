"""Shared filters for the review logs (F-REV-1)."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from clients.models import ClientPhone, ClientType
from clients.phones import normalize_phone
from orderdesk import localcache
from orderdesk.forms import FastDateInput, FastSelect, FastTextInput
from orderdesk.roles import Role
from orderdesk.templatetags.orderdesk import person

# The options of the logs' model-choice filters (staff, client types, outcomes), kept in
# the shared cache under a version that orderdesk.log_choices bumps on any change of the
# rows they are read from. Only the rendering uses them: a submitted value is still
# checked against the field's queryset in the database.
CHOICES_VERSION_KEY = "logs:choices-version"
CHOICES_SECONDS = 3600

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def cached_map(name: str, build: Callable[[], dict]) -> dict:
    """A small lookup table (staff names, client type names, outcome labels by id) from
    the shared cache, under the version the filter options use (orderdesk.log_choices
    bumps it on any change of users, client types or outcomes), in the current language."""
    key = f"logs:map:{localcache.version(CHOICES_VERSION_KEY)}:{get_language()}:{name}"
    table = localcache.copies.get(key)
    if table is None:
        table = build()
        localcache.copies.set(key, table, CHOICES_SECONDS)
    return table


def staff_names() -> dict:
    """The ``person`` filter's text of every user, by id (the staff: a few hundred)."""
    users = get_user_model().objects.only("first_name", "last_name", "username")
    return cached_map("users", lambda: {user.pk: person(user) for user in users})


def client_type_names() -> dict:
    return cached_map("client-types", lambda: dict(ClientType.objects.values_list("pk", "name")))


def day(value) -> str:
    """``{{ value|date:"d.m.Y" }}``; "" for no date."""
    if not value:
        return ""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def local_minute(value) -> str:
    """``{{ value|date:"d.m.Y H:i" }}`` in the current time zone; "" for no time."""
    if not value:
        return ""
    value = timezone.localtime(value)
    return f"{day(value)} {value.hour:02d}:{value.minute:02d}"


# An id no row has, for reversing a row's URL once per page and putting each id in it.
URL_ID = 918273645


def _staff(role: str):
    return (
        get_user_model()
        .objects.filter(groups__name=role, is_active=True)
        .order_by("last_name", "first_name")
    )


class StaffChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class StaffFilter(django_filters.ModelChoiceFilter):
    field_class = StaffChoiceField


class ReviewLogFilter(django_filters.FilterSet):
    """Date range (local days, inclusive), operator, client, type, manager."""

    date_field = "created_at"

    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_date_from", widget=FastDateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_date_to", widget=FastDateInput(attrs={"type": "date"})
    )
    operator = StaffFilter(
        label=_("Operator"), queryset=lambda request: _staff(Role.OPERATOR), widget=FastSelect
    )
    client = django_filters.CharFilter(
        label=_("Client (name or phone)"), method="filter_client", widget=FastTextInput
    )
    client_type = django_filters.ModelChoiceFilter(
        label=_("Client type"),
        field_name="client__client_type",
        queryset=ClientType.objects.all(),
        widget=FastSelect,
    )
    manager = StaffFilter(
        label=_("Manager"),
        field_name="client__manager",
        queryset=lambda request: _staff(Role.MANAGER),
        widget=FastSelect,
    )

    @classmethod
    def page_queryset(cls, queryset):
        """The filtered rows as a page reads them (the export reads ``queryset`` itself);
        a log's filter set may narrow the joins and columns here."""
        return queryset

    @classmethod
    def display_rows(cls, rows: list) -> list[dict]:
        """What the page's template shows of each row, worked out once per page (not by
        template filters per cell); plain dicts, which the template reads fastest."""
        return [{"row": row} for row in rows]

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            self._cached_choices(form)
        return self._form

    def _cached_choices(self, form) -> None:
        """The options of every model-choice field from the shared cache (one version
        read per page), built from the field's own choices when missing."""
        fields = {
            name: field
            for name, field in form.fields.items()
            if isinstance(field, forms.ModelChoiceField)
        }
        if not fields:
            return
        version = localcache.version(CHOICES_VERSION_KEY)
        prefix = f"logs:choices:{version}:{get_language()}:{type(self).__name__}"
        for name, field in fields.items():
            key = f"{prefix}:{name}"
            choices = localcache.copies.get(key)
            if choices is None:
                choices = [(str(value), str(label)) for value, label in field.choices]
                localcache.copies.set(key, choices, CHOICES_SECONDS)
            field.widget.choices = choices

    def _day_start(self, day):
        day = min(max(day, FIRST_DAY), LAST_DAY)  # a year 1 or 9999 date would overflow
        return timezone.make_aware(datetime.combine(day, time.min))

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": self._day_start(value)})

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(
            **{f"{self.date_field}__lt": self._day_start(min(value, LAST_DAY) + timedelta(days=1))}
        )

    def filter_client(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        number = normalize_phone(value)
        if number:
            # The client(s) by the phone first: one more join in the page's query made
            # PostgreSQL plan a head's page for 16 ms (8 relations) to run it for 0.2 ms.
            clients = ClientPhone.objects.filter(number=number).values_list("client_id")
            return queryset.filter(client_id__in=[pk for (pk,) in clients])
        return queryset.filter(client__name__icontains=value)
