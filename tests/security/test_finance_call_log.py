"""Finance sees the call log, all clients' calls, as the README says (it got 403)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orderdesk.roles import Role
from tests.factories import CallFactory, ClientFactory, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):
    user = make_staff(role=Role.FINANCE, username="finance2")
    now = timezone.now()
    for i, name in enumerate(["Клиент Альфа", "Клиент Бета"]):
        customer = ClientFactory(manager=make_staff(role=Role.MANAGER), name=name)
        CallFactory(client=customer, started_at=now - timedelta(minutes=i))
    client.force_login(user)
    return user


def test_finance_sees_every_clients_calls(client, finance, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = client.get(reverse("calls:call_log"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Клиент Альфа" in html and "Клиент Бета" in html
    assert f'href="{reverse("calls:call_log")}"' in html  # in the navigation


def test_finance_gets_the_rows_partial_and_the_csv(client, finance):
    rows = client.get(reverse("calls:call_log"), HTTP_HX_REQUEST="true")
    assert rows.status_code == 200 and "<html" not in rows.content.decode()
    csv = client.get(reverse("calls:call_log"), {"format": "csv"})
    assert csv.status_code == 200
    assert "Клиент Бета" in b"".join(csv.streaming_content).decode("utf-8-sig")


def test_operators_still_get_403(client):
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.get(reverse("calls:call_log")).status_code == 403
