"""The sweep on a schedule: a background thread started and stopped with the app."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as dt_time
from pathlib import Path

import pytest

from fairscreen.kit.db import transaction
from fairscreen.policy.pack import load_pack
from fairscreen.retention import deletion
from fairscreen.retention.scheduler import RetentionScheduler, RetentionSettings, install
from fairscreen.vault import Vault
from fairscreen.web.app import create_app
from tests.conftest import Database
from tests.retention.people import TODAY, expire, opens, screen_people

NOW = datetime.combine(TODAY, dt_time(3, 0), tzinfo=UTC)


def _now() -> datetime:
    return NOW


def _wait(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("the scheduler did not run in time")


def test_the_scheduler_processes_requests_and_sweeps(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path, others=2)
    expire(db, vault, *world.refs("C2"))
    with transaction(db.sessions) as s:
        request = deletion.receive(s, now=_now(), pack=load_pack(), channel="api")
        deletion.verify(
            s,
            vault,
            request.id,
            id_number=world.target.id_number,
            name=world.target.name,
            now=_now(),
        )
    scheduler = RetentionScheduler(db.sessions, interval=0.05, first_after=0, clock=_now)
    scheduler.start()
    try:
        _wait(lambda: len(scheduler.runs) >= 2)
    finally:
        scheduler.stop()
    first = scheduler.runs[0]
    assert first.error is None and first.requests == 1
    assert first.sweep is not None and first.sweep.destroyed == 1
    # Durable before the run is over: on SQLite the WAL was checkpointed into the main file.
    assert first.durability == ("clean" if db.backend == "sqlite" else "compact_pending")
    assert all(run.sweep and run.sweep.destroyed == 0 for run in scheduler.runs[1:])
    assert opens(db, vault, world.target.candidate_id) == "none"
    assert opens(db, vault, world.people["C2"].candidate_id) == "none"
    assert opens(db, vault, world.people["C3"].candidate_id) == "all"


def test_a_failed_run_is_logged_and_the_next_one_tries_again(
    db: Database, vault: Vault, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = screen_people(db, vault, tmp_path, others=0)
    expire(db, vault, *world.refs("C1"))

    def rename(old: str, new: str) -> None:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}")

    scheduler = RetentionScheduler(db.sessions, interval=3600, clock=_now)
    rename("destroyed_subjects", "destroyed_subjects_away")  # the database fails the run
    try:
        failed = scheduler.run_once()
    finally:
        rename("destroyed_subjects_away", "destroyed_subjects")
    assert failed.error is not None and "destroyed_subjects" in failed.error
    assert failed.sweep is None
    assert "scheduled retention run failed" in caplog.text
    assert opens(db, vault, world.target.candidate_id) == "all"  # the failed batch rolled back
    again = scheduler.run_once()
    assert again.error is None and again.sweep is not None and again.sweep.destroyed == 1


def test_the_app_starts_and_stops_the_scheduler(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "3600")
    monkeypatch.setenv("FAIRSCREEN_RETENTION_FIRST_SWEEP_AFTER", "3600")
    app = create_app(db.sessions)
    scheduler = app.state.retention_scheduler
    assert isinstance(scheduler, RetentionScheduler) and scheduler.interval == 3600

    async def serve() -> bool:
        async with app.router.lifespan_context(app):
            return scheduler.alive

    assert asyncio.run(serve()) is True
    assert not scheduler.alive  # stopped with the app

    off = install(
        create_app(db.sessions), db.sessions, settings=RetentionSettings(sweep_interval=0)
    )
    assert off is None
    with pytest.raises(ValueError, match="interval"):
        RetentionScheduler(db.sessions, interval=0)
