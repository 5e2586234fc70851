"""``kill -9`` in the middle of a sweep: no candidate is left half-destroyed (each one either
opens fully or has nothing left to open), the certificates match what was destroyed, the
ledger verifies, and the next sweep finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

import fairscreen.models as m
from fairscreen.retention.sweep import sweep
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.ledger.full import verify_log
from tests.retention.people import TODAY, assert_references_whole, expire, opens, screen_people

ROOT = Path(__file__).resolve().parents[2]
BATCH = 2


def _wait_for_line(proc: subprocess.Popen[str], wanted: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"the sweep ended before printing {wanted!r}")
        if line.strip() == wanted:
            return
    raise AssertionError(f"no {wanted!r} within {timeout} s")


def _wait_for_backends_to_go(db: Database) -> None:
    """PostgreSQL aborts a killed client's transaction when it sees the socket close."""
    if db.backend != "postgres":
        return
    for _ in range(200):
        with db.engine.connect() as conn:
            others = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        if others == 0:
            return
        time.sleep(0.05)
    raise AssertionError("the killed sweep's backend is still there")


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM reports",
        "DELETE FROM check_requests",
        "DELETE FROM candidates",
        "DELETE FROM data_keys",
        "INSERT INTO destroyed_subjects",
        "COMMIT",
    ],
)
def test_kill_9_in_the_middle_of_a_sweep(
    db: Database, vault: Vault, tmp_path: Path, statement: str
) -> None:
    world = screen_people(db, vault, tmp_path, others=5)
    expire(db, vault, *world.refs())
    db.engine.dispose()  # the worker must not wait for a connection this process holds

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.retention.workers",
            "sweep",
            db.url,
            TODAY.isoformat(),
            str(BATCH),
            statement,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        _wait_for_line(proc, "paused")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    _wait_for_backends_to_go(db)

    # The first batch is destroyed and certified; the one in flight is untouched.
    states = {p.ref: opens(db, vault, p.candidate_id) for p in world.people.values()}
    assert set(states.values()) <= {"all", "none"}, states
    assert sorted(states.values()).count("none") == BATCH
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.DestructionCertificate)) == 1
        assert s.scalar(select(func.count()).select_from(m.DestroyedSubject)) == BATCH
    assert verify_log(db.sessions).ok

    # The next sweep finishes the job.
    result = sweep(db.sessions, today=TODAY, batch_size=BATCH)
    assert result.destroyed == len(world.people) - BATCH
    assert {opens(db, vault, p.candidate_id) for p in world.people.values()} == {"none"}
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.DestroyedSubject)) == len(world.people)
    report = verify_log(db.sessions)
    assert report.ok, report.problems[:3]
    assert_references_whole(db)
