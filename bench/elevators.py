"""The smart-elevator monitor at district scale, each figure a ratio against a baseline of the
same run.

Run:  .venv/bin/python -m bench.elevators                   (10,000 elevators, 30 days)
      .venv/bin/python -m bench.elevators --elevators 1000 --days 30 --quick

What is measured (SQLite, WAL, in a fresh temporary directory):

1. **Heartbeats in real time.** ``--elevators`` elevators reporting every 10 seconds for
   ``--minutes`` minutes (mostly repeats, as a platform sends them; a state change in one beat
   of twenty). *Baseline*: a bare insert loop, every heartbeat inserted as a row
   (``kit.db.bulk_insert`` in batches, nothing parsed or checked). *Ingest*: the monitor's
   path, from JSON Lines text: parsed, validated, repeats dropped, changes stored. Both in
   heartbeats per second; the ratio; and how many times real time that is (10,000 elevators
   every 10 s is 1,000 heartbeats a second).
2. **Months of history.** The simulator's district (``synth.elevators``: planted violators and
   honest firms) of ``--elevators`` x ``--days``: records written, ingested (records per
   second), then the detectors run and escalate (the first run: every alert stored, a
   supervision signal and a ledger entry each), and run again with nothing new. Detection and
   escalation are given as ratios to the ingest time of the same records.
3. **Event to signal.** The lag from an entrapment's rescue limit passing to its signal being
   committed, when the detectors run on every 10-second batch: the batch interval plus one
   detection run over the whole district, measured ``--cycles`` times; the p95.

Prints a table and writes ``bench/results/elevators.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from fairscreen.kit.db import bulk_insert, make_engine, session_factory, upgrade
from fairscreen.monitors.elevators import service
from fairscreen.monitors.elevators.ingest import ingest
from fairscreen.monitors.elevators.models import ElevatorStatus, ElevatorUnit
from fairscreen.monitors.elevators.records import parse
from fairscreen.monitors.elevators.rules import load_pack
from fairscreen.synth.elevators import code, simulate

RESULTS = Path(__file__).parent / "results"
START = date(2026, 9, 1)
T0 = datetime(2026, 9, 1, 8, tzinfo=UTC)


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """``work()``, its wall time and its CPU time (the machine is shared: CPU time is what a
    ratio is taken of; wall time is shown beside it)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _fresh(folder: Path, name: str) -> Any:
    engine = make_engine(f"sqlite:///{folder / name}", sqlite_synchronous="NORMAL")
    upgrade(engine)
    return engine, session_factory(engine)


def _units(sessions: Any, elevators: int) -> None:
    rows = [
        {
            "id": code(i),
            "user_unit": "F900000",
            "maintainer": "F990000",
            "x": 0,
            "y": 0,
            "place": "p",
            "since": T0,
            "inspected_on": None,
            "state": None,
            "state_at": None,
        }
        for i in range(elevators)
    ]
    with sessions.begin() as session:
        bulk_insert(session, ElevatorUnit, rows)


