"""Off-site checks over a large ledger, each figure a ratio against a baseline of the same run.

Run:  .venv/bin/python -m bench.offsite              (100,000 and 1,000,000 entries)
      .venv/bin/python -m bench.offsite --sizes 100000 --quick
      .venv/bin/python -m bench.offsite --sizes 1000000,10000000 --dir /var/tmp   (10M)

Memory does not grow with the log: the ledger is built from a generator in batches of 4,096
(the follow-ups pick old checks from a bounded reservoir sample, not a list of every check),
the baseline and the checker read it in chunks, and the first run is ``run_all`` (what
``fairscreen supervision offsite run`` does): one transaction per ``--step`` entries, so the
facts and signals held at once are one step's. Each size runs in a child process of its own,
whose peak resident memory is reported (``peak_rss_mb``) beside the database's size on disk.

What is measured (SQLite, WAL, in a fresh temporary directory), for each size N:

1. the ledger is built with ``log.append`` from entries shaped like the pipeline's checks: per
   check a ``consent.signed``, a ``scope.fixed``, four ``source.queried``, a ``report.issued``;
   one check in ten with a notice and a decision, one in fifty with a dispute opened and
   resolved, one in a hundred with a query outside its scope (a planted violation);
2. **baseline**: plain iteration over the log as the checker reads it (``log.read_entries`` in
   chunks of 4,096, each entry decoded with ``orjson``), nothing checked, nothing stored;
3. **first run**: ``offsite.service.run_all`` from index 0 in steps (every rule, facts stored,
   signals stored, the rule set published), in entries per second and as a ratio to the
   baseline;
4. **incremental**: K new entries (new checks, and further queries and decisions on checks
   the first run saw, whose facts must be looked up) appended, then a run; the cost per new
   entry against the baseline's cost per entry; and a run with nothing new (the fixed cost:
   the deadline index and the cursor).

The machine is shared: every figure is the best of a few runs where a run can be repeated (the
incremental run is repeated on fresh appends). Prints a table, the larger sizes' figures as
ratios to the smallest size's of the same run, and writes ``bench/results/offsite.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import random
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from fairscreen.kit.db import make_engine, session_factory, upgrade
from fairscreen.ledger import log
from fairscreen.ledger.entry import EventType, encode_entry
from fairscreen.supervision.offsite import service

RESULTS = Path(__file__).parent / "results"
T0 = datetime(2026, 1, 5, tzinfo=UTC)
ITEMS = ["identity", "education", "employment", "professional_licence"]
BATCH = 4096
RESERVOIR = 65_536  # past checks the follow-ups choose from (a uniform sample of all of them)


class Checks:
    """Entries of synthetic checks, deterministic from the seed."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.n = 0
        # (subject, check, employer): a uniform sample of the past checks (reservoir sampling,
        # Vitter's algorithm R), so that memory does not grow with the log
        self.seen: list[tuple[str, str, str]] = []

    def remember(self, made: tuple[str, str, str]) -> None:
        if len(self.seen) < RESERVOIR:
            self.seen.append(made)
        else:
            slot = self.rnd.randrange(self.n)
            if slot < RESERVOIR:
                self.seen[slot] = made

    def hex(self) -> str:
        return f"{self.rnd.getrandbits(128):032x}"

    def check(self) -> list[bytes]:
        self.n += 1
        at = T0 + timedelta(seconds=self.n)
        subject, check, employer, agency = (
            self.hex(),
            self.hex(),
            f"e{self.n % 500}",
            f"a{self.n % 50}",
        )
        self.remember((subject, check, employer))
        out = [
            encode_entry(
                EventType.CONSENT_SIGNED,
                at,
                org=employer,
                subject=subject,
                items=ITEMS,
                commitment=self.hex(),
                attrs={"purpose": "hiring", "retention_days": 180},
            ),
            encode_entry(
                EventType.SCOPE_FIXED,
                at,
                org=agency,
                subject=subject,
                check=check,
                items=ITEMS,
                commitment=self.hex(),
                attrs={"employer": employer, "category": "general_office"},
            ),
        ]
        for item in ITEMS:
            out.append(
                encode_entry(
                    EventType.SOURCE_QUERIED,
                    at,
                    org=agency,
                    subject=subject,
                    check=check,
                    items=[item],
                    commitment=self.hex(),
                    attrs={"source": "hr_records"},
                )
            )
        out.append(
            encode_entry(
                EventType.REPORT_ISSUED,
                at,
                org=agency,
                subject=subject,
                check=check,
                commitment=self.hex(),
                attrs={"employer": employer, "unverified": 0},
            )
        )
        if self.n % 10 == 0:
            later = at + timedelta(days=8)
            out.append(
                encode_entry(
                    EventType.NOTICE_SENT,
                    at,
                    org=employer,
                    subject=subject,
                    check=check,
                    commitment=self.hex(),
                    attrs={
                        "employer": employer,
                        "waiting_until": (at + timedelta(days=7)).isoformat(),
                    },
                )
            )
            out.append(
                encode_entry(
                    EventType.DECISION_RECORDED,
                    later,
                    org=employer,
                    subject=subject,
                    check=check,
                    commitment=self.hex(),
                    attrs={"employer": employer},
                )
            )
        if self.n % 50 == 0:
            out.append(
                encode_entry(
                    EventType.DISPUTE_OPENED,
                    at,
                    org=agency,
                    subject=subject,
                    check=check,
                    commitment=self.hex(),
                    attrs={"employer": employer, "due_by": (at + timedelta(days=30)).isoformat()},
                )
            )
            out.append(
                encode_entry(
                    EventType.DISPUTE_RESOLVED,
                    at + timedelta(days=3),
                    org=agency,
                    subject=subject,
                    check=check,
                    commitment=self.hex(),
                    attrs={"employer": employer, "by": "reviewer"},
                )
            )
        if self.n % 100 == 0:  # planted: a query outside the scope and the consent
            out.append(
                encode_entry(
                    EventType.SOURCE_QUERIED,
                    at,
                    org=agency,
                    subject=subject,
                    check=check,
                    items=["criminal_record"],
                    commitment=self.hex(),
                    attrs={"source": "court_records"},
                )
            )
        return out

    def follow_up(self) -> list[bytes]:
        """An entry about a check seen long ago: its facts must be looked up."""
        subject, check, _ = self.seen[self.rnd.randrange(len(self.seen))]
        at = T0 + timedelta(seconds=self.n, milliseconds=self.rnd.randrange(1000))
        return [
            encode_entry(
                EventType.SOURCE_QUERIED,
                at,
                org="a0",
                subject=subject,
                check=check,
                items=[ITEMS[0]],
                commitment=self.hex(),
                attrs={"source": "hr_records"},
            )
        ]

    def stream(self, n: int, follow_share: float = 0.0) -> Iterator[bytes]:
        made = 0
        while made < n:
            batch = (
                self.follow_up() if self.seen and self.rnd.random() < follow_share else self.check()
            )
            for e in batch[: n - made]:
                yield e
                made += 1


