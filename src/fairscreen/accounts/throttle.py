"""Throttling with the ``limits`` library (moving windows, in process memory).

One process's memory is the right store for ``fairscreen serve`` on one machine; an operator
running several server processes behind a load balancer points ``FAIRSCREEN_RATE_LIMIT_STORAGE``
at a shared store that ``limits`` supports (``redis://…``, ``memcached://…``), and every process
then counts together.
"""

from __future__ import annotations

import math
import os
import time
from functools import lru_cache

from limits import RateLimitItem, parse, parse_many, storage, strategies

from fairscreen.kit.errors import RateLimitedError

LOGIN_PER_ADDRESS = parse("20/minute")  # login attempts from one network address
LOGIN_PER_ACCOUNT = parse("5/minute")  # ... for one e-mail address, known or not
CODES_PER_CONTACT = parse("3/10 minutes")  # one-time codes sent to one contact
CODES_PER_ADDRESS = parse("20/hour")


@lru_cache(maxsize=1)
def _storage() -> storage.Storage:
    found = storage.storage_from_string(
        os.environ.get("FAIRSCREEN_RATE_LIMIT_STORAGE", "memory://")
    )
    assert isinstance(found, storage.Storage)  # not an asyncio storage (async+...://)
    return found


@lru_cache(maxsize=1)
def _limiter() -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(_storage())


@lru_cache(maxsize=1)
def _api_limiter() -> strategies.SlidingWindowCounterRateLimiter:
    # every API request counts: a sliding window of two counters per key, constant memory and
    # time whatever the limit (a moving window keeps one timestamp per request in the window)
    return strategies.SlidingWindowCounterRateLimiter(_storage())


def api_limits(setting: str) -> tuple[RateLimitItem, ...]:
    """The limits a ``FAIRSCREEN_RATE_LIMIT_PER_*`` value names (none for "none")."""
    return _parsed(setting)


@lru_cache(maxsize=8)
def _parsed(setting: str) -> tuple[RateLimitItem, ...]:
    if setting.strip().lower() == "none":
        return ()
    return tuple(parse_many(setting))


def hit_api(limits_: tuple[RateLimitItem, ...], *keys: str) -> int | None:
    """Count one API request for ``keys`` against each of ``limits_``; the seconds to wait
    when one of them is full (None: go ahead)."""
    limiter = _api_limiter()
    for limit in limits_:
        if not limiter.hit(limit, *keys):
            reset = limiter.get_window_stats(limit, *keys).reset_time
            return max(1, math.ceil(reset - time.time()))
    return None


def hit(limit: RateLimitItem, *keys: str, message: str = "too many attempts") -> None:
    """Count one attempt against ``limit`` for ``keys``; refuse it when the window is full."""
    limiter = _limiter()
    if not limiter.hit(limit, *keys):
        reset = limiter.get_window_stats(limit, *keys).reset_time
        raise RateLimitedError(f"{message}; try again later", max(1, int(reset - time.time())))


def reset() -> None:
    """Forget every count (tests)."""
    _storage().reset()
