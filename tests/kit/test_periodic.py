"""The one background loop of ``serve``: ticks on a thread until stopped, survives a tick that
raises (logging each distinct error once), waits for the tick in progress when stopped, and runs
for as long as an app runs."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairscreen.kit.periodic import Periodic, alongside


def _until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_it_ticks_survives_errors_and_logs_each_once(caplog: pytest.LogCaptureFixture) -> None:
    ticks: list[int] = []

    def tick() -> None:
        ticks.append(1)
        if len(ticks) <= 3:
            raise RuntimeError("database went away")

    loop = Periodic("test-loop", tick, interval=0.01, first_after=0)
    with caplog.at_level(logging.ERROR, logger="fairscreen.kit.periodic"):
        loop.start()
        loop.start()  # a second start is a no-op: one thread
        _until(lambda: len(ticks) >= 6)
        loop.stop()
    assert not loop.alive
    said = [r.getMessage() for r in caplog.records if "test-loop" in r.getMessage()]
    assert said == ["test-loop: RuntimeError: database went away; trying again in 0 s"]
    count = len(ticks)
    time.sleep(0.05)
    assert len(ticks) == count  # stopped means stopped


def test_stop_waits_for_the_tick_in_progress() -> None:
    inside, done = threading.Event(), threading.Event()

    def tick() -> None:
        inside.set()
        time.sleep(0.2)
        done.set()

    loop = Periodic("slow", tick, interval=5, first_after=0)
    loop.start()
    assert inside.wait(10)
    loop.stop()
    assert done.is_set()


def test_the_first_tick_waits_first_after() -> None:
    ticks: list[float] = []
    loop = Periodic("late", lambda: ticks.append(1), interval=0.01, first_after=30)
    loop.start()
    time.sleep(0.1)
    loop.stop()
    assert ticks == []
    with pytest.raises(ValueError, match="interval"):
        Periodic("bad", lambda: None, interval=0)


def test_alongside_runs_the_loop_while_the_app_runs() -> None:
    ticks: list[int] = []
    app = FastAPI()
    loop = Periodic("app-loop", lambda: ticks.append(1), interval=0.01, first_after=0)
    closed: list[bool] = []
    alongside(app, loop, then=lambda: closed.append(True))
    assert not loop.alive
    with TestClient(app):
        _until(lambda: len(ticks) >= 2 and loop.alive)
    assert not loop.alive and closed == [True]
