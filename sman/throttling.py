"""API throttling: one counter per request.

DRF's AnonRateThrottle and UserRateThrottle, used together, count an anonymous request twice (the
second falls back to the IP address as well), which doubles the cache round trips of every anonymous
call (the address search is called at each keystroke). This class applies the ``anon`` rate to
anonymous clients (by IP address) and the ``user`` rate to signed-in users (by account).

While Redis is unreachable (sman/cache.py), reads are not throttled (failing open: the public data stays
available without a database write per request); writes keep their limits, counted in the fallback cache.
"""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from .cache import cache_degraded


class ClientRateThrottle(SimpleRateThrottle):
    scope = "anon"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS and cache_degraded():
            return True
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.user.pk if self.scope == "user" else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
