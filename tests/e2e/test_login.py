import pytest
from playwright.sync_api import expect

from orderdesk.roles import Role
from tests.e2e.conftest import CONSOLE_URL, log_in, screenshot
from tests.factories import make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_operator_logs_in_and_lands_on_the_console(page):
    # given
    make_staff(role=Role.OPERATOR, username="anna", first_name="Анна", last_name="Смирнова")
    # when
    log_in(page, "anna")
    # then
    expect(page).to_have_url(CONSOLE_URL)
    expect(page.get_by_label("Номер звонящего")).to_be_focused()
    expect(page.locator(".topbar")).to_contain_text("Анна Смирнова")
    screenshot(page, "console-empty")


def test_wrong_password_shows_a_clear_message(page):
    make_staff(role=Role.OPERATOR, username="boris")
    log_in(page, "boris", password="wrong-password", succeeds=False)
    expect(page.get_by_role("alert")).to_contain_text("Неверное имя пользователя или пароль")
