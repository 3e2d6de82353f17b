"""Two operators register the same unknown number at the same moment."""

import pytest

from calls.errors import CallError
from calls.services import register_client, start_call
from clients.models import Client, ClientPhone
from tests.factories import ClientTypeFactory, UserFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_one_registration_wins_the_other_gets_a_clear_message(run_concurrently):
    # given two operators, each on a call from the same unknown number
    client_type = ClientTypeFactory(code="market")
    operators = [UserFactory(), UserFactory()]
    calls = [start_call(phone="+79165554433", operator=op) for op in operators]

    # when both register the caller at once
    def register(i):
        return register_client(
            call=calls[i],
            name=f"ИП Кузнецов {i}",
            client_type=client_type,
            region="Тверь",
            contact_name="Павел",
            by=operators[i],
        ).pk

    results = run_concurrently(2, register)

    # then one client owns the number; the other operator is told so, nothing half-made
    kinds = sorted(kind for kind, _value in results)
    errors = [value for kind, value in results if kind == "error"]
    assert kinds == ["error", "ok"]
    # (which message depends on timing: the check before writing, or the unique index)
    assert isinstance(errors[0], CallError)
    assert "was just registered" in errors[0].message or "already belongs" in errors[0].message
    assert Client.objects.count() == 1
    assert ClientPhone.objects.filter(number="+79165554433").count() == 1
