"""The JSON API under load: report views, dispute filing and hiring decisions with 100k
candidates on PostgreSQL and 50 concurrent clients on loopback, against a trivial
authenticated route (``GET /api/v1/auth/session``) in the same run.

Run:  eval $(/work/wt/notes/devpg.sh)     (or any PostgreSQL: FAIRSCREEN_TEST_POSTGRES_URL)
      .venv/bin/python -m bench.api                 (100k candidates, 50 clients)
      .venv/bin/python -m bench.api --quick         (10k candidates, fewer requests)

**Seeding in bulk.** ``--real`` candidates (2,500) are screened the ordinary way (a synthetic
world through ``screening.run.screen_world``: consents, scopes, source queries, sealed reports,
ledger entries); every row of theirs is then copied in bulk, in SQL (``INSERT ... SELECT`` over
``generate_series``), until the database holds ``--candidates`` (100k): candidates, data keys,
consents, check requests, source queries and reports, with fresh ids. The copies make the
tables and indexes as large as 100k candidates make them; they are never read (a copy's
ciphertexts are bound to the original row's id and do not open, and their ledger indexes point
past the log), so the requests go to the screened checks, spread over the big tables. The
database (``fs_bench_api_<N>``) is made afresh by every run: a run files disputes and records
decisions, which a check takes only once.

**Load.** ``fairscreen serve`` (one process, as shipped) on 127.0.0.1; rate limits set far
above the load (they are counted, not hit). 50 clients (aiohttp, asyncio, one process), each
sending its next request when the last is answered; each phase runs a fixed number of requests.
The clients share the machine with the server: aiohttp spends about 0.3 ms of CPU on a request
where httpx spent 6 ms (measured on the same server), so with httpx the benchmark measured its
own client (about 100 requests a second on /health, a route that does nothing).

- trivial: the signed-in caller's session, with an employer's API token (auth, rate limits);
- report: an employer reads a check's report (``purpose=hiring_decision``; decrypted, logged);
- dispute: a candidate (session cookie and CSRF token) disputes a finding of their report;
- decision: an employer records a hire, with an ``Idempotency-Key``.

Each phase also reads the server process's CPU time (Linux ``/proc``): CPU per request is
what the server costs, where latency and throughput also say how busy the shared machine was.

Then one client alone sends trivial requests and report views: each request's own time, with
no other request queued in front of it (with 50 clients each waits for up to 49 others: at X
requests a second the mean latency is about 50 / X seconds, whatever the route).

The trivial phase runs first and last; its throughput is their mean. Any answer other than
the expected status is an error. Prints a table, writes ``bench/results/api.json`` and
``bench/results/api.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
SERVER_SAID: list[str] = []  # the server's stderr after its first line
HOME = Path(os.environ.get("FAIRSCREEN_BENCH_DIR", "/tmp/fairscreen-bench-api"))
CLONE_OFFSET = 1_000_000_000  # a copy's numbers (ledger indexes) are the original's + g x this
CLONED = (  # parents first; every other table of a candidate is empty after screening
    "data_keys",
    "candidates",
    "candidate_demographics",
    "consents",
    "consent_revocations",
    "check_requests",
    "source_queries",
    "reports",
)


@dataclass
class Actors:
    employer_tokens: dict[str, str]  # employer organisation id -> API token
    report_checks: list[tuple[str, str]]  # (employer, check) for report views
    disputes: list[tuple[str, str, str, str]]  # (cookie, csrf, check, finding)
    decisions: list[tuple[str, str]]  # (employer, check)


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float | None = None  # seconds of CPU the server process spent in the phase

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        n = len(ordered)
        return {
            "requests": n,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
            "seconds": round(self.seconds, 3),
            # CPU per request: what the server costs, whatever else the machine is doing
            "server_cpu_ms_per_request": round(1000 * self.server_cpu / n, 2)
            if n and self.server_cpu is not None
            else None,
            "throughput_per_s": round(n / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(1000 * ordered[n // 2], 2) if n else None,
            "p95_ms": round(1000 * ordered[min(n - 1, int(n * 0.95))], 2) if n else None,
            "mean_ms": round(1000 * statistics.fmean(ordered), 2) if n else None,
        }


# -- seeding -----------------------------------------------------------------------------------


def _database(base_url: str, name: str) -> str:
    """The URL of a new, empty database ``name`` on ``base_url``'s server."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if exists:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def _numeric(kind: Any) -> bool:
    from sqlalchemy import Integer

    return isinstance(kind, Integer)


