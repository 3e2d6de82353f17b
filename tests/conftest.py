import pytest


@pytest.fixture(autouse=True)
def _english_and_fast(settings):
    """Tests read messages in English, hash passwords cheaply and start with an empty cache."""
    from django.core.cache import cache

    from orderdesk import localcache

    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    localcache.copies.clear()  # the process-local copies of cached entries
    localcache.end_request()  # no version tokens left over from another test's request


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


@pytest.fixture(autouse=True, scope="session")
def _mail_queue_in_process():
    """Queued mail runs in process even when REDIS_URL/CELERY_BROKER_URL is set (CI runs
    Redis): the suite never needs a worker."""
    from orderdesk.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = False


def swapped_to(response) -> str:
    """Where an htmx response moves the page: a page swap's HX-Location path (issue 12)."""
    import json

    return json.loads(response["HX-Location"])["path"]
