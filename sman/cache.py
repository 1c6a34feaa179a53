"""The cache, when Redis is unreachable.

Redis holds the login rate limits, the TOTP replay guard, the API throttle and cached tiles. Without it
every sign-in would fail. Decision: while Redis does not answer, the cache falls back to a table in
PostgreSQL (Django's database cache), so that rate limits and the replay guard keep holding — slower,
but conservative; reads of the API are not throttled at all meanwhile (sman/throttling.py). After a
failure, Redis is tried again only after ``RETRY_AFTER`` seconds, so that a dead server costs one short
connection timeout, not one per request.
"""

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Per process and per Redis address: every thread's cache object shares what one of them learnt.
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class FallbackRedisCache(RedisCache):
    """Django's Redis cache, with the ``fallback`` cache alias in its place while Redis is down.

    OPTIONS: ``FALLBACK`` (alias, default ``"fallback"``), ``RETRY_AFTER`` (seconds, default 10), and
    the Redis pool's own (``socket_connect_timeout``, ``socket_timeout``).
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.fallback_alias = options.pop("FALLBACK", "fallback")
        self.retry_after = float(options.pop("RETRY_AFTER", 10))
        super().__init__(server, {**params, "OPTIONS": options})
        self._address = server if isinstance(server, str) else ",".join(server)

    def is_degraded(self) -> bool:
        return _down_until.get(self._address, 0) > time.monotonic()

    def _call(self, name, *args, **kwargs):
        if not self.is_degraded():
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except UNREACHABLE as exc:
                with _lock:
                    if not self.is_degraded():
                        logger.warning("Redis injoignable (%s) : cache de secours en base de données.", exc)
                    _down_until[self._address] = time.monotonic() + self.retry_after
        return getattr(caches[self.fallback_alias], name)(*args, **kwargs)


def _through_fallback(name):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


# Every operation of Django's Redis cache goes through ``_call``.
READS = ("get", "get_many", "has_key")
WRITES = ("add", "set", "touch", "delete", "incr", "set_many", "delete_many", "clear")
for _name in READS + WRITES:
    setattr(FallbackRedisCache, _name, _through_fallback(_name))


def cache_degraded(alias: str = "default") -> bool:
    cache = caches[alias]
    return isinstance(cache, FallbackRedisCache) and cache.is_degraded()
