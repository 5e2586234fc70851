"""The retention sweep on a schedule, inside ``fairscreen serve``.

A daemon thread wakes every ``FAIRSCREEN_RETENTION_SWEEP_INTERVAL`` seconds (default 3600; 0
turns it off), resolves the deletion requests whose requester's identity is verified, then runs
the sweep. Each run is what ``fairscreen deletion process --all`` and ``fairscreen retention
sweep`` do by hand: idempotent, so a run that overlaps a manual one, or a server restarted in
the middle of one, does no harm. A failed run is logged (no personal data: ids and counts) and
retried at the next interval.

Each run returns once what it destroyed is durable (``retention.erasure``), and ends by trying
again a checkpoint that a reader kept from completing earlier (``kit.db.checkpoint_pending``);
between runs the app's ``kit.db.CheckpointRetrier`` does that.

``install(app, sessions)`` starts the thread with the app's lifespan and stops it with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import TRUNCATED, checkpoint, checkpoint_pending, engine_of
from fairscreen.kit.periodic import Periodic, alongside
from fairscreen.policy.pack import PolicyPack, load_pack
from fairscreen.retention import deletion
from fairscreen.retention.erasure import CLEAN, WAL_PENDING
from fairscreen.retention.sweep import DEFAULT_BATCH, SweepResult, sweep

log = logging.getLogger(__name__)


class RetentionSettings(BaseSettings):
    """``FAIRSCREEN_RETENTION_SWEEP_INTERVAL`` (seconds, 0: no scheduled sweep),
    ``FAIRSCREEN_RETENTION_FIRST_SWEEP_AFTER`` (seconds after start-up),
    ``FAIRSCREEN_RETENTION_SWEEP_BATCH`` (candidates per transaction)."""

    model_config = SettingsConfigDict(env_prefix="FAIRSCREEN_RETENTION_", extra="ignore")

    sweep_interval: float = 3600.0
    first_sweep_after: float = 30.0
    sweep_batch: int = DEFAULT_BATCH


@dataclass(frozen=True, slots=True)
class Run:
    """What one scheduled run did."""

    at: datetime
    sweep: SweepResult | None
    requests: int  # deletion requests resolved
    error: str | None
    # What the run's destructions left on disk ("clean", "wal_pending", "compact_pending"; None
    # when nothing was destroyed and no earlier checkpoint was pending).
    durability: str | None = None


class RetentionScheduler:
    """Runs deletion processing and the sweep every ``interval`` seconds on a daemon thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        interval: float,
        first_after: float | None = None,
        batch_size: int = DEFAULT_BATCH,
        pack: PolicyPack | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval: a positive number of seconds, got {interval}")
        self.sessions = sessions
        self.engine = engine_of(sessions)
        self.interval = interval
        self.first_after = interval if first_after is None else max(0.0, first_after)
        self.batch_size = batch_size
        self.pack = pack or load_pack()
        self.clock = clock
        self.runs: list[Run] = []
        self._periodic = Periodic(
            "retention-sweep", self.run_once, interval=interval, first_after=self.first_after
        )
        self._lock = threading.Lock()  # one run at a time (run_once may also be called directly)

    def __repr__(self) -> str:
        return f"RetentionScheduler(interval={self.interval})"

    @property
    def last(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    def run_once(self) -> Run:
        """Resolve verified deletion requests, then sweep; never raises."""
        with self._lock:
            now = self.clock()
            result: SweepResult | None = None
            resolved = 0
            error = None
            states: list[str | None] = []
            try:
                processed = deletion.process_verified(self.sessions, now=now, pack=self.pack)
                resolved = len(processed.requests)
                states.append(processed.durability)
                result = sweep(
                    self.sessions,
                    today=now.date(),
                    batch_size=self.batch_size,
                    pack=self.pack,
                    clock=self.clock,
                )
                states.append(result.durability)
            except Exception as exc:  # a scheduler must survive a bad run and try again later
                error = f"{type(exc).__name__}: {exc}"
                log.exception("scheduled retention run failed; retrying in %.0f s", self.interval)
            durability = next((s for s in states if s == WAL_PENDING), None) or next(
                (s for s in states if s is not None), None
            )
            if checkpoint_pending(self.engine):
                durability = self._checkpoint()
            run = Run(now, result, resolved, error, durability)
            self.runs = [*self.runs[-99:], run]
            return run

    def _checkpoint(self) -> str:
        """Try again a checkpoint that a reader kept from completing."""
        if checkpoint(self.engine) == TRUNCATED:
            log.info("retention: the WAL checkpoint that was pending is done")
            return CLEAN
        return WAL_PENDING

    @property
    def alive(self) -> bool:
        return self._periodic.alive

    def start(self) -> None:
        if not self._periodic.alive:
            log.info("retention sweep scheduled every %.0f s", self.interval)
        self._periodic.start()

    def stop(self) -> None:
        """Stop the thread; a run in progress finishes its batch (each batch commits whole)."""
        self._periodic.stop()


def install(
    app: FastAPI,
    sessions: sessionmaker[Session],
    *,
    settings: RetentionSettings | None = None,
) -> RetentionScheduler | None:
    """Run the scheduler for as long as ``app`` runs (wrapping its lifespan); None when the
    interval setting turns it off. The scheduler is ``app.state.retention_scheduler``."""
    settings = settings or RetentionSettings()
    if settings.sweep_interval <= 0:
        return None
    scheduler = RetentionScheduler(
        sessions,
        interval=settings.sweep_interval,
        first_after=settings.first_sweep_after,
        batch_size=settings.sweep_batch,
    )
    app.state.retention_scheduler = scheduler
    alongside(app, scheduler)
    return scheduler
