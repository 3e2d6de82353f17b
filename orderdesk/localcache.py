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
    after a flush or an eviction the new one cannot match a copy kept from before."""
    return cache.get_or_set(key, _token, None)


def bump(key: str) -> None:
    cache.set(key, _token(), None)


def _token() -> str:
    return uuid.uuid4().hex


copies = LocalCopies()
