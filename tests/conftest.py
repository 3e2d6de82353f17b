import pytest


@pytest.fixture(autouse=True)
def _english_and_fast(settings):
    """Tests read messages in English, hash passwords cheaply and start with an empty cache."""
    from django.core.cache import cache

    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush the tables, including what the data migrations wrote
    (role groups, wrap-up outcomes); put it back before each such test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from calls.models import CallOutcome
    from calls.outcomes import ensure_outcomes
    from orderdesk.roles import sync_role_groups

    sync_role_groups(apps)
    ensure_outcomes(CallOutcome)


def swapped_to(response) -> str:
    """Where an htmx response moves the page: a page swap's HX-Location path (issue 12)."""
    import json

    return json.loads(response["HX-Location"])["path"]
