"""Security headers on every response; no inline script anywhere in our templates."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from orderdesk.roles import Role
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
TEMPLATES = [
    path
    for path in ROOT.glob("**/templates/**/*.html")
    if ".venv" not in path.parts and "site-packages" not in path.parts
]


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_headers_on_public_pages(client, url_name):
    response = client.get(reverse(url_name))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-eval'" not in csp
    assert "script-src 'self' 'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_headers_on_an_app_page_and_an_api(client):
    client.force_login(make_staff(role=Role.FINANCE))
    assert "Content-Security-Policy" in client.get(reverse("clients:receivables"))
    api = client.post(reverse("calls:telephony_incoming"))
    assert "Content-Security-Policy" in api


def test_report_only_mode(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = True
    from django.test import Client

    response = Client().get(reverse("login"))
    assert "Content-Security-Policy-Report-Only" in response
    assert "Content-Security-Policy" not in response


def test_templates_exist():
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_or_event_handler(path):
    text = path.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline <script> in {path}"
    assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {path}"
    assert "js:" not in text and "javascript:" not in text
    # htmx trigger filters [..] are evaluated with eval, which the policy forbids.
    assert not re.search(r'hx-trigger="[^"]*\[', text), f"hx-trigger filter in {path}"


def test_base_turns_off_htmx_inline_indicator_styles(client):
    client.force_login(make_staff(role=Role.FINANCE))
    html = client.get(reverse("clients:receivables")).content.decode()
    assert '"includeIndicatorStyles": false' in html
    assert "js/orderdesk.js" in html
