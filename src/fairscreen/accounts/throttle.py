"""Throttling with the ``limits`` library (moving windows, in process memory).

One process's memory is the right store for ``fairscreen serve`` on one machine; an operator
running several server processes behind a load balancer points ``FAIRSCREEN_RATE_LIMIT_STORAGE``
at a shared store that ``limits`` supports (``redis://…``, ``memcached://…``), and every process
then counts together.
"""

from __future__ import annotations

import os
from functools import lru_cache

from limits import RateLimitItem, parse, storage, strategies

from fairscreen.kit.errors import RateLimitedError

LOGIN_PER_ADDRESS = parse("20/minute")  # login attempts from one network address
LOGIN_PER_ACCOUNT = parse("5/minute")  # ... for one e-mail address, known or not
CODES_PER_CONTACT = parse("3/10 minutes")  # one-time codes sent to one contact
CODES_PER_ADDRESS = parse("20/hour")


@lru_cache(maxsize=1)
def _limiter() -> strategies.MovingWindowRateLimiter:
    uri = os.environ.get("FAIRSCREEN_RATE_LIMIT_STORAGE", "memory://")
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(uri))


def hit(limit: RateLimitItem, *keys: str, message: str = "too many attempts") -> None:
    """Count one attempt against ``limit`` for ``keys``; refuse it when the window is full."""
    limiter = _limiter()
    if not limiter.hit(limit, *keys):
        reset = limiter.get_window_stats(limit, *keys).reset_time
        import time

        raise RateLimitedError(f"{message}; try again later", max(1, int(reset - time.time())))


def reset() -> None:
    """Forget every count (tests)."""
    _limiter().storage.reset()
