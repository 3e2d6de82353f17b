"""What the operator says before a transfer (calls/script.py)."""

import pytest
from django.utils import translation

from calls.routing import Route, RouteRule
from calls.script import instrumental, transfer_script
from orderdesk.roles import Role
from tests.factories import make_staff


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        ("Игорь", "Петров", "Игорем Петровым"),
        ("Сергей", "Каменский", "Сергеем Каменским"),
        ("Иван", "Сидоров", "Иваном Сидоровым"),
        ("Пётр", "Менеджеров", "Петром Менеджеровым"),
        ("Мария", "Кузнецова", "Марией Кузнецовой"),
        ("Наталья", "Попова", "Натальей Поповой"),
        ("Анна", "Каменская", "Анной Каменской"),
        ("Никита", "Ильин", "Никитой Ильиным"),
        ("Ольга", "Шевчук", "Ольгой Шевчук"),  # a woman's surname in -ук does not decline
    ],
)
def test_instrumental_declines_common_russian_names(first, last, said):
    assert instrumental(first, last) == said


@pytest.mark.django_db
def test_the_clients_manager_is_named_in_the_sentence_with_the_extension():
    manager = make_staff(role=Role.MANAGER, first_name="Игорь", last_name="Петров")
    manager.staff_profile.extension = "214"
    manager.staff_profile.save()
    route = Route(target=manager, department=None, rule=RouteRule.KEY_MANAGER, reason="…")
    with translation.override("ru"):
        script = transfer_script(route)
    assert script.sentence == "Соединяю вас с вашим менеджером Игорем Петровым."
    assert script.extension == "214"
    with translation.override("en"):
        assert transfer_script(route).sentence == (
            "I am putting you through to your manager Игорь Петров."
        )


@pytest.mark.django_db
def test_a_head_is_named_as_the_head_and_the_operator_keeping_the_call_says_nothing():
    head = make_staff(role=Role.HEAD, first_name="Олег", last_name="Начальников")
    route = Route(target=head, department=None, rule=RouteRule.NEW_CLIENT_HEAD, reason="…")
    with translation.override("ru"):
        script = transfer_script(route)
    assert script.sentence == "Соединяю вас с руководителем отдела Олегом Начальниковым."
    assert script.extension is None
    kept = Route(target=None, department=None, rule=RouteRule.OPERATOR, reason="…")
    assert transfer_script(kept) is None
