"""The livestream monitor: how well each detector finds what the rules forbid, and how fast the
chain reads live rooms; every figure beside a baseline measured in the same run.

Run:  .venv/bin/python -m bench.livestream                 (400 rooms of 60 segments)
      .venv/bin/python -m bench.livestream --rooms 100      (quicker)

1. **Accuracy** on the labelled set's ``test`` half (``monitors/livestream/labelled.py``: the
   templates the model never trained on, three scripts): precision and recall per segment rule
   for the rule pack's matcher (``rules``) and the shipped model (``model``), and for the
   **baseline**, a bare keyword matcher (the pack's own term lists and patterns, no context
   rules: no ordinal, brand, substantiation, negation or stock check). The ratio column is a
   detector's false alarms over the baseline's, and its recall over the baseline's.
2. **Throughput** on a simulated district (``synth/livestream.py``) in a fresh SQLite database
   (WAL): the **baseline** is a bare insert loop (each segment one INSERT into a plain table,
   one transaction), then detection alone (``rules``, ``model``) and the whole chain
   (``service.ingest``: detect, store rooms and alerts, queue webhooks, escalate repeats) in
   segments per second, each as a ratio to the bare loop; and what that is in live rooms
   transcribed in real time (a room says one segment every ``--speech-ms`` ms on average).
3. **Lag**: the wall time from handing one room's transcript to ``ingest`` to its alerts and
   signals being committed, p50 and p95 over the rooms.

Prints a table and writes ``bench/results/livestream.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert

from fairscreen.kit.db import make_engine, session_factory, upgrade
from fairscreen.monitors.livestream import labelled, service
from fairscreen.monitors.livestream.detect import Detector, Finding, RuleDetector, normalise
from fairscreen.monitors.livestream.format import Room
from fairscreen.monitors.livestream.model import ModelDetector
from fairscreen.monitors.livestream.pack import SEGMENT_RULES, Pack, shipped_pack
from fairscreen.synth.livestream import firm_ids, simulate

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2026, 12, 1, 23, tzinfo=UTC)


class KeywordBaseline:
    """The pack's term lists and patterns as bare keywords: what a matcher without context
    rules would flag."""

    name = "keywords"

    def __init__(self, pack: Pack) -> None:
        self.rules = [
            (
                r.id,
                [normalise(t) for t in r.terms],
                [re.compile(p, re.IGNORECASE) for p in r.patterns],
            )
            for r in pack.rules
            if r.scope == "segment"
        ]

    def detect(self, room: Room) -> list[Finding]:
        out = []
        for seg in room.segments:
            text = normalise(seg.text)
            for rule, terms, patterns in self.rules:
                if any(t in text for t in terms) or any(p.search(text) for p in patterns):
                    out.append(
                        Finding(rule, seg.index, seg.start_ms, seg.end_ms, seg.text, "kw", 100)
                    )
        return out


def accuracy(detectors: Sequence[Detector]) -> dict[str, Any]:
    items = [i for i in labelled.labelled() if i["split"] == "test"]
    out: dict[str, Any] = {
        "segments": len(items),
        "scripts": dict(Counter(i["script"] for i in items)),
    }
    for detector in detectors:
        counts: dict[str, Counter[str]] = {r: Counter() for r in SEGMENT_RULES}
        per_script: dict[str, Counter[str]] = {}
        for item in items:
            got = {f.rule for f in detector.detect(labelled.room_of(item)) if f.segment == 0}
            want = set(item["labels"])
            script = per_script.setdefault(item["script"], Counter())
            for rule in SEGMENT_RULES:
                key = (
                    ("tp" if rule in want else "fp")
                    if rule in got
                    else ("fn" if rule in want else "tn")
                )
                counts[rule][key] += 1
                script[key] += 1
        rules = {}
        for rule, c in counts.items():
            rules[rule] = _pr(c)
        total = sum(counts.values(), Counter())
        out[detector.name] = {
            "rules": rules,
            "all": _pr(total),
            "scripts": {s: _pr(c) for s, c in sorted(per_script.items())},
        }
    return out


def _pr(c: Counter[str]) -> dict[str, Any]:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
    }


def _best(runs: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(runs))


def throughput(rooms_n: int, segments: int, speech_ms: int, seed: int) -> dict[str, Any]:
    firms = max(5, -(-rooms_n // 3))
    rooms, _ = simulate(firm_ids(firms), seed=seed, days=3, segments=segments)
    rooms = rooms[:rooms_n]
    n = sum(len(r.segments) for r in rooms)
    pack = shipped_pack()
    out: dict[str, Any] = {"rooms": len(rooms), "segments": n}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'b.db'}", sqlite_synchronous="NORMAL")
        upgrade(engine)
        sessions = session_factory(engine)
        bare = Table(
            "bench_segments",
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("room", String(64)),
            Column("start_ms", Integer),
            Column("end_ms", Integer),
            Column("text", Text),
        )
        bare.create(engine)

        def bare_loop() -> float:
            t = time.perf_counter()
            with engine.begin() as conn:
                for r in rooms:
                    for s in r.segments:
                        conn.execute(
                            insert(bare),
                            {
                                "room": r.room,
                                "start_ms": s.start_ms,
                                "end_ms": s.end_ms,
                                "text": s.text,
                            },
                        )
            return time.perf_counter() - t

        base = _best(3, bare_loop)
        out["baseline_bare_insert_s"] = round(base, 4)
        out["baseline_segments_per_s"] = round(n / base)
        detectors: list[Detector] = [RuleDetector(pack), ModelDetector()]
        for detector in detectors:

            def detect_all(d: Detector = detector) -> float:
                return _time(lambda: [d.detect(r) for r in rooms])

            spent = _best(3, detect_all)
            out[f"detect_{detector.name}_segments_per_s"] = round(n / spent)
            out[f"detect_{detector.name}_ratio"] = round(base / spent, 3)
        lags: list[float] = []
        t0 = time.perf_counter()
        for r in rooms:
            t = time.perf_counter()
            with sessions.begin() as session:
                service.ingest(session, [r], pack=pack, detector=RuleDetector(pack), now=NOW)
            lags.append(time.perf_counter() - t)
        chain = time.perf_counter() - t0
        with sessions() as session:
            state = service.overview(session)
    out["chain_s"] = round(chain, 3)
    out["chain_segments_per_s"] = round(n / chain)
    out["chain_ratio"] = round(base / chain, 3)
    out["alerts"] = state["alerts"]
    out["signals"] = state["escalations"]
    per_room_s = speech_ms / 1000  # one segment every speech_ms in a live room
    out["speech_ms_per_segment"] = speech_ms
    out["live_rooms_real_time_chain"] = int(n / chain * per_room_s)
    out["live_rooms_real_time_rules"] = int(out["detect_rules_segments_per_s"] * per_room_s)
    out["live_rooms_real_time_model"] = int(out["detect_model_segments_per_s"] * per_room_s)
    lags.sort()
    out["lag_room_p50_ms"] = round(statistics.median(lags) * 1000, 1)
    out["lag_room_p95_ms"] = round(lags[int(0.95 * (len(lags) - 1))] * 1000, 1)
    return out


def _time(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=400)
    parser.add_argument("--segments", type=int, default=60)
    parser.add_argument("--speech-ms", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    pack = shipped_pack()
    acc = accuracy([KeywordBaseline(pack), RuleDetector(pack), ModelDetector()])
    speed = throughput(args.rooms, args.segments, args.speech_ms, args.seed)

    print(f"Accuracy on the labelled test half: {acc['segments']} segments {acc['scripts']}")
    print(
        f"{'rule':22} {'detector':9} {'prec':>6} {'recall':>6} {'fp':>4} {'fn':>4} {'fp/base':>8} {'rec/base':>9}"
    )
    for rule in [*SEGMENT_RULES, "all"]:
        base = acc["keywords"]["rules"].get(rule) or acc["keywords"]["all"]
        for name in ("keywords", "rules", "model"):
            r = acc[name]["rules"].get(rule) or acc[name]["all"]
            fp_ratio = round(r["fp"] / base["fp"], 2) if base["fp"] else None
            rec_ratio = (
                round(r["recall"] / base["recall"], 2)
                if r["recall"] is not None and base["recall"]
                else None
            )
            r["fp_vs_baseline"], r["recall_vs_baseline"] = fp_ratio, rec_ratio
            print(
                f"{rule:22} {name:9} {_f(r['precision']):>6} {_f(r['recall']):>6} {r['fp']:>4} "
                f"{r['fn']:>4} {_f(fp_ratio):>8} {_f(rec_ratio):>9}"
            )
    print("\nBy script (all rules):")
    for name in ("keywords", "rules", "model"):
        for script, r in acc[name]["scripts"].items():
            print(f"  {name:9} {script:8} precision {_f(r['precision'])} recall {_f(r['recall'])}")
    print(f"\nThroughput: {speed['rooms']} rooms, {speed['segments']} segments (SQLite, WAL)")
    print(f"  baseline bare insert loop   {speed['baseline_segments_per_s']:>10} segments/s")
    for key, label in (
        ("detect_rules", "detect, rule pack"),
        ("detect_model", "detect, model"),
        ("chain", "whole chain"),
    ):
        print(
            f"  {label:27} {speed[key + '_segments_per_s']:>10} segments/s  x{speed[key + '_ratio']} of baseline"
        )
    print(
        f"  live rooms in real time (one segment per {speed['speech_ms_per_segment']} ms): "
        f"chain {speed['live_rooms_real_time_chain']}, rule pack alone {speed['live_rooms_real_time_rules']}, "
        f"model alone {speed['live_rooms_real_time_model']}"
    )
    print(
        f"  lag per room (ingest to commit): p50 {speed['lag_room_p50_ms']} ms, p95 {speed['lag_room_p95_ms']} ms"
    )
    print(f"  {speed['alerts']} alerts, {speed['signals']} signals")
    RESULTS.mkdir(exist_ok=True)
    out = {
        "when": datetime.now(UTC).isoformat(),
        "machine": platform.platform(),
        "args": vars(args),
        "accuracy": acc,
        "throughput": speed,
    }
    (RESULTS / "livestream.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten {RESULTS / 'livestream.json'}")


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


if __name__ == "__main__":
    main()
