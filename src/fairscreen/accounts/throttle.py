"""Throttling with the ``limits`` library (moving windows, in process memory).

One process's memory is the right store for ``fairscreen serve`` on one machine; an operator
running several server processes behind a load balancer points ``FAIRSCREEN_RATE_LIMIT_STORAGE``
at a shared store that ``limits`` supports (``redis://…``, ``memcached://…``), and every process
then counts together.

**No thread per hit.** The library's memory storage sweeps expired counters from a
``threading.Timer`` of 10 ms that every hit restarts when it has run out: under load, a new thread
a hundred times a second, and ``Thread.start`` waits until that thread holds the GIL, on the
event loop (the per-address limit runs there) behind every busy worker thread. ``_SweptMemory``
sweeps inline instead, at most once every ``SWEEP_EVERY`` seconds, in the thread that hits
(expired counters are also dropped when they are read, as before, so a late sweep costs memory,
never a wrong count).
"""

from __future__ import annotations

import math
import os
import threading
import time
from functools import lru_cache

from limits import RateLimitItem, parse, parse_many, storage, strategies

from fairscreen.kit.errors import RateLimitedError

LOGIN_PER_ADDRESS = parse("20/minute")  # login attempts from one network address
LOGIN_PER_ACCOUNT = parse("5/minute")  # ... for one e-mail address, known or not
CODES_PER_CONTACT = parse("3/10 minutes")  # one-time codes sent to one contact
CODES_PER_ADDRESS = parse("20/hour")


SWEEP_EVERY = 1.0  # seconds between sweeps of expired counters in process memory


class _SweptMemory(storage.MemoryStorage):
    """``limits``' memory storage, swept inline rather than by a timer thread per hit (the
    storage's own methods call its private ``__schedule_expiry``, overridden here)."""

    def __init__(self) -> None:
        super().__init__()
        self._swept_at = time.monotonic()
        self._sweep_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the mangled name it calls)
        now = time.monotonic()
        if now - self._swept_at < SWEEP_EVERY or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._swept_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweep_lock.release()


@lru_cache(maxsize=1)
def _storage() -> storage.Storage:
    uri = os.environ.get("FAIRSCREEN_RATE_LIMIT_STORAGE", "memory://")
    if uri == "memory://":
        return _SweptMemory()
    found = storage.storage_from_string(uri)
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
