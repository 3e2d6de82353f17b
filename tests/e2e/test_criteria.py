"""A head opens the operator criteria for last month, sees the charts, opens an operator."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import Call
from orderdesk.roles import Role
from orders.models import Order
from tests.e2e.conftest import log_in, screenshot
from tests.factories import CallFactory, ClientFactory, DepartmentFactory, OrderFactory, make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def last_month_days():
    first_this = timezone.localdate().replace(day=1)
    last = first_this - timedelta(days=1)
    return [last.replace(day=d) for d in (3, 10, 17)]


def test_head_opens_last_month_and_an_operator(page):
    head = make_staff(role=Role.HEAD, username="head", first_name="Светлана", last_name="Николаева")
    DepartmentFactory(name="Поддержка продаж", head=head)
    anna = make_staff(role=Role.OPERATOR, first_name="Анна", last_name="Смирнова")
    boris = make_staff(role=Role.OPERATOR, first_name="Борис", last_name="Кузнецов")
    msk = ZoneInfo("Europe/Moscow")
    for i, day in enumerate(last_month_days()):
        for operator, n in ((anna, 3 + i), (boris, 1 + i)):
            for k in range(n):
                start = datetime.combine(day, time(10 + k), tzinfo=msk)
                call = CallFactory(
                    operator=operator,
                    started_at=start,
                    ended_at=start + timedelta(minutes=4),
                    status=Call.Status.CLOSED,
                )
                OrderFactory(
                    operator=operator,
                    client=ClientFactory(),
                    call=call,
                    status=Order.Status.DELIVERED,
                    accepted_at=start + timedelta(minutes=3),
                    total=Decimal("1500.00"),
                )

    log_in(page, "head")
    page.goto("/review/criteria/")
    page.get_by_role("link", name="Прошлый месяц").click()
    expect(page.locator(".period-links a[aria-current=true]")).to_have_text("Прошлый месяц")
    expect(page.locator("#criteria-table tbody tr")).to_have_count(2)
    expect(page.locator("#criteria-table tfoot")).to_contain_text("Итого")
    trend = page.locator("figure[data-chart=trend] rect.chart-bar")
    expect(trend.first).to_be_attached()
    heights = [float(h) for h in trend.evaluate_all("els => els.map(e => e.getBBox().height)")]
    assert sum(1 for h in heights if h > 0) == 3  # three days with calls
    bars = page.locator("figure[data-chart=bars] rect.chart-bar")
    expect(bars).to_have_count(2)
    widths = bars.evaluate_all("els => els.map(e => e.getBBox().width)")
    assert widths[0] > widths[1] > 0  # Анна handled more calls than Борис
    screenshot(page, "criteria-last-month")

    page.get_by_role("link", name="Анна Смирнова").first.click()
    expect(page.locator("h1")).to_have_text("Анна Смирнова")
    expect(page.locator("figure[data-chart=trend]")).to_have_count(6)
    assert "period=last_month" in page.url
