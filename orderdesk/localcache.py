"""A process-local copy of shared-cache entries whose keys carry a version.

Reading a large entry from the shared cache means unpickling it on every request (model
instances by the hundred: the pricing rule book, the upsell pools). The entries used here
are immutable once built and their keys name a version that any change bumps in the
shared cache, so each process may keep the objects it has already unpickled: a bumped
version is a new key, and the old copy simply ages out of this bounded LRU.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from django.core.cache import cache


class LocalCopies:
    def __init__(self, size: int = 256):
        self.size = size
        self.data: OrderedDict[str, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        """The local copy, else the shared entry (kept locally), else ``None``."""
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = cache.get(key)
        if value is not None:
            self.keep(key, value)
        return value

    def set(self, key: str, value, timeout: int) -> None:
        cache.set(key, value, timeout)
        self.keep(key, value)

    def keep(self, key: str, value) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


def version(key: str) -> str:
    """The current version token under ``key`` in the shared cache. A token, not a counter:
    after a flush or an eviction the new one cannot match a copy kept from before.

    During a request the tokens are read once: the first one asked for brings every
    version key this process has used (one round trip instead of one per key and use),
    and they hold for the rest of the request, like any other row read once."""
    memo = getattr(_request, "versions", None)
    if memo is None:  # outside a request (a job, a command, a test calling a function)
        return _read(key)
    token = memo.get(key)
    if token is None:
        if not memo and _known:
            memo.update(cache.get_many(list(_known)))
            token = memo.get(key)
        if token is None:
            token = memo[key] = _read(key)
    return token


def bump(key: str) -> None:
    token = _token()
    cache.set(key, token, None)
    memo = getattr(_request, "versions", None)
    if memo is not None:  # what this request reads next sees its own change
        memo[key] = token


def forget(key: str) -> None:
    """What is cached under ``key``'s version is out of date: a new version now, and again
    when the current transaction commits, so that no entry rebuilt meanwhile from the data
    before the change (other requests do not see it yet) outlives it."""
    from django.db import transaction

    bump(key)
    transaction.on_commit(lambda: bump(key))


def _read(key: str) -> str:
    _known.add(key)
    return cache.get_or_set(key, _token, None)


_known: set[str] = set()  # the version keys this process has read
_request = threading.local()  # the tokens read during the thread's current request


def start_request(**kwargs) -> None:
    _request.versions = {}


def end_request(**kwargs) -> None:
    _request.versions = None


def connect() -> None:
    from django.core.signals import got_request_exception, request_finished, request_started

    request_started.connect(start_request, dispatch_uid="localcache-start")
    request_finished.connect(end_request, dispatch_uid="localcache-end")
    got_request_exception.connect(end_request, dispatch_uid="localcache-exception")


def _token() -> str:
    return uuid.uuid4().hex


copies = LocalCopies()
