from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orderdesk.roles import Role
from tests.factories import ClientFactory, ReceivableFactory, make_staff

pytestmark = pytest.mark.django_db


def test_finance_sees_open_receivables_most_overdue_first(client):
    today = timezone.localdate()
    late = ReceivableFactory(
        client=ClientFactory(name="Должник"), due_date=today - timedelta(days=5)
    )
    ReceivableFactory(client=ClientFactory(name="Плательщик"), due_date=today + timedelta(days=5))
    ReceivableFactory(
        client=ClientFactory(name="Оплачено"), amount=Decimal("10"), paid_amount=Decimal("10")
    )
    client.force_login(make_staff(role=Role.FINANCE))
    response = client.get(reverse("clients:receivables"))
    names = [row.client.name for row in response.context["rows"]]
    assert names == ["Должник", "Плательщик"]
    overdue = client.get(reverse("clients:receivables"), {"overdue": "1"}).context["rows"]
    assert overdue == [late]
