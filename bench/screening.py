"""End-to-end screening throughput, database writes and ledger entries included.

Run:  .venv/bin/python -m bench.screening            (1k, 10k and 100k candidates)
      .venv/bin/python -m bench.screening --quick    (1k and 5k)

For each size N it generates a synthetic world (not timed), then, in a fresh process, loads and
validates it (timed apart) and screens every candidate into a fresh SQLite database (WAL,
synchronous=FULL): consent, scope, source queries, findings, report, sealed personal data and one
ledger entry per state change, committed in batches. In the same run, as the baseline, a bare
loop inserts the same number of rows into SQLite (one ``execute`` per row, one transaction,
same pragmas). Every figure is reported against that baseline, because this machine is shared
and noisy: absolute numbers move, ratios much less.

Prints a table and writes ``bench/results/screening.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_screen(world: Path, db: Path, keys: Path) -> dict[str, Any]:
    """Load and screen ``world`` into ``db``; return timings, row counts and peak RSS."""
    from sqlalchemy import func, select

    import fairscreen.models as models
    from fairscreen.kit.db import Base, make_engine, session_factory, upgrade
    from fairscreen.ledger import log
    from fairscreen.screening.run import prepare, screen_world
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile
    from fairscreen.world.load import load_world

    engine = make_engine(f"sqlite:///{db}", sqlite_synchronous="FULL")
    upgrade(engine)
    sessions = session_factory(engine)
    vault = Vault(LocalKeyFile(keys))
    started = time.perf_counter()
    with load_world(world) as store:
        setup = prepare(store)  # one-off start-up (the reference lexicon compiles here): "load s"
        loaded = time.perf_counter()
        lights: dict[str, int] = {}
        count = 0
        for result in screen_world(store, sessions, vault, setup=setup):
            count += 1
            key = result["light"] or "stopped"
            lights[key] = lights.get(key, 0) + 1
        screened = time.perf_counter()
    rows = 0
    with sessions() as s:
        for mapper in Base.registry.mappers:
            rows += int(s.scalar(select(func.count()).select_from(mapper.class_)) or 0)
        entries = log.read_state(s).size
    del models
    return {
        "candidates": count,
        "load_seconds": loaded - started,
        "screen_seconds": screened - loaded,
        "rows": rows,
        "ledger_entries": entries,
        "lights": lights,
        "peak_rss_mb": _peak_rss_mb(),
        "db_bytes": db.stat().st_size,
    }


def child_baseline(db: Path, rows: int) -> dict[str, Any]:
    """The bare loop: ``rows`` single-row inserts of a comparable row into SQLite."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, a TEXT, b INTEGER, c BLOB)")
    payload = os.urandom(64)
    started = time.perf_counter()
    conn.execute("BEGIN")
    for i in range(rows):
        conn.execute("INSERT INTO t VALUES (?, ?, ?, ?)", (f"{i:032x}", "finding", i, payload))
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.screening", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(sizes: list[int], seed: int, workdir: Path) -> dict[str, Any]:
    from fairscreen.synth import generate_world

    rows_out = []
    for n in sizes:
        world = workdir / f"world-{n}.jsonl"
        if not world.exists():
            print(f"generating {n:,} candidates ...", file=sys.stderr)
            generate_world(world, candidates=n, seed=seed)
        db = workdir / f"screen-{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        keys = workdir / f"keys-{n}.json"
        keys.unlink(missing_ok=True)
        print(f"screening {n:,} candidates ...", file=sys.stderr)
        screened = _child(["--child-screen", str(world), str(db), str(keys)])
        base_db = workdir / f"baseline-{n}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{base_db}{suffix}").unlink(missing_ok=True)
        baseline = _child(["--child-baseline", str(base_db), str(screened["rows"])])
        rate = screened["candidates"] / screened["screen_seconds"]
        row_rate = screened["rows"] / screened["screen_seconds"]
        base_rate = baseline["rows"] / baseline["seconds"]
        rows_out.append(
            {
                "n": n,
                **screened,
                "screenings_per_s": rate,
                "rows_per_s": row_rate,
                "baseline_rows_per_s": base_rate,
                "row_rate_vs_baseline": row_rate / base_rate,
                "screening_time_vs_baseline_time": screened["screen_seconds"] / baseline["seconds"],
                "baseline_peak_rss_mb": baseline["peak_rss_mb"],
            }
        )
    first = rows_out[0]
    for row in rows_out:
        # linear cost: time per candidate relative to the smallest size (1.0 = perfectly linear)
        row["per_candidate_time_vs_smallest"] = (row["screen_seconds"] / row["n"]) / (
            first["screen_seconds"] / first["n"]
        )
        row["peak_rss_vs_smallest"] = row["peak_rss_mb"] / first["peak_rss_mb"]
    return {
        "benchmark": "screening",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "seed": seed,
        "results": rows_out,
    }


def table(report: dict[str, Any]) -> str:
    head = (
        f"{'N':>8} {'screen/s':>9} {'rows':>10} {'rows/s':>9} {'bare rows/s':>11} "
        f"{'rows/s ÷ bare':>13} {'time/cand ÷ 1st':>15} {'peak RSS MB':>11} {'RSS ÷ 1st':>9} {'entries':>9} {'load s':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in report["results"]:
        lines.append(
            f"{r['n']:>8,} {r['screenings_per_s']:>9,.0f} {r['rows']:>10,} {r['rows_per_s']:>9,.0f} "
            f"{r['baseline_rows_per_s']:>11,.0f} {r['row_rate_vs_baseline']:>13.3f} "
            f"{r['per_candidate_time_vs_smallest']:>15.2f} {r['peak_rss_mb']:>11.0f} {r['peak_rss_vs_smallest']:>9.2f} "
            f"{r['ledger_entries']:>9,} {r['load_seconds']:>7.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="comma-separated candidate counts"
    )
    parser.add_argument("--quick", action="store_true", help="1k and 5k only")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where worlds and databases go (default: a temp dir)",
    )
    parser.add_argument(
        "--child-screen", nargs=3, metavar=("WORLD", "DB", "KEYS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--child-baseline", nargs=2, metavar=("DB", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_screen:
        world, db, keys = (Path(p) for p in args.child_screen)
        print(json.dumps(child_screen(world, db, keys)))
        return
    if args.child_baseline:
        print(json.dumps(child_baseline(Path(args.child_baseline[0]), int(args.child_baseline[1]))))
        return
    sizes = [1000, 5000] if args.quick else [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="fairscreen-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = run(sizes, args.seed, workdir)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "screening.json").write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"\nwritten: {RESULTS / 'screening.json'}")


if __name__ == "__main__":
    main()
