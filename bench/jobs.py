"""Checks completed per second as jobs, with 1, 2 and 4 worker processes on PostgreSQL against
the sandbox provider over HTTP at a fixed latency, as ratios to the synchronous pass in the same
run.

Run:  .venv/bin/python -m bench.jobs            (200 candidates, latency 0.5 s)
      .venv/bin/python -m bench.jobs --quick    (60 candidates)

Needs PostgreSQL's server binaries (Debian's postgresql): the bench starts a throwaway server of
its own in a temporary directory (as scripts/test does), or uses FAIRSCREEN_BENCH_POSTGRES_URL.

Baseline: ``screen_world`` (the synchronous pass: every check in one process, sources in
process, batches of 500 per transaction) into a fresh database of the same server. Also
measured: the synchronous pass asking the provider over HTTP and waiting for each answer (the
first 20 candidates; nothing stored), which is what a check against a late provider costs
without jobs. Timed for
each worker count, on a fresh database: opening every check (consent, scope, ledger entries),
queueing its query jobs, and the workers (``fairscreen worker --concurrency 4``, started and
registered before the clock starts) running every query against the provider (each answer
``--latency`` seconds after it was asked, every request ``--response-delay`` seconds) and every
rating, until no check is in progress. Prints a table and writes ``bench/results/jobs.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

RESULTS = Path(__file__).parent / "results"
CLI = [sys.executable, "-c", "from fairscreen.cli import main; main()"]


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server of our own on a free loopback port (the URL of its ``postgres``)."""
    given = os.environ.get("FAIRSCREEN_BENCH_POSTGRES_URL")
    if given:
        yield given
        return
    pgbin = Path(subprocess.check_output(["pg_config", "--bindir"], text=True).strip())
    tmp = Path(tempfile.mkdtemp(prefix="fairscreen-bench-pg."))
    tmp.chmod(0o755)
    as_pg: list[str] = []
    if os.getuid() == 0:
        shutil.chown(tmp, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp / "data"
    subprocess.run(
        [
            *as_pg,
            str(pgbin / "initdb"),
            "-D",
            str(data),
            "-U",
            "fairscreen",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            *as_pg,
            str(pgbin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(tmp / "log"),
            "-w",
            "-o",
            f"-k {tmp} -p {port} -c listen_addresses=127.0.0.1 -c max_connections=200",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql+psycopg://fairscreen@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_pg, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def fresh_database(server: str, name: str) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def synchronous(url: str, world: Path, data: Path) -> dict[str, Any]:
    from fairscreen.kit.db import make_engine, session_factory, upgrade
    from fairscreen.screening.run import prepare, screen_world
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile
    from fairscreen.world.load import load_world

    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    vault = Vault(LocalKeyFile(data / "kek.json"))
    with load_world(world) as store:
        setup = prepare(store)
        started = time.perf_counter()
        checks = sum(1 for _ in screen_world(store, sessions, vault, setup=setup))
        seconds = time.perf_counter() - started
    engine.dispose()
    return {"checks": checks, "seconds": seconds, "per_second": checks / seconds}


class _Blocking:
    """A source that asks the provider over HTTP and waits for each answer (``Retry-After``):
    the synchronous pass against a provider that answers later."""

    def __init__(self, provider: Any, kind: Any, authoritative: bool) -> None:
        self.provider, self.kind, self.authoritative = provider, kind, authoritative
        self.asked = 0

    def query(self, subject: Any, item: Any) -> Any:
        from fairscreen.sources.http import Later

        self.asked += 1
        key = f"sync-{subject.candidate}-{self.kind}-{item}"
        while isinstance(
            answer := self.provider.ask(
                key=key, kind=self.kind, item=item, subject=subject, consent="bench"
            ),
            Later,
        ):
            time.sleep(answer.seconds if answer.seconds is not None else 0.2)
        return answer


def synchronous_over_http(world: Path, provider_url: str, checks: int) -> dict[str, Any]:
    """The first ``checks`` candidates screened one after the other, every source asked over
    HTTP and waited for (nothing stored: the waiting is the point)."""
    from itertools import islice

    from fairscreen.pipeline import Application, screen
    from fairscreen.screening.run import prepare
    from fairscreen.sources.base import SourceSet
    from fairscreen.sources.http import HttpProvider
    from fairscreen.world.load import load_world

    provider = HttpProvider(provider_url)
    with load_world(world) as store:
        setup = prepare(store)
        kinds = [
            setup.sources.for_kind(k)
            for k in {k for p in setup.pack.items.values() for k in p.sources}
        ]
        sources = SourceSet([_Blocking(provider, s.kind, s.authoritative) for s in kinds])
        positions = {p.id: p for p in store.positions()}
        agencies = [o.id for o in store.organisations() if o.kind == "agency"]
        started = time.perf_counter()
        for c in islice(store.candidates(), checks):
            agency = c.consent.agency if c.consent and c.consent.agency else agencies[0]
            screen(
                Application(c, positions[c.applies_to], agency),
                sources=sources,
                pack=setup.pack,
                ruleset=setup.ruleset,
                as_of=setup.as_of,
                at=datetime.now(UTC),
            )
        seconds = time.perf_counter() - started
    provider.close()
    return {"checks": checks, "seconds": seconds, "per_second": checks / seconds}


def with_workers(
    url: str, world: Path, data: Path, workers: int, provider_url: str, logs: Path
) -> dict[str, Any]:
    from fairscreen.jobs.engine import defer_queries, make_app
    from fairscreen.jobs.graph import open_checks
    from fairscreen.kit.db import make_engine, session_factory, upgrade
    from fairscreen.screening.models import CheckRequest
    from fairscreen.screening.run import prepare
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile
    from fairscreen.world.load import load_world

    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    vault = Vault(LocalKeyFile(data / "kek.json"))
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": url,
        "FAIRSCREEN_DATA_DIR": str(data),
        "FAIRSCREEN_PROVIDER_URL": provider_url,
        "FAIRSCREEN_JOB_RETRY_BASE": "0.2",
    }
    procs = []
    for n in range(workers):
        log = logs / f"worker-{workers}-{n}.log"
        procs.append(
            subprocess.Popen(
                [*CLI, "worker", "--concurrency", "4", "--heartbeat", "1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("wb"),
            )
        )
    try:
        for n in range(workers):  # every worker registered before the clock starts
            log = logs / f"worker-{workers}-{n}.log"
            while "registered" not in log.read_text():
                if procs[n].poll() is not None:
                    raise SystemExit(log.read_text())
                time.sleep(0.05)
        with load_world(world) as store:
            pack = prepare(store).pack
            app = make_app(url)
            started = time.perf_counter()
            query_ids = open_checks(store, sessions, vault, pack, deadline=timedelta(days=1))
            with app.open():
                defer_queries(app, query_ids)
            checks = store.candidate_count()
        while True:
            with sessions() as session:
                left = session.scalar(
                    select(func.count()).where(CheckRequest.status == "in_progress")
                )
            if not left:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait()
        engine.dispose()
    return {
        "workers": workers,
        "checks": checks,
        "queries": len(query_ids),
        "seconds": seconds,
        "per_second": checks / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--candidates", type=int)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--response-delay", type=float, default=0.01)
    args = parser.parse_args()
    candidates = args.candidates or (60 if args.quick else 200)

    from fairscreen.synth.writer import write_world
    from fairscreen.verify.references import lexicon_version

    lexicon_version()
    work = Path(tempfile.mkdtemp(prefix="fairscreen-bench-jobs."))
    world = work / "world.jsonl"
    with world.open("wb") as out:
        write_world(out, candidates=candidates, seed=15)
    data = work / "data"
    data.mkdir(mode=0o700)
    rows: list[dict[str, Any]] = []
    provider_log = work / "provider.log"
    with throwaway_postgres() as server:
        base = synchronous(fresh_database(server, "bench_sync"), world, data)
        provider = subprocess.Popen(
            [
                *CLI,
                "sandbox-provider",
                "serve",
                "--world",
                str(world),
                "--port",
                "0",
                "--latency",
                str(args.latency),
                "--response-delay",
                str(args.response_delay),
            ],
            stdout=subprocess.DEVNULL,
            stderr=provider_log.open("wb"),
        )
        try:
            while not (found := re.search(r"on (http://\S+) ", provider_log.read_text())):
                time.sleep(0.05)
            over_http = synchronous_over_http(world, found.group(1), 10 if args.quick else 20)
            for workers in (1, 2, 4):
                url = fresh_database(server, f"bench_jobs_{workers}")
                rows.append(with_workers(url, world, data, workers, found.group(1), work))
        finally:
            provider.send_signal(signal.SIGTERM)
            provider.wait()
    shutil.rmtree(work, ignore_errors=True)

    print(f"checks: {candidates}; provider latency {args.latency} s; cores: {os.cpu_count()}")
    print(f"{'path':<28}{'checks/s':>10}{'ratio':>8}")
    print(f"{'synchronous (baseline)':<28}{base['per_second']:>10.1f}{1.0:>8.2f}")
    over_http["ratio"] = over_http["per_second"] / base["per_second"]
    label = "synchronous, over HTTP"
    print(f"{label:<28}{over_http['per_second']:>10.2f}{over_http['ratio']:>8.3f}")
    for row in rows:
        row["ratio"] = row["per_second"] / base["per_second"]
        label = f"jobs, {row['workers']} worker(s) x 4"
        print(f"{label:<28}{row['per_second']:>10.1f}{row['ratio']:>8.2f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "jobs.json").write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "candidates": candidates,
                "latency": args.latency,
                "response_delay": args.response_delay,
                "baseline": base,
                "synchronous_over_http": over_http,
                "workers": rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
