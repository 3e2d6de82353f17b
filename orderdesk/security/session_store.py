"""Sessions read from the shared cache, and ended for good.

Django's ``cached_db`` keeps each session in the database and a copy in the cache, and
writes the database first, the cache second. A request in flight can therefore put its
copy back into the cache just after the session was deleted ("log out everywhere", or a
sign-out while someone holds a copied cookie), and that copy would keep the device signed
in for hours. Here a deleted session leaves a tombstone in the cache, read together with
the copy (one round trip): a session with a tombstone is gone, whatever copy came back.
``SESSION_ENGINE`` is this module when the cache is shared (``REDIS_URL``).
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

ENDED = ":ended"


class SessionStore(CachedDBStore):
    def load(self):
        key = self.cache_key
        try:
            found = self._cache.get_many([key, key + ENDED])
        except Exception:  # an invalid key on some backends: as cached_db, read the database
            found = {}
        if found.get(key + ENDED):
            self._session_key = None  # ended: the request goes on with a new, empty session
            return {}
        data = found.get(key)
        if data is None:
            stored = self._get_session_from_db()
            if stored is None:
                return {}
            data = self.decode(stored.session_data)
            self._cache.set(key, data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def delete(self, session_key=None):
        if session_key is None:
            session_key = self.session_key
        if session_key is None:
            return
        # The tombstone first: a copy written back after this is never read again.
        self._cache.set(self.cache_key_prefix + session_key + ENDED, True, _tombstone_seconds())
        super().delete(session_key)

    async def aload(self):
        return await sync_to_async(self.load)()

    async def adelete(self, session_key=None):
        return await sync_to_async(self.delete)(session_key)


def _tombstone_seconds() -> int:
    """As long as any copy could live: a session's cache entry expires with the session."""
    return int(settings.SESSION_COOKIE_AGE)
