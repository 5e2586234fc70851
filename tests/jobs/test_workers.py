"""Workers scale out and survive being killed: several `fairscreen worker` processes on one
PostgreSQL database against the sandbox provider served over HTTP, three of them killed with
SIGKILL while they run a job. Every check completes exactly once (one report, one recorded query
per item and source, nothing missing), the reports are what the synchronous pass reports, and
the ledger verifies."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckQuery, CheckRequest
from fairscreen.sources.models import SourceQuery
from fairscreen.vault import Vault
from fairscreen.vault.keys import LocalKeyFile
from fairscreen.world.load import load_world
from tests.conftest import Database
from tests.jobs.checks import (
    COMPARED,
    dumps,
    make_world,
    printed_url,
    reports_by_candidate,
    start_cli,
    synchronous_results,
)
from tests.ledger.full import verify_log


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_workers_killed_mid_job_complete_every_check_exactly_once(
    db: Database, tmp_path: Path
) -> None:
    world = make_world(tmp_path / "w.jsonl", 16, seed=11)
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "data"),
        "FAIRSCREEN_JOB_RETRY_BASE": "0.2",
    }
    opened = subprocess.run(
        [
            sys.executable,
            "-c",
            "from fairscreen.cli import main; main()",
            "checks",
            "start",
            "--world",
            str(world),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert opened.returncode == 0, opened.stderr
    assert "query jobs queued" in opened.stderr

    provider_log = tmp_path / "provider.log"
    provider = start_cli(
        [
            "sandbox-provider",
            "serve",
            "--world",
            str(world),
            "--port",
            "0",
            "--latency",
            "1",
            "--response-delay",
            "0.2",
        ],
        env,
        provider_log,
    )
    workers: list[subprocess.Popen[bytes]] = []
    try:
        env["FAIRSCREEN_PROVIDER_URL"] = printed_url(provider_log, provider)
        worker_args = ["worker", "--concurrency", "2", "--heartbeat", "0.3", "--stalled-after", "2"]

        def start_worker() -> None:
            workers.append(start_cli(worker_args, env, tmp_path / f"worker{len(workers)}.log"))

        for _ in range(3):
            start_worker()

        def in_progress() -> int:
            with db.sessions() as session:
                return int(
                    session.scalar(select(func.count()).where(CheckRequest.status == "in_progress"))
                    or 0
                )

        def registered() -> dict[int, subprocess.Popen[bytes]]:
            """Live workers by their id in procrastinate's tables (each prints it at start)."""
            out = {}
            for i, w in enumerate(workers):
                found = re.search(
                    r"procrastinate worker (\d+)", (tmp_path / f"worker{i}.log").read_text()
                )
                if found and w.poll() is None:
                    out[int(found.group(1))] = w
            return out

        # Kill, three times, a worker that is running a job at that moment, and start another
        # in its place.
        killed = 0
        deadline = time.monotonic() + 300
        while killed < 3 and time.monotonic() < deadline:
            with db.engine.connect() as conn:
                busy = set(
                    conn.execute(
                        text(
                            "SELECT worker_id FROM procrastinate.procrastinate_jobs "
                            "WHERE status = 'doing'"
                        )
                    ).scalars()
                )
            victims = [w for worker_id, w in registered().items() if worker_id in busy]
            if victims:
                os.kill(victims[0].pid, signal.SIGKILL)
                victims[0].wait()
                killed += 1
                start_worker()
            time.sleep(0.1)
        assert killed == 3

        while in_progress() and time.monotonic() < deadline:
            for w in workers:
                assert w.poll() is None or w.returncode == -signal.SIGKILL
            time.sleep(0.2)
        assert in_progress() == 0
    finally:
        for proc in [*workers, provider]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*workers, provider]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    with load_world(world) as store:
        expected = synchronous_results(store)
    vault = Vault(LocalKeyFile(tmp_path / "data" / "kek.json"))
    with db.sessions() as session:
        reports = reports_by_candidate(session, vault)
        per_request = session.execute(
            select(Report.request_id, func.count()).group_by(Report.request_id)
        ).all()
        queries = session.execute(
            select(CheckQuery.status, func.count()).group_by(CheckQuery.status)
        ).all()
        recorded = session.execute(
            select(
                SourceQuery.request_id, SourceQuery.item, SourceQuery.source, func.count()
            ).group_by(SourceQuery.request_id, SourceQuery.item, SourceQuery.source)
        ).all()
        answered = int(session.scalar(select(func.count()).select_from(CheckQuery)) or 0)
    reported = [ref for ref, r in expected.items() if r["status"] == "reported"]
    assert sorted(reports) == sorted(reported)
    assert {count for _, count in per_request} == {1}  # exactly one report per check
    assert dict(queries) == {"answered": answered}  # nothing lost
    assert len(recorded) == answered and {row[3] for row in recorded} == {1}  # nothing twice
    for ref in reported:
        assert dumps({k: reports[ref][0][k] for k in COMPARED}) == dumps(
            {k: expected[ref][k] for k in COMPARED}
        )
    assert verify_log(db.sessions).ok
