"""The JSON API's writes, old code against new, side by side: one seeded database, two
``fairscreen serve`` processes (the old code from a source tree given with ``--old``, the
worktree's own), 50 clients, the two servers alternating phase by phase (trivial, dispute,
decision), each write phase on checks of its own. PostgreSQL's wait events are sampled every
20 ms during each phase (what the backends of the database wait for), and the connections
opened (``pg_stat_database.sessions``).

Run:  git archive <old commit> src | tar -x -C /tmp/old
      eval $(/work/wt/notes/devpg.sh)
      .venv/bin/python -m bench.api_ab --old /tmp/old/src [--rounds 2 --writes 120]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from bench import api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="the old code's src folder")
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--real", type=int, default=1_500)
    parser.add_argument("--writes", type=int, default=120, help="per server, phase and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    from sqlalchemy import create_engine, text

    base = os.environ.get("FAIRSCREEN_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit("FAIRSCREEN_TEST_POSTGRES_URL: a PostgreSQL server (eval $(devpg.sh))")
    name = f"fs_bench_ab_{args.candidates}"
    data_dir = api.HOME / f"ab-{args.candidates}"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = api._database(base, name)
    print(api.seed(url, data_dir, args.candidates, args.real), flush=True)
    total = args.writes * args.rounds * 2
    who = api.actors(url, data_dir, reports=1, disputes=total, decisions=total)
    servers: dict[str, tuple[subprocess.Popen[str], str]] = {}
    for side in ("old", "new"):
        if side == "old":
            os.environ["PYTHONPATH"] = str(args.old)
        try:
            servers[side] = api._server(url, data_dir)
        finally:
            os.environ.pop("PYTHONPATH", None)

    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    waits: Counter[tuple[str, ...]] = Counter()
    label = ["idle"]
    stop = threading.Event()

    def sample() -> None:
        with admin.connect() as conn:
            while not stop.is_set():
                rows = conn.execute(
                    text(
                        "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                        "WHERE datname = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": name},
                )
                for row in rows:
                    waits[(label[0], *(str(v) for v in row))] += 1
                time.sleep(0.02)

    def sessions() -> int:
        with admin.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT sessions FROM pg_stat_database WHERE datname = :n"), {"n": name}
                ).scalar_one()
            )

    threading.Thread(target=sample, daemon=True).start()
    tokens = list(who.employer_tokens.values())
    disputes, decisions = list(who.disputes), list(who.decisions)
    # not every screened check has a finding to dispute: equal shares for every write phase
    per_phase = min(args.writes, len(disputes) // (2 * args.rounds))

    def requests(kind: str) -> tuple[list[dict[str, Any]], int]:
        if kind == "trivial":
            auth = [{"Authorization": f"Bearer {tokens[i % len(tokens)]}"} for i in range(600)]
            return [
                {"method": "GET", "url": "/api/v1/auth/session", "headers": h} for h in auth
            ], 200
        if kind == "dispute":
            taken, disputes[:] = disputes[:per_phase], disputes[per_phase:]
            return [
                {
                    "method": "POST",
                    "url": f"/api/v1/checks/{check}/disputes",
                    "json": {"finding": finding, "text": "這條記錄不是我的, 請核實。"},
                    "headers": {"Cookie": f"fs_session={cookie}", "X-CSRF-Token": csrf},
                }
                for cookie, csrf, check, finding in taken
            ], 201
        chosen, decisions[:] = decisions[:per_phase], decisions[per_phase:]
        return [
            {
                "method": "POST",
                "url": f"/api/v1/checks/{check}/decision",
                "json": {"outcome": "hire"},
                "headers": {
                    "Authorization": f"Bearer {who.employer_tokens[employer]}",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            }
            for employer, check in chosen
        ], 201

    results: list[dict[str, Any]] = []

    async def run() -> None:
        for _, address in servers.values():
            await api._run(address, "warm-up", requests("trivial")[0][:200], 200, args.clients)
        for round_ in range(args.rounds):
            for side in ("old", "new") if round_ % 2 == 0 else ("new", "old"):
                process, address = servers[side]
                for kind in ("trivial", "dispute", "decision"):
                    reqs, expected = requests(kind)
                    label[0], opened = f"{side} {kind}", sessions()
                    phase = await api._run(address, kind, reqs, expected, args.clients, process.pid)
                    label[0] = "idle"
                    summary = phase.summary() | {
                        "code": side,
                        "phase": kind,
                        "load_average": os.getloadavg()[0],
                        "connections_opened": sessions() - opened,
                    }
                    results.append(summary)
                    print(json.dumps({k: v for k, v in summary.items() if k != "error_samples"}))

    try:
        asyncio.run(run())
    finally:
        stop.set()
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=60)
    print("wait events (samples every 20 ms, per phase):")
    for key, count in sorted(waits.items(), key=lambda kv: (kv[0][0], -kv[1])):
        if key[0] != "idle":
            print(count, *key)
    api.RESULTS.mkdir(exist_ok=True)
    (api.RESULTS / "api-ab.json").write_text(
        json.dumps(
            {"phases": results, "waits": [[*k, n] for k, n in waits.items() if k[0] != "idle"]},
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
