"""orderdesk.localcache: version tokens read once per request, in one round trip."""

from unittest import mock

import pytest
from django.core.cache import cache

from orderdesk import localcache


@pytest.fixture
def in_request():
    localcache.start_request()
    yield
    localcache.end_request()


def test_outside_a_request_every_read_asks_the_cache():
    first = localcache.version("test:a")
    cache.set("test:a", "changed", None)  # another app server bumps it
    assert localcache.version("test:a") == "changed" != first


def test_in_a_request_the_tokens_are_read_once_and_all_in_one_round_trip(in_request):
    localcache.end_request()
    localcache.version("test:a"), localcache.version("test:b")  # known to this process
    localcache.start_request()
    with (
        mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many,
        mock.patch.object(cache, "get_or_set", wraps=cache.get_or_set) as get_or_set,
    ):
        a, b = localcache.version("test:a"), localcache.version("test:b")
        assert (localcache.version("test:a"), localcache.version("test:b")) == (a, b)
    assert get_many.call_count == 1 and get_or_set.call_count == 0
    assert {"test:a", "test:b"} <= set(get_many.call_args.args[0])


def test_another_servers_bump_is_seen_from_the_next_request(in_request):
    before = localcache.version("test:a")
    cache.set("test:a", "bumped elsewhere", None)
    assert localcache.version("test:a") == before  # read once for this request
    localcache.end_request()
    localcache.start_request()
    assert localcache.version("test:a") == "bumped elsewhere"


def test_a_bump_in_the_request_is_seen_by_the_rest_of_it(in_request):
    before = localcache.version("test:a")
    localcache.bump("test:a")
    after = localcache.version("test:a")
    assert after != before and cache.get("test:a") == after


def test_a_key_missing_from_the_cache_gets_a_token_once(in_request):
    cache.delete("test:new")
    token = localcache.version("test:new")
    assert token and cache.get("test:new") == token == localcache.version("test:new")


@pytest.mark.django_db
def test_requests_start_and_end_the_memo_and_a_failed_one_ends_it_too():
    from django.core.signals import got_request_exception, request_finished, request_started

    request_started.send(sender=None)
    localcache.version("test:a")
    cache.set("test:a", "later", None)
    assert localcache.version("test:a") != "later"
    request_finished.send(sender=None)
    assert localcache.version("test:a") == "later"
    request_started.send(sender=None)
    localcache.version("test:a")
    got_request_exception.send(sender=None, request=None)
    cache.set("test:a", "after the failure", None)
    assert localcache.version("test:a") == "after the failure"
