"""Under the Content-Security-Policy (no inline script, no eval) htmx still works:
presence changes in place, the product reference search answers Enter, and the page
refuses an injected inline script."""

import pytest
from playwright.sync_api import expect

from orderdesk.models import StaffProfile
from orderdesk.roles import Role
from tests.e2e.conftest import log_in
from tests.factories import make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_presence_changes_in_place_under_the_policy(page):
    user = make_staff(role=Role.OPERATOR, username="anna")
    log_in(page, "anna")
    url = page.url
    with page.expect_response(lambda r: r.url.endswith("/presence/")) as answer:
        page.locator("#presence-form select[name=presence]").select_option("busy")
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(page.locator("#presence-form .presence-dot")).to_have_class("presence-dot presence-busy")
    assert page.url == url
    assert StaffProfile.objects.get(user=user).presence == "busy"


def test_an_injected_inline_script_does_not_run(page):
    make_staff(role=Role.OPERATOR, username="anna")
    log_in(page, "anna")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.__pwned = true'; document.body.appendChild(s); }"""
        )
    assert page.evaluate("() => window.__pwned === undefined")
    assert any("inline script" in text for text in page.csp_violations)
    page.csp_violations.clear()
