"""Bright kitchens at district scale, each figure a ratio against a baseline of the same run.

Run:  .venv/bin/python -m bench.kitchens                      (2,000 restaurants, 90 days)
      .venv/bin/python -m bench.kitchens --restaurants 300 --days 60

What is measured (SQLite, WAL, a fresh temporary directory each time):

1. the simulator's feed (``synth.kitchens``) for N restaurants over D days, as JSON lines;
2. **baseline**: a bare insert loop: the same events, already decoded into rows, inserted with
   SQLAlchemy's executemany in batches of 5,000 (no parsing, no checks, no reviews);
3. **ingest**: the feed read as a file is (each line parsed and validated, events and reviews
   stored, duplicates looked up) in events per second and as a ratio to the baseline;
4. **run**: one ``service.run`` over everything (cameras flagged, confirmed events counted in
   sliding windows, signals escalated through ``monitors.escalate``: ledger entries, evidence
   documents), its time as a multiple of the baseline's;
5. **lag**: the last 3 days replayed as hourly batches, each ingested and run as it arrives;
   the time from a batch's arrival to its signals being stored, p50 and p95 (the event-to-signal
   lag is this plus the time until a person reviews the event);
6. **quality** against the simulator's truth: planted violators signalled (recall), honest
   restaurants signalled, the camera that cries wolf flagged and its restaurant unsignalled,
   and the tiers (``supervision.service.store_tiers``): violators above low, honest at low.

Prints a table and writes ``bench/results/kitchens.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import make_engine, session_factory, upgrade
from fairscreen.monitors.kitchens import service
from fairscreen.monitors.kitchens.events import parse_lines
from fairscreen.monitors.kitchens.models import KitchenEvent
from fairscreen.monitors.kitchens.pack import shipped_pack
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.supervision.register import Firm, Office, Register
from fairscreen.supervision.tiers import Tier, shipped_rules
from fairscreen.synth.kitchens import Truth, end_of, generate_kitchens, own_restaurants

RESULTS = Path(__file__).parent / "results"
START = date(2026, 9, 1)


def _database(folder: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{folder / 'k.db'}", sqlite_synchronous="NORMAL")
    upgrade(engine)
    return session_factory(engine)


def _baseline(lines: list[bytes], folder: Path) -> float:
    rows = []
    now = datetime.now().astimezone()
    for line in lines:
        data = orjson.loads(line)
        if data["type"] == "event":
            rows.append(
                {
                    "id": data["id"],
                    "org": data["restaurant"],
                    "camera": data["camera"],
                    "at": datetime.fromisoformat(data["at"]),
                    "kind": data["kind"],
                    "snapshot": data["snapshot"]["ref"],
                    "snapshot_sha256": data["snapshot"]["sha256"],
                    "confidence": data["confidence"],
                    "received_at": now,
                    "verdict": None,
                    "reviewed_by": None,
                    "reviewed_at": None,
                }
            )
    sessions = _database(folder)
    began = time.perf_counter()
    with sessions.begin() as session:
        for chunk in range(0, len(rows), 5_000):
            session.execute(insert(KitchenEvent), rows[chunk : chunk + 5_000])
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restaurants", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    firms = own_restaurants(args.restaurants)
    truth = Truth()
    made = time.perf_counter()
    lines = [orjson.dumps(r) for r in generate_kitchens(firms, args.seed, START, args.days, truth)]
    simulated = time.perf_counter() - made
    events = sum(1 for line in lines if line.startswith(b'{"type":"event"'))
    until = end_of(START, args.days)
    cut = until - timedelta(days=3)

    with tempfile.TemporaryDirectory() as tmp:
        base = _baseline(lines, Path(tmp))

    with tempfile.TemporaryDirectory() as tmp:
        sessions = _database(Path(tmp))
        began = time.perf_counter()
        records = list(parse_lines(lines, "feed"))
        with sessions.begin() as session:
            service.ingest(session, records, now=until)
        ingest = time.perf_counter() - began
        began = time.perf_counter()
        with sessions.begin() as session:
            result = service.run(session, shipped_pack(), now=until)
        run = time.perf_counter() - began
        quality = _quality(sessions, firms, truth, result, until)

    with tempfile.TemporaryDirectory() as tmp:
        sessions = _database(Path(tmp))
        history = [r for r in records if _time(r) < cut]
        with sessions.begin() as session:
            service.ingest(session, history, now=cut)
            service.run(session, shipped_pack(), now=cut)
        lags: list[float] = []
        raised = 0
        for hour in range(72):
            lo, hi = cut + timedelta(hours=hour), cut + timedelta(hours=hour + 1)
            batch = [r for r in records if lo <= _time(r) < hi]
            began = time.perf_counter()
            with sessions.begin() as session:
                service.ingest(session, batch, now=hi)
                raised += len(service.run(session, shipped_pack(), now=hi).escalated)
            lags.append(time.perf_counter() - began)

    lags.sort()
    out: dict[str, Any] = {
        "machine": platform.platform(),
        "restaurants": args.restaurants,
        "days": args.days,
        "events": events,
        "records": len(lines),
        "simulate_s": round(simulated, 3),
        "baseline_events_per_s": round(events / base),
        "ingest_events_per_s": round(events / ingest),
        "ingest_vs_baseline": round(base / ingest, 3),
        "run_s": round(run, 3),
        "run_vs_baseline_insert": round(run / base, 3),
        "signals": len(result.escalated),
        "flagged": len(result.flagged),
        "lag_batches": len(lags),
        "lag_signals": raised,
        "lag_p50_s": round(statistics.median(lags), 3),
        "lag_p95_s": round(lags[int(0.95 * (len(lags) - 1))], 3),
        # the p95 lag against the bare insert of one day's events
        "lag_p95_vs_baseline_day": round(lags[int(0.95 * (len(lags) - 1))] / (base / args.days), 3),
        **quality,
    }
    rows = [
        ("events simulated", f"{events:,} ({len(lines):,} records) in {simulated:.1f} s"),
        ("baseline: bare insert", f"{out['baseline_events_per_s']:,} events/s"),
        ("ingest (parse, check, store)", f"{out['ingest_events_per_s']:,} events/s"),
        ("  ingest / baseline", f"{out['ingest_vs_baseline']:.3f}"),
        ("run over everything", f"{run:.2f} s = {out['run_vs_baseline_insert']:.2f} x baseline"),
        ("signals, cameras flagged", f"{out['signals']}, {out['flagged']}"),
        ("hourly batch to signal p50/p95", f"{out['lag_p50_s']:.3f} / {out['lag_p95_s']:.3f} s"),
        ("  p95 / bare insert of a day", f"{out['lag_p95_vs_baseline_day']:.3f}"),
        (
            "violators signalled (recall)",
            f"{quality['violators_signalled']}/{quality['violators']}",
        ),
        ("honest signalled", f"{quality['honest_signalled']}/{quality['honest']}"),
        (
            "wolf flagged / its restaurant signalled",
            f"{quality['wolf_flagged']} / {quality['wolf_signalled']}",
        ),
        ("violators above low tier", f"{quality['violators_above_low']}/{quality['violators']}"),
        ("honest at low tier", f"{quality['honest_low']}/{quality['honest']}"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "kitchens.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS / 'kitchens.json'}")


def _time(record: Any) -> datetime:
    at: datetime = record.at
    return at


def _quality(
    sessions: sessionmaker[Session],
    firms: list[str],
    truth: Truth,
    result: service.RunResult,
    until: datetime,
) -> dict[str, Any]:
    with sessions() as session:
        signalled = set(session.scalars(select(SignalRow.org)))
    office = Office(id="o1", name="Office", x=0, y=0)
    register = Register(
        [office],
        [],
        [Firm(id=f, name=f, x=1, y=1, office="o1", scenarios=("catering",)) for f in firms],
    )
    with sessions.begin() as session:
        tiers_service.store_tiers(session, shipped_rules(), register, until.date(), now=until)
    with sessions() as session:
        tiers = {f: t.tier for (f, _), t in tiers_service.effective_tiers(session).items()}
    wolf = truth.wolf
    return {
        "violators": len(truth.violators),
        "honest": len(truth.honest),
        "violators_signalled": sum(v in signalled for v in truth.violators),
        "honest_signalled": sum(h in signalled for h in truth.honest),
        "wolf_flagged": wolf is not None and wolf in result.flagged,
        "wolf_signalled": wolf is not None and wolf[0] in signalled,
        "wolf_tier": str(tiers[wolf[0]]) if wolf else None,
        "violators_above_low": sum(tiers[v] is not Tier.LOW for v in truth.violators),
        "honest_low": sum(tiers[h] is Tier.LOW for h in truth.honest),
    }


if __name__ == "__main__":
    main()
