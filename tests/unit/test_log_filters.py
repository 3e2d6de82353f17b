"""The log filters' fast widgets render Django's own HTML; their cached options follow
every change of the rows they come from (orderdesk.forms, orderdesk.filters)."""

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.urls import reverse

from calls.models import CallOutcome
from orderdesk.forms import FastDateInput, FastSelect, FastTextInput
from orderdesk.roles import Role
from tests.factories import ClientTypeFactory, make_staff

CHOICES = [
    ("", "---------"),
    (1, 'Иван "Грозный" <script>'),
    ("2", "Пётр & Павел"),
    (None, "none"),
    ("3", "Три"),
]


@pytest.mark.parametrize("value", [None, "", "1", 1, "2", "3", "99", ["1", "2"], "<x>"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_f"}, {"id": "id_f", "required": True, "disabled": False}]
)
def test_fast_select_renders_what_django_renders(value, attrs):
    fast = FastSelect(attrs={"class": 'a"b'}, choices=CHOICES)
    plain = forms.Select(attrs={"class": 'a"b'}, choices=CHOICES)
    assert fast.render("f", value, attrs) == plain.render("f", value, attrs)


def test_fast_select_with_option_groups_falls_back_to_django():
    grouped = [("", "—"), ("Группа", [("1", "один"), ("2", "два")])]
    fast = FastSelect(choices=grouped)
    assert fast.render("f", "2") == forms.Select(choices=grouped).render("f", "2")


@pytest.mark.parametrize("value", [None, "", "a<b&\"c'", 12])
def test_fast_inputs_render_what_django_renders(value):
    attrs = {"id": "id_x", "required": True, "hidden": False}
    assert FastTextInput().render("x", value, attrs) == forms.TextInput().render("x", value, attrs)
    date_value = "2024-02-03" if value else value
    assert FastDateInput(attrs={"type": "date"}).render("d", date_value, attrs) == (
        forms.DateInput(attrs={"type": "date"}).render("d", date_value, attrs)
    )


@pytest.mark.django_db
def test_cached_filter_options_follow_changes(client):
    manager = make_staff(role=Role.MANAGER, first_name="Анна", last_name="Старая")
    operator = make_staff(role=Role.OPERATOR, first_name="Олег", last_name="Первый")
    client.force_login(manager)

    def page(name="calls:call_log"):
        return client.get(reverse(name)).content.decode()

    assert "Олег Первый" in page() and "Анна Старая" in page("orders:order_log")

    operator.last_name = "Второй"
    operator.save()
    assert "Олег Второй" in page() and "Олег Первый" not in page()

    operator.groups.remove(Group.objects.get(name=Role.OPERATOR))
    assert "Олег Второй" not in page()

    ClientTypeFactory(code="new-type", name="Новый тип")
    assert "Новый тип" in page("orders:order_log")

    CallOutcome.objects.create(code="custom-outcome", name="Особый исход")
    assert "Особый исход" in page()

    operator.is_active = False
    operator.groups.add(Group.objects.get(name=Role.OPERATOR))
    operator.save()
    assert "Олег Второй" not in page()


@pytest.mark.django_db
def test_a_stale_option_is_still_checked_against_the_database(client):
    """The options are only shown from the cache: a chosen operator is looked up."""
    manager = make_staff(role=Role.MANAGER)
    gone = make_staff(role=Role.OPERATOR)
    client.force_login(manager)
    client.get(reverse("calls:call_log"))  # options cached
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)  # no signal
    response = client.get(reverse("calls:call_log"), {"operator": gone.pk})
    assert response.status_code == 200
    assert response.context["filter"].form.errors.get("operator")


@pytest.mark.django_db
def test_log_rows_show_current_names_types_and_outcomes(client):
    """The rows' names, client types and outcome labels come from cached tables that any
    change refreshes (orderdesk.filters.cached_map)."""
    from django.utils import timezone

    from tests.factories import CallFactory, ClientFactory, ClientTypeFactory, OrderFactory

    manager = make_staff(role=Role.MANAGER, first_name="Анна", last_name="Старая")
    operator = make_staff(role=Role.OPERATOR, first_name="Олег", last_name="Первый")
    kind = ClientTypeFactory(code="shop", name="Магазин")
    outcome = CallOutcome.objects.create(code="custom-outcome", name="Особый исход")
    buyer = ClientFactory(manager=manager, client_type=kind)
    CallFactory(client=buyer, operator=operator, outcome=outcome)
    OrderFactory(client=buyer, operator=operator, status="accepted", accepted_at=timezone.now())
    client.force_login(manager)

    def rows(name):
        return client.get(reverse(name), HTTP_HX_REQUEST="true").content.decode()

    for name in ("calls:call_log", "orders:order_log"):
        html = rows(name)
        assert "<td>Олег Первый</td>" in html and "<td>Анна Старая</td>" in html
        assert ">Магазин</span>" in html
    assert "<td>Особый исход</td>" in rows("calls:call_log")

    operator.last_name = "Второй"
    operator.save()
    manager.first_name = "Инна"
    manager.save()
    kind.name = "Сеть"
    kind.save()
    outcome.name = "Другой исход"
    outcome.save()
    for name in ("calls:call_log", "orders:order_log"):
        html = rows(name)
        assert "<td>Олег Второй</td>" in html and "<td>Инна Старая</td>" in html
        assert ">Сеть</span>" in html
    assert "<td>Другой исход</td>" in rows("calls:call_log")
