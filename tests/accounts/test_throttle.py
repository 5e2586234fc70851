"""The in-process store of the API's rate limits: counts as ``limits`` counts, starts no thread
per hit (the library's memory store restarted a 10 ms timer thread whenever one had run out, on
the event loop under load), and still forgets expired counters."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from fairscreen.accounts import throttle


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    caches = (throttle._storage, throttle._limiter, throttle._api_limiter)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def _timers() -> set[int]:
    return {id(t) for t in threading.enumerate() if isinstance(t, threading.Timer)}


def test_hits_are_counted_without_a_thread_per_hit() -> None:
    limits = throttle.api_limits("5/minute")
    assert throttle.hit_api(limits, "api-account", "a") is None  # the store is made here
    time.sleep(0.05)  # the store's first timer (made with it) has run out
    before = _timers()
    waits = []
    for _ in range(6):
        waits.append(throttle.hit_api(limits, "api-account", "a"))
        assert _timers() <= before  # no timer thread was started for this hit
        time.sleep(0.02)  # longer than the library's timer: the old store started another
    assert waits[:4] == [None] * 4
    assert all(w is not None and w >= 1 for w in waits[4:])  # the fifth hit in the window is full
    assert throttle.hit_api(limits, "api-account", "b") is None  # another key counts apart


def test_expired_counters_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "SWEEP_EVERY", 0.0)
    limits = throttle.api_limits("3/second")
    throttle.hit_api(limits, "api-address", "gone")
    store = throttle._storage()
    assert any("gone" in key for key in store.storage)  # type: ignore[attr-defined]
    time.sleep(2.2)  # the sliding window's two seconds are over
    throttle.hit_api(limits, "api-address", "other")
    assert not any("gone" in key for key in store.storage)  # type: ignore[attr-defined]
    assert any("other" in key for key in store.storage)  # type: ignore[attr-defined]