def append(sessions: Any, entries: Iterator[bytes]) -> int:
    n, chunk = 0, []
    for e in entries:
        chunk.append(e)
        if len(chunk) == BATCH:
            with sessions.begin() as s:
                log.append(s, chunk)
            n, chunk = n + len(chunk), []
    if chunk:
        with sessions.begin() as s:
            log.append(s, chunk)
        n += len(chunk)
    return n


def clock() -> float:
    """CPU seconds of this process (the figures' headline: the machine is shared, and wall
    time there measures the other jobs too); wall seconds are reported beside them."""
    return time.process_time()


def baseline(sessions: Any, start: int, end: int) -> tuple[float, float]:
    """(CPU, wall) seconds to read and decode entries start..end, as the checker does."""
    c, w = clock(), time.perf_counter()
    with sessions() as s:
        for lo in range(start, end, BATCH):
            for raw in log.read_entries(s, lo, min(end, lo + BATCH)):
                orjson.loads(raw)
    return clock() - c, time.perf_counter() - w


def timed_run(sessions: Any, now: datetime) -> tuple[float, float, service.RunResult]:
    c, w = clock(), time.perf_counter()
    with sessions.begin() as s:
        result = service.run(s, now=now)
    return clock() - c, time.perf_counter() - w, result


def measure(
    n: int, k: int, repeats: int, step: int = 65_536, where: str | None = None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'b.db'}", sqlite_synchronous="NORMAL")
        upgrade(engine)
        sessions = session_factory(engine)
        checks = Checks(seed=n)
        t = time.perf_counter()
        built = append(sessions, checks.stream(n))
        build_s = time.perf_counter() - t
        base = min(baseline(sessions, 0, built) for _ in range(repeats))
        now = T0 + timedelta(days=400)
        c, w = clock(), time.perf_counter()
        first = service.run_all(sessions, now=now, step=step)
        first_cpu, first_wall = clock() - c, time.perf_counter() - w
        incr: list[tuple[float, float, service.RunResult]] = []
        base_incr: list[tuple[float, float]] = []
        size = first.end
        for _ in range(repeats):
            append(sessions, checks.stream(k, follow_share=0.5))
            base_incr.append(baseline(sessions, size, size + k))
            incr.append(timed_run(sessions, now))
            size = incr[-1][2].end
        empty = min(timed_run(sessions, now)[:2] for _ in range(repeats))
        best_incr = min(incr, key=lambda x: x[0])
        with sessions() as s:
            signals = service.list_signals(s, limit=1)[0]
        engine.dispose()
        disk = sum(f.stat().st_size for f in Path(tmp).iterdir())
    per_base = base[0] / built
    return {
        "entries": built,
        "build_wall_s": round(build_s, 2),
        "baseline_cpu_s": round(base[0], 3),
        "baseline_wall_s": round(base[1], 3),
        "baseline_per_cpu_s": round(built / base[0]),
        "first_run_cpu_s": round(first_cpu, 3),
        "first_run_wall_s": round(first_wall, 3),
        "first_run_per_cpu_s": round(first.read / first_cpu),
        "first_run_ratio_cpu": round(base[0] / first_cpu, 3),
        "first_run_ratio_wall": round(base[1] / first_wall, 3),
        "signals": signals,
        "incremental_k": k,
        "incremental_cpu_s": round(best_incr[0], 4),
        "incremental_wall_s": round(best_incr[1], 4),
        "incremental_read": best_incr[2].read,
        "incremental_us_per_entry_cpu": round(best_incr[0] / k * 1e6, 1),
        "baseline_us_per_entry_cpu": round(per_base * 1e6, 2),
        "incremental_ratio_cpu": round((best_incr[0] / k) / per_base, 2),
        "empty_run_cpu_ms": round(empty[0] * 1000, 2),
        "empty_run_wall_ms": round(empty[1] * 1000, 2),
        "step": step,
        "database_mb": round(disk / 2**20),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _child(args: tuple[int, int, int, int, str | None]) -> dict[str, Any]:
    return measure(*args)


def in_child(n: int, k: int, repeats: int, step: int, where: str | None) -> dict[str, Any]:
    """``measure`` in a fresh process: its peak memory is this size's alone."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        row: dict[str, Any] = pool.apply(_child, ((n, k, repeats, step, where),))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--new", type=int, default=1000, help="entries per incremental run")
    parser.add_argument("--quick", action="store_true", help="one repeat")
    parser.add_argument("--step", type=int, default=65_536, help="entries per transaction")
    parser.add_argument("--dir", default=None, help="where the temporary database goes")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        row = in_child(n, args.new, repeats, args.step, args.dir)
        rows.append(row)
        print(
            f"N={row['entries']:>9,}  build {row['build_wall_s']:>6.1f}s wall  "
            f"baseline {row['baseline_per_cpu_s']:>9,}/s  "
            f"first run {row['first_run_per_cpu_s']:>8,}/s "
            f"({row['first_run_ratio_cpu']:.3f}x baseline CPU, {row['first_run_ratio_wall']:.3f}x wall)  "
            f"incremental {row['incremental_us_per_entry_cpu']:.1f} µs/entry "
            f"({row['incremental_ratio_cpu']:.1f}x the baseline's "
            f"{row['baseline_us_per_entry_cpu']:.2f} µs)  "
            f"empty run {row['empty_run_cpu_ms']:.1f} ms CPU  signals {row['signals']:,}  "
            f"peak RSS {row['peak_rss_mb']:,} MB  database {row['database_mb']:,} MB",
            flush=True,
        )
    ratios = []
    for row in rows[1:]:
        small = rows[0]
        ratio = {
            "entries": row["entries"],
            "against": small["entries"],
            "size": round(row["entries"] / small["entries"], 2),
            "first_run_rate": round(row["first_run_per_cpu_s"] / small["first_run_per_cpu_s"], 3),
            "first_run_vs_baseline": round(
                row["first_run_ratio_cpu"] / small["first_run_ratio_cpu"], 3
            ),
            "incremental_per_entry": round(
                row["incremental_us_per_entry_cpu"] / small["incremental_us_per_entry_cpu"], 3
            ),
            "baseline_rate": round(row["baseline_per_cpu_s"] / small["baseline_per_cpu_s"], 3),
            "peak_rss": round(row["peak_rss_mb"] / small["peak_rss_mb"], 3),
        }
        ratios.append(ratio)
        print(
            f"N={row['entries']:,} against N={small['entries']:,} (x{ratio['size']}): "
            f"first-run rate x{ratio['first_run_rate']}, first run vs its baseline "
            f"x{ratio['first_run_vs_baseline']}, incremental per entry "
            f"x{ratio['incremental_per_entry']}, baseline rate x{ratio['baseline_rate']}, "
            f"peak RSS x{ratio['peak_rss']}",
            flush=True,
        )
    RESULTS.mkdir(exist_ok=True)
    out = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "ratios": ratios,
    }
    (RESULTS / "offsite.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