def _beats(elevators: int, minutes: int) -> list[bytes]:
    lines = []
    for tick in range(minutes * 6):
        at = (T0 + timedelta(seconds=10 * tick)).isoformat()
        for i in range(elevators):
            change = (tick + i) % 20 == 0
            state, load = ("idle", 0) if change and (tick // 20) % 2 else ("running", 40)
            lines.append(
                orjson.dumps(
                    {"type": "status", "elevator": code(i), "at": at, "state": state, "load": load}
                )
            )
    return lines


def _store_rows(sessions: Any, rows: list[dict[str, Any]]) -> None:
    with sessions.begin() as session:
        for k in range(0, len(rows), 5_000):
            bulk_insert(session, ElevatorStatus, rows[k : k + 5_000])


def _ingest_lines(sessions: Any, lines: list[bytes]) -> Any:
    with sessions.begin() as session:
        return ingest(
            session,
            ((f"b:{n}", parse(orjson.loads(line), f"b:{n}")) for n, line in enumerate(lines)),
        )


def heartbeats(folder: Path, elevators: int, minutes: int) -> dict[str, Any]:
    lines = _beats(elevators, minutes)
    _, base = _fresh(folder, "base.db")
    _units(base, elevators)
    rows = [
        {
            "elevator": code(i),
            "at": T0 + timedelta(seconds=10 * tick),
            "state": "running",
            "load": 40,
        }
        for tick in range(minutes * 6)
        for i in range(elevators)
    ]
    _, bare_wall, bare_cpu = timed(lambda: _store_rows(base, rows))
    _, mon = _fresh(folder, "ingest.db")
    _units(mon, elevators)
    counts, wall, cpu = timed(lambda: _ingest_lines(mon, lines))
    n = len(lines)
    return {
        "heartbeats": n,
        "state_changes_kept": counts.state_changes,
        "bare_insert_per_cpu_s": round(n / bare_cpu),
        "ingest_per_cpu_s": round(n / cpu),
        "ingest_vs_bare_cpu": round(bare_cpu / cpu, 3),
        "ingest_per_wall_s": round(n / wall),
        "bare_insert_per_wall_s": round(n / bare_wall),
        "real_time_factor_cpu": round(n / cpu / 1_000, 2),
        "real_time_factor_wall": round(n / wall / 1_000, 2),
    }


def _write(path: Path, elevators: int, days: int) -> int:
    count = 0
    with path.open("wb") as handle:
        for record in simulate(elevators, days, 2026, START):
            handle.write(orjson.dumps(record) + b"\n")
            count += 1
    return count


def _run(sessions: Any, now: datetime) -> Any:
    with sessions.begin() as session:
        return service.run(session, load_pack(), now)


def _ingest_file(sessions: Any, path: Path) -> Any:
    with sessions.begin() as session:
        return service.ingest_file(session, path)


def months(folder: Path, elevators: int, days: int, cycles: int) -> dict[str, Any]:
    path = folder / "district.jsonl"
    count, sim_wall, _ = timed(lambda: _write(path, elevators, days))
    _, sessions = _fresh(folder, "district.db")
    counts, in_wall, in_cpu = timed(lambda: _ingest_file(sessions, path))
    now = datetime.combine(START + timedelta(days=days), datetime.min.time(), tzinfo=UTC)
    first, first_wall, first_cpu = timed(lambda: _run(sessions, now))
    again = [
        timed(lambda k=k: _run(sessions, now + timedelta(seconds=10 * (k + 1))))  # type: ignore[misc]
        for k in range(cycles)
    ]
    walls = sorted(w for _, w, _ in again)
    cpus = [c for _, _, c in again]
    p95 = walls[max(0, round(0.95 * len(walls)) - 1)]
    return {
        "elevators": elevators,
        "days": days,
        "records": count,
        "simulate_wall_s": round(sim_wall, 2),
        "ingest_wall_s": round(in_wall, 2),
        "ingest_cpu_s": round(in_cpu, 2),
        "ingest_records_per_cpu_s": round(count / in_cpu),
        "ingest_records_per_wall_s": round(count / in_wall),
        "events": counts.events,
        "heartbeats": counts.heartbeats,
        "state_changes_kept": counts.state_changes,
        "maintenance": counts.maintenance,
        "alerts": first.found,
        "signals_opened": first.opened,
        "detect_first_cpu_s": round(first_cpu, 2),
        "detect_first_wall_s": round(first_wall, 2),
        "detect_first_vs_ingest_cpu": round(first_cpu / in_cpu, 3),
        "detect_again_cpu_s": round(statistics.median(cpus), 2),
        "detect_again_vs_ingest_cpu": round(statistics.median(cpus) / in_cpu, 3),
        "event_to_signal_p95_wall_s": round(10 + p95, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--elevators", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--minutes", type=int, default=2, help="heartbeat minutes (part 1)")
    parser.add_argument("--cycles", type=int, default=5, help="detection runs for the lag")
    parser.add_argument("--quick", action="store_true", help="part 1 only for 1 minute")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-elevators-") as tmp:
        folder = Path(tmp)
        beats = heartbeats(folder, args.elevators, 1 if args.quick else args.minutes)
        district = months(folder, args.elevators, args.days, 2 if args.quick else args.cycles)
    doc = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "heartbeats": beats,
        "district": district,
    }
    print("part                                  figure")
    for part, figures in (("heartbeats", beats), ("district", district)):
        for key, value in figures.items():
            print(f"{part:10} {key:34} {value}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "elevators.json"
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
