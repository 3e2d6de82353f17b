"""The reviewers' client list and client page: roles, htmx rows, keyset pages, queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from orderdesk.roles import Role
from orders.models import Order
from tests.factories import (
    CallFactory,
    ClientFactory,
    OrderFactory,
    ReceivableFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db
LIST = reverse("clients:review_list")


def make_clients(n, manager, **kwargs):
    clients = [ClientFactory(manager=manager, name=f"Клиент {i:03d}", **kwargs) for i in range(n)]
    base = timezone.now()
    for i, client in enumerate(clients):  # distinct creation times, newest last
        Client.objects.filter(pk=client.pk).update(created_at=base - timedelta(minutes=n - i))
    return clients


def test_list_full_page_and_htmx_rows(client):
    manager = make_staff(role=Role.MANAGER)
    make_clients(3, manager)
    client.force_login(manager)
    full = client.get(LIST)
    assert (
        full.status_code == 200 and b"<html" in full.content and b'id="client-rows"' in full.content
    )
    assert "Клиент 002" in full.content.decode()
    partial = client.get(LIST, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b'id="client-rows"' in partial.content


@pytest.mark.parametrize("role", [Role.OPERATOR])
def test_operators_may_not_open(client, role):
    client.force_login(make_staff(role=role))
    assert client.get(LIST).status_code == 403
    other = ClientFactory()
    assert client.get(reverse("clients:review_client", args=[other.pk])).status_code == 403


def test_keyset_pages_without_repeats_and_constant_queries(client, django_assert_max_num_queries):
    manager = make_staff(role=Role.MANAGER)
    clients = make_clients(60, manager)
    for c in clients[:10]:
        ReceivableFactory(client=c, amount=Decimal("100.00"))
        OrderFactory(client=c, status=Order.Status.ACCEPTED, total=Decimal("10.00"))
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        first = client.get(LIST)
    assert len(first.context["page"].rows) == 50
    cursor = first.context["page"].next_cursor
    assert cursor
    with django_assert_max_num_queries(12):
        second = client.get(LIST, {"after": cursor})
    seen_first = {row.pk for row in first.context["page"].rows}
    seen_second = {row.pk for row in second.context["page"].rows}
    assert len(seen_second) == 10 and not seen_first & seen_second


def test_tampered_cursor_and_bad_filters_show_page_one(client):
    manager = make_staff(role=Role.MANAGER)
    make_clients(2, manager)
    client.force_login(manager)
    response = client.get(LIST, {"after": "9999-99-99_abc", "client_type": "x", "status": "zzz"})
    assert response.status_code == 200 and len(response.context["page"].rows) == 2


def test_filters_overdue_and_phone(client):
    manager = make_staff(role=Role.MANAGER)
    late, fine = make_clients(2, manager)
    ReceivableFactory(client=late, due_date=timezone.localdate() - timedelta(days=3))
    client.force_login(manager)
    rows = client.get(LIST, {"overdue": "on"}).context["page"].rows
    assert [r.pk for r in rows] == [late.pk]


def test_client_page_card_receivables_and_timeline(client, django_assert_max_num_queries):
    manager = make_staff(role=Role.MANAGER)
    mine = ClientFactory(manager=manager, name="ООО «Мой»")
    ReceivableFactory(client=mine, document_no="РН-777")
    order = OrderFactory(
        client=mine, status=Order.Status.ACCEPTED, number="Z-1", accepted_at=timezone.now()
    )
    CallFactory(client=mine)
    client.force_login(manager)
    url = reverse("clients:review_client", args=[mine.pk])
    with django_assert_max_num_queries(20):
        full = client.get(url)
    html = full.content.decode()
    assert "РН-777" in html and reverse("orders:page", args=[order.pk]) in html
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b'id="client-timeline"' in partial.content
    # someone else's client: 404, not a hint that it exists
    other = ClientFactory(manager=make_staff(role=Role.MANAGER))
    assert client.get(reverse("clients:review_client", args=[other.pk])).status_code == 404


def test_nav_entry_for_managers_not_operators(client):
    client.force_login(make_staff(role=Role.MANAGER))
    assert f'href="{LIST}"'.encode() in client.get(LIST).content
    client.force_login(make_staff(role=Role.OPERATOR))
    assert f'href="{LIST}"'.encode() not in client.get(reverse("calls:console")).content


def test_head_judges_a_claim_from_the_client_page(client):
    from calls.models import Feedback
    from tests.factories import DepartmentFactory

    head = make_staff(role=Role.HEAD)
    DepartmentFactory(name="Опт", head=head)
    mine = ClientFactory(manager=head)
    order = OrderFactory(client=mine, status=Order.Status.ACCEPTED, number="Q-1")
    claim = Feedback.objects.create(
        kind=Feedback.Kind.COMPLAINT, text="Помятая упаковка", client=mine, order=order
    )
    client.force_login(head)
    page = reverse("clients:review_client", args=[mine.pk])
    assert b'name="justified" value="yes"' in client.get(page).content
    url = reverse("calls:judge_claim", args=[claim.pk])
    response = client.post(url, {"justified": "yes", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    claim.refresh_from_db()
    assert claim.justified is True and claim.justified_by == head
    # bad input: nothing changes
    client.post(url, {"justified": "maybe", "next": "https://evil.example/"})
    claim.refresh_from_db()
    assert claim.justified is True
    # GET does not write
    assert client.get(url).status_code == 405


def test_a_manager_cannot_judge_a_claim(client):
    from calls.models import Feedback

    manager = make_staff(role=Role.MANAGER)
    claim = Feedback.objects.create(
        kind=Feedback.Kind.COMPLAINT, text="Опоздали", order=OrderFactory()
    )
    client.force_login(manager)
    response = client.post(reverse("calls:judge_claim", args=[claim.pk]), {"justified": "yes"})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.justified is None