def _clone_sql(table: Any, copies: int) -> str:
    """``INSERT ... SELECT`` making ``copies`` copies of every row of ``table``: unique and
    key columns get fresh values (the same function of the old value and the copy number, so
    a copied foreign key points at the copied parent); the rest is kept."""
    from sqlalchemy import BigInteger, Integer, LargeBinary, String, TypeDecorator, UniqueConstraint

    cloned_refs = {fk.parent.name for fk in table.foreign_keys if fk.column.table.name in CLONED}
    keys: list[set[str]] = [{c.name for c in table.primary_key.columns}]
    keys += [
        {c.name for c in constraint.columns}
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    keys += [{c.name for c in index.columns} for index in table.indexes if index.unique]
    unique: set[str] = set()
    for key in keys:
        # in a key of several columns, changing the copied references (or the texts) is enough
        refs = {n for n in key if n in cloned_refs or not _numeric(table.c[n].type)}
        unique |= refs or key
    exprs = []
    for column in table.columns:
        name = f'"{column.name}"'
        if column.name in unique | cloned_refs:
            kind = column.type
            if isinstance(kind, TypeDecorator):  # Sealed, BlindIndex: binary underneath
                kind = kind.impl
            if isinstance(kind, String):
                exprs.append(f"substr(md5({name} || ':' || g::text), 1, {kind.length or 32})")
            elif isinstance(kind, Integer | BigInteger):
                exprs.append(f"{name} + g::bigint * {CLONE_OFFSET}")
            elif isinstance(kind, LargeBinary):
                exprs.append(
                    f"substring(sha256({name} || int8send(g::bigint)) from 1 for length({name}))"
                )
            else:
                raise TypeError(f"{table.name}.{column.name}: cannot make {kind} unique")
        else:
            exprs.append(name)
    cols = ", ".join(f'"{c.name}"' for c in table.columns)
    return (
        f'INSERT INTO "{table.name}" ({cols}) SELECT {", ".join(exprs)} '  # noqa: S608
        f'FROM "{table.name}" CROSS JOIN generate_series(1, {copies}) AS g'
    )


def seed(url: str, data_dir: Path, candidates: int, real: int) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    import fairscreen.models  # noqa: F401  (every table, for the clone)
    from fairscreen.candidates.models import Candidate
    from fairscreen.kit.db import Base, make_engine, session_factory, upgrade
    from fairscreen.screening.run import prepare, screen_world
    from fairscreen.synth import generate_world
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile
    from fairscreen.world.load import load_world

    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    vault = Vault(LocalKeyFile(data_dir / "kek.json"))
    world = HOME / f"world-{real}.jsonl"
    started = time.perf_counter()
    if not world.exists():
        generate_world(world, candidates=real, seed=11)
    generated = time.perf_counter()
    with load_world(world) as store:
        for _ in screen_world(store, sessions, vault, setup=prepare(store)):
            pass
    screened = time.perf_counter()
    copies = max(0, -(-candidates // real) - 1)
    tables = Base.metadata.tables
    with engine.begin() as conn:
        for name in CLONED:
            conn.execute(text(_clone_sql(tables[name], copies)))
    for name in CLONED:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(f'ANALYZE "{name}"'))
    cloned = time.perf_counter()
    with sessions() as session:
        total = int(session.scalar(select(func.count()).select_from(Candidate)) or 0)
    engine.dispose()
    return {
        "generate_seconds": round(generated - started, 1),
        "screen_seconds": round(screened - generated, 1),
        "clone_seconds": round(cloned - screened, 1),
        "candidates": total,
        "screened": real,
    }


def actors(url: str, data_dir: Path, *, reports: int, disputes: int, decisions: int) -> Actors:
    """API tokens of the employers, candidate accounts with sessions for the disputes, and the
    checks each phase uses (screened checks only, each dispute and decision on its own)."""
    from sqlalchemy import select

    from fairscreen.accounts import service
    from fairscreen.accounts.policy import Actor, policy
    from fairscreen.candidates.models import Candidate
    from fairscreen.feedback import service as feedback
    from fairscreen.kit.clock import utcnow
    from fairscreen.kit.db import make_engine, session_factory
    from fairscreen.rating.models import Report
    from fairscreen.screening.models import CheckRequest
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile

    engine = make_engine(url)
    sessions = session_factory(engine)
    vault = Vault(LocalKeyFile(data_dir / "kek.json"))
    now = utcnow()
    rng = random.Random(5)
    with sessions.begin() as session:
        rows = list(
            session.execute(
                select(CheckRequest.id, CheckRequest.employer_id, CheckRequest.candidate_id)
                .join(Report, Report.request_id == CheckRequest.id)
                .join(Candidate, Candidate.id == CheckRequest.candidate_id)
                .where(
                    CheckRequest.status == "reported",
                    Candidate.account_id.is_(None),
                    CheckRequest.ledger_index < CLONE_OFFSET,  # screened, not a copy
                )
                .order_by(CheckRequest.id)
            ).all()
        )
        rng.shuffle(rows)
        tokens: dict[str, str] = {}
        for employer in sorted({r.employer_id for r in rows}):
            staff = service.add_staff(
                session,
                organisation_id=employer,
                email=f"bench.{employer}@employer.example",
                display_name="bench",
                role="employer_admin",
                now=now,
            )
            actor = Actor("staff", staff.id, "employer_admin", employer)
            tokens[employer], _ = service.create_token(
                session,
                actor,
                name="bench",
                scopes=sorted(policy().roles["employer_admin"].grants),
                expires_in_days=1,
                now=now,
            )
    decision_rows, rows = rows[:decisions], rows[decisions:]
    filed: list[tuple[str, str, str, str]] = []
    used = 0
    for row in rows:  # candidates with a finding to dispute, until there are enough
        if len(filed) >= disputes:
            break
        used += 1
        with sessions.begin() as session:
            account = service.candidate_account(
                session, vault, f"bench.{row.candidate_id}@mail.example", now=now
            )
            session.get(Candidate, row.candidate_id).account_id = account  # type: ignore[union-attr]
            made = service.candidate_session(session, account, now=now)
        with sessions.begin() as session:
            me = Actor("candidate", account, "candidate")
            report = feedback.read_report(session, vault, me, row.id, purpose=None, now=now)
        findings = [
            f["ref"] for f in report["versions"][-1]["findings"] if f.get("exclusion") is None
        ]
        if findings:
            filed.append((made.token, made.csrf_token, row.id, findings[0]))
    report_rows = rows[used:] or rows
    engine.dispose()
    return Actors(
        tokens,
        [(r.employer_id, r.id) for r in report_rows[: max(reports, 1)]],
        filed,
        [(r.employer_id, r.id) for r in decision_rows],
    )


# -- load --------------------------------------------------------------------------------------


def _server(url: str, data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    env |= {
        "FAIRSCREEN_DATA_DIR": str(data_dir),
        "FAIRSCREEN_DATABASE_URL": url,
        "FAIRSCREEN_RATE_LIMIT_PER_ADDRESS": "1000000/minute",  # counted, never reached
        "FAIRSCREEN_RATE_LIMIT_PER_ACCOUNT": "1000000/minute",
        "FAIRSCREEN_RETENTION_SWEEP_INTERVAL": "0",
        "FAIRSCREEN_FEEDBACK_INTERVAL": "0",
        "FAIRSCREEN_NOTIFY_INTERVAL": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "fairscreen", "serve", "--port", "0", "--no-publish"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
    if not found:
        process.kill()
        raise SystemExit(f"the server did not start: {line}")
    # keep reading what the server says (a full pipe would stop it), for the report
    threading.Thread(target=lambda: SERVER_SAID.extend(process.stderr or ()), daemon=True).start()
    return process, found.group(1)


def _cpu_seconds(pid: int | None) -> float | None:
    """User and system CPU seconds of process ``pid``, its threads included (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run(
    base: str,
    name: str,
    requests: list[dict[str, Any]],
    expected: int,
    clients: int,
    server: int | None = None,
) -> Phase:
    import aiohttp

    phase = Phase(name)
    queue = list(reversed(requests))
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        base, connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:

        async def worker() -> None:
            while queue:
                spec = queue.pop()
                began = time.perf_counter()
                try:
                    async with http.request(**spec) as response:
                        body = await response.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    phase.errors.append(f"{spec['url']}: {exc!r}")
                    continue
                phase.latencies.append(time.perf_counter() - began)
                if response.status != expected:
                    phase.errors.append(f"{spec['url']}: {response.status} {body[:300]!r}")

        started, cpu = time.perf_counter(), _cpu_seconds(server)
        await asyncio.gather(*(worker() for _ in range(clients)))
        phase.seconds = time.perf_counter() - started
        cpu_after = _cpu_seconds(server)
        if cpu is not None and cpu_after is not None:
            phase.server_cpu = cpu_after - cpu
    return phase


def load(
    base: str, who: Actors, *, clients: int, trivial: int, reports: int, server: int | None = None
) -> list[Phase]:
    rng = random.Random(9)
    tokens = list(who.employer_tokens.values())

    def bearer(employer: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {who.employer_tokens[employer]}"}

    session_reqs = [
        {
            "method": "GET",
            "url": "/api/v1/auth/session",
            "headers": {"Authorization": f"Bearer {rng.choice(tokens)}"},
        }
        for _ in range(trivial)
    ]
    report_reqs = [
        {
            "method": "GET",
            "url": f"/api/v1/checks/{check}/report",
            "params": {"purpose": "hiring_decision"},
            "headers": bearer(employer),
        }
        for employer, check in (rng.choice(who.report_checks) for _ in range(reports))
    ]
    dispute_reqs = [
        {
            "method": "POST",
            "url": f"/api/v1/checks/{check}/disputes",
            "json": {"finding": finding, "text": "這條記錄不是我的, 請核實。"},
            "headers": {"Cookie": f"fs_session={cookie}", "X-CSRF-Token": csrf},
        }
        for cookie, csrf, check, finding in who.disputes
    ]
    decision_reqs = [
        {
            "method": "POST",
            "url": f"/api/v1/checks/{check}/decision",
            "json": {"outcome": "hire"},
            "headers": bearer(employer) | {"Idempotency-Key": str(uuid.uuid4())},
        }
        for employer, check in who.decisions
    ]

    async def everything() -> list[Phase]:
        await _run(base, "warm-up", session_reqs[: clients * 4], 200, clients)
        # one client: each request's own time, no queue in front of it
        alone = [await _run(base, "trivial, 1 client", session_reqs[:300], 200, 1, server)]
        alone.append(await _run(base, "report view, 1 client", report_reqs[:300], 200, 1, server))
        out = [await _run(base, "trivial", session_reqs, 200, clients, server)]
        out.append(await _run(base, "report view", report_reqs, 200, clients, server))
        out.append(await _run(base, "dispute filing", dispute_reqs, 201, clients, server))
        out.append(await _run(base, "decision", decision_reqs, 201, clients, server))
        out.append(await _run(base, "trivial (again)", session_reqs, 200, clients, server))
        return out + alone

    return asyncio.run(everything())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--real", type=int, default=4_000, help="candidates screened for real")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3_000, help="trivial and report views")
    parser.add_argument("--writes", type=int, default=800, help="disputes and decisions each")
    parser.add_argument("--quick", action="store_true", help="10k candidates, fewer requests")
    args = parser.parse_args()
    if args.quick:
        args.candidates, args.real, args.requests, args.writes = 10_000, 1_000, 1_000, 150
    base = os.environ.get("FAIRSCREEN_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit(
            "FAIRSCREEN_TEST_POSTGRES_URL: a PostgreSQL server to seed (eval $(devpg.sh))"
        )
    data_dir = HOME / f"data-{args.candidates}"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = _database(base, f"fs_bench_api_{args.candidates}")
    print(f"seeding {args.candidates:,} candidates ({args.real:,} screened) ...", flush=True)
    seeding = seed(url, data_dir, args.candidates, args.real)
    print(f"  {seeding}", flush=True)
    who = actors(url, data_dir, reports=args.requests, disputes=args.writes, decisions=args.writes)
    process, server = _server(url, data_dir)
    try:
        phases = load(
            server,
            who,
            clients=args.clients,
            trivial=args.requests,
            reports=args.requests,
            server=process.pid,
        )
    finally:
        process.terminate()
        process.wait(timeout=60)
    summaries = {p.name: p.summary() for p in phases}
    trivial = statistics.fmean(
        [summaries["trivial"]["throughput_per_s"], summaries["trivial (again)"]["throughput_per_s"]]
    )
    rows = []
    for name in (
        "trivial",
        "report view",
        "dispute filing",
        "decision",
        "trivial (again)",
        "trivial, 1 client",
        "report view, 1 client",
    ):
        s = summaries[name]
        ratio = s["throughput_per_s"] / trivial if trivial else 0.0
        s["x_trivial_throughput"] = round(ratio, 3)
        rows.append(
            f"| {name} | {s['requests']:,} | {s['errors']} | {s['p50_ms']} | {s['p95_ms']} "
            f"| {s['throughput_per_s']:,} | {ratio:.2f} | {s['server_cpu_ms_per_request']} |"
        )
    table = "\n".join(
        [
            "| phase | requests | errors | p50 ms | p95 ms | requests/s | x trivial "
            "| server CPU ms/request |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    result = {
        "candidates": args.candidates,
        "clients": args.clients,
        "seeding": seeding,
        "phases": summaries,
        "trivial_throughput_mean": round(trivial, 1),
        "targets": {"p95_ms_below": 50, "x_trivial_throughput_at_least": 0.3},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": os.getloadavg(),
        "server_stderr": SERVER_SAID[-20:],
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.candidates == 100_000 else f"-{args.candidates}"
    (RESULTS / f"api{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"api{suffix}.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
