"""Work that ``fairscreen serve`` does in the background, now and then: one implementation for
every such loop (the ledger's checkpoint publisher, the SQLite checkpoint retrier, the retention
sweep, the feedback deadlines, the notify delivery).

``Periodic`` calls ``tick`` on a daemon thread, first after ``first_after`` seconds, then every
``interval`` seconds, until ``stop``; a tick that raises is logged (once per distinct message,
so a database that stays away is one line, not one a second) and the loop goes on. ``stop``
waits for the tick in progress: every tick commits whole or not at all. A long tick may watch
``stopping`` to end early. ``alongside`` runs a loop for as long as a FastAPI app runs (it wraps
the app's lifespan)."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # a type only: the command line imports this module and need not load FastAPI
    from fastapi import FastAPI

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self,
        name: str,
        tick: Callable[[], object],
        *,
        interval: float,
        first_after: float | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval: a positive number of seconds, got {interval}")
        self.name = name
        self.tick = tick
        self.interval = interval
        self.first_after = interval if first_after is None else max(0.0, first_after)
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_error: str | None = None

    def __repr__(self) -> str:
        return f"Periodic({self.name!r}, every {self.interval} s)"

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        delay = self.first_after
        while not self.stopping.wait(delay):
            try:
                self.tick()
                self._last_error = None
            except Exception as exc:  # a background loop must survive a bad tick
                message = f"{type(exc).__name__}: {exc}"
                if message != self._last_error:
                    log.error("%s: %s; trying again in %.0f s", self.name, message, self.interval)
                    self._last_error = message
            delay = self.interval

    def start(self) -> None:
        if self._thread is None:
            self.stopping.clear()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 60.0) -> None:
        """Stop after the tick in progress (if any)."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class Startable(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


def alongside(app: FastAPI, worker: Startable, *, then: Callable[[], None] | None = None) -> None:
    """Start ``worker`` when ``app`` starts and stop it (then call ``then``) when it stops."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with inner(a) as state:
            worker.start()
            try:
                yield state
            finally:
                worker.stop()
                if then is not None:
                    then()

    app.router.lifespan_context = lifespan
