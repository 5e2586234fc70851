"""A sweep to kill: run as ``python -m tests.retention.workers sweep URL TODAY BATCH STATEMENT``.

It sweeps in batches of BATCH and, in the second batch, stops just before it executes the first
SQL statement that starts with STATEMENT (``COMMIT``: just before the commit, every statement
of the batch, the ledger append included, done): it prints ``paused`` and sleeps, inside the
open transaction, so that the test can ``kill -9`` it at exactly that point.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from typing import Any

from sqlalchemy import event

from fairscreen.kit.db import make_engine, session_factory
from fairscreen.retention.sweep import sweep


def paused_sweep(url: str, today: str, batch: int, statement: str) -> None:
    engine = make_engine(url, sqlite_synchronous="FULL")
    batches = 0

    @event.listens_for(engine, "before_cursor_execute")
    def _pause(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        nonlocal batches
        text = " ".join(sql.split())
        if text.startswith("INSERT INTO retention_batch"):
            batches += 1
        if batches == 2 and text.startswith(statement):
            print("paused", flush=True)
            time.sleep(3600)

    @event.listens_for(engine, "commit")
    def _pause_commit(_conn: Any) -> None:
        if batches == 2 and statement == "COMMIT":
            print("paused", flush=True)
            time.sleep(3600)

    sweep(session_factory(engine), today=date.fromisoformat(today), batch_size=batch)
    print("finished", flush=True)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command != "sweep":
        raise SystemExit(f"unknown command {command}")
    paused_sweep(args[0], args[1], int(args[2]), args[3])
