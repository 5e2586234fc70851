"""The bias audit and the counterfactual test, against baselines measured in the same run.

Run:  .venv/bin/python -m bench.audit            (1M decisions; 2,000 candidates; 5 seeds)
      .venv/bin/python -m bench.audit --quick    (100k decisions; 500 candidates; 2 seeds)

1. **Bias audit of N decisions** by four attributes (sex, age band 35, ethnicity, region) and
   every intersection of them (15 groupings): fairscreen's audit (``fairscreen.audit.bias``:
   coding the string columns, selection rates, impact ratios against the most selected group,
   four-fifths flags, suppression, and a chi-square or Fisher p-value per group) against
   fairlearn's ``MetricFrame`` (``selection_rate`` by group, one frame per grouping, the impact
   ratio as ``by_group / by_group.max()``: less than the audit computes) on the same data, in
   the same process. Times are wall clock and CPU (the machine is shared: CPU time is the
   steadier), the audit's best of a few rounds, fairlearn's one run; peak memory is the audit's
   own allocations (``tracemalloc``, numpy's included, in a run of its own) and the process's
   peak RSS after it. The rates of the two are compared: they must agree to 1e-9.
2. **Counterfactual test rate**: candidates per second of ``fairscreen audit counterfactual``
   (variant world written, both worlds loaded and screened, compared) against plain in-memory
   screening of the same world (``screen_store``), on a generated world.
3. **Planted bias**: worlds generated with ``--decisions`` over several seeds; an employer
   planted to reject women, people over 35 or people from some regions is *found* when the
   audit flags it on that attribute (decisions on green or blue lights, per employer); a fair
   employer is *falsely flagged* when the audit flags any of its decisions on green or blue
   lights.

Prints a table and writes ``bench/results/audit.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fairscreen.audit import bias

RESULTS = Path(__file__).parent / "results"
ATTRIBUTES = ("sex", "age_35", "ethnicity", "region")
ETHNICITIES = ("Han", "Zhuang", "Hui", "Manchu", "Uyghur", "Miao", "Yi", "Tibetan", "Mongol")
REGIONS = ("东江", "西岭", "南湖", "北原", "中川", "海宁", "云岭", "青川", "河西", "山阳")


def decisions(n: int, seed: int) -> dict[str, Any]:
    """N decisions with the four attributes, some missing, and a disparity by sex and age."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male", "other", ""]), n, p=[0.48, 0.48, 0.01, 0.03])
    age = rng.integers(20, 60, n)
    age[rng.random(n) < 0.02] = -1
    weights = np.array([0.85, 0.03, 0.03, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01])
    ethnicity = rng.choice(np.array(ETHNICITIES), n, p=weights / weights.sum())
    region = rng.choice(np.array([*REGIONS, ""]), n)
    rate = 0.5 - 0.15 * (sex == "female") - 0.1 * (age >= 35)
    hired = rng.random(n) < rate
    decision = np.where(hired, "hired", "rejected")
    return {"sex": sex, "age": age, "ethnicity": ethnicity, "region": region, "decision": decision}


def ours(data: dict[str, Any]) -> list[bias.Table]:
    n = len(data["sex"])
    blank = np.full(n, "", dtype="<U1")
    columns = bias.Columns.from_arrays(
        sex=data["sex"],
        age=data["age"],
        ethnicity=data["ethnicity"],
        region=data["region"],
        light=blank,
        decision=data["decision"],
        employer=blank,
        agency=blank,
        category=blank,
        window=blank,
    )
    return bias.tables(columns, "decision", "all", bias.groupings(ATTRIBUTES))


def theirs(data: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    """fairlearn's MetricFrame per grouping: selection rates and ratios to the most selected."""
    import pandas as pd
    from fairlearn.metrics import MetricFrame, selection_rate

    age = data["age"]
    frame = pd.DataFrame(
        {
            "sex": data["sex"],
            "age_35": np.where(age < 0, "", np.where(age >= 35, "35_plus", "under_35")),
            "ethnicity": data["ethnicity"],
            "region": data["region"],
        }
    )
    y = data["decision"] == "hired"
    out = {}
    for grouping in bias.groupings(ATTRIBUTES):
        features = frame[list(grouping)]
        known = (features != "").all(axis=1).to_numpy()
        metric = MetricFrame(
            metrics=selection_rate,
            y_true=y[known],
            y_pred=y[known],
            sensitive_features=features[known],
        )
        by_group = metric.by_group
        out[grouping] = (by_group, by_group / by_group.max())
    return out


def _best(fn: Callable[[], Any], rounds: int) -> tuple[float, float, Any]:
    """Best wall-clock and best CPU seconds of ``rounds`` runs, and the last result."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(rounds):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu, result


def agreement(tables: Sequence[bias.Table], frames: dict[tuple[str, ...], Any]) -> float:
    """The largest difference between the two rates of any group shown (not suppressed)."""
    worst = 0.0
    for table in tables:
        by_group, _ = frames[table.attributes]
        for row in table.rows:
            if row.rate is None:
                continue
            key = row.group if len(row.group) > 1 else row.group[0]
            worst = max(worst, abs(row.rate - float(by_group.loc[key])))
    return worst


def bench_audit(n: int, rounds: int) -> dict[str, Any]:
    data = decisions(n, seed=2026)
    seconds, cpu, tables = _best(lambda: ours(data), rounds)
    tracemalloc.start()  # a separate run: tracing slows allocation down
    ours(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    baseline, baseline_cpu, frames = _best(lambda: theirs(data), 1)
    return {
        "decisions": n,
        "groupings": len(bias.groupings(ATTRIBUTES)),
        "tables": len(tables),
        "audit_seconds": round(seconds, 3),
        "audit_cpu_seconds": round(cpu, 3),
        "fairlearn_seconds": round(baseline, 3),
        "fairlearn_cpu_seconds": round(baseline_cpu, 3),
        "speedup": round(baseline / seconds, 1),
        "speedup_cpu": round(baseline_cpu / cpu, 1),
        "load_average": os.getloadavg()[0],
        "audit_peak_bytes": peak,
        "process_peak_rss_bytes_after_audit": rss_ours,
        "max_rate_difference": agreement(tables, frames),
    }


def bench_counterfactual(candidates: int, seed: int) -> dict[str, Any]:
    from fairscreen.audit import counterfactual
    from fairscreen.audit.rescreen import screen_store
    from fairscreen.screening.run import prepare
    from fairscreen.synth import generate_world, variants
    from fairscreen.world.load import load_world

    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world.jsonl"
        generate_world(world, candidates=candidates, seed=seed, decisions=True)
        with load_world(world) as store:
            setup = prepare(store)
            started = time.perf_counter()
            screened = sum(1 for _ in screen_store(store, setup=setup))
            plain = time.perf_counter() - started
        started = time.perf_counter()
        outcome = counterfactual.run(
            world, lambda s, src, out: variants.make_variant_world(s, src, out, seed=seed)
        )
        total = time.perf_counter() - started
    return {
        "candidates": screened,
        "plain_screening_per_s": round(screened / plain, 1),
        "counterfactual_per_s": round(outcome.candidates / total, 1),
        "counterfactual_screening_only_per_s": round(
            outcome.candidates / outcome.screened_seconds, 1
        ),
        "ratio_to_plain": round((outcome.candidates / total) / (screened / plain), 3),
        "flips": len(outcome.flips),
        "crossed_age_bands": outcome.crossed_age_bands,
    }


def planted_round(candidates: int, seed: int) -> dict[str, Any]:
    """One seed: which planted employers the audit finds, which fair ones it flags."""
    from fairscreen.audit import records
    from fairscreen.synth import generate_world

    with tempfile.TemporaryDirectory() as tmp:
        world, truth = Path(tmp) / "world.jsonl", Path(tmp) / "truth.jsonl"
        generate_world(world, candidates=candidates, seed=seed, truth=truth, decisions=True)
        planted = {
            line["employer"]: line
            for line in map(json.loads, truth.read_text("utf-8").splitlines())
            if line["type"] == "employer_bias"
        }
        found = records.from_world(world)
    flagged = bias.flags(
        bias.run(bias.Columns.from_records(found), outcomes=("decision_given_light",))
    )
    employers = sorted({r.employer for r in found})
    return detection(planted, employers, flagged)


def detection(
    planted: dict[str, dict[str, Any]], employers: Sequence[str], flagged: Sequence[bias.Flag]
) -> dict[str, Any]:
    """Found planted employers and falsely flagged fair ones, from an audit's flags."""
    by_employer: dict[str, list[bias.Flag]] = {}
    for flag in flagged:
        if flag.scope == "employer":
            by_employer.setdefault(flag.scope_value, []).append(flag)
    found = []
    for employer, line in planted.items():
        against = line["against"]
        hits = by_employer.get(employer, [])
        if against == "female":
            ok = any(f.attributes == ("sex",) and f.group == ("female",) for f in hits)
        elif against == "age_35_plus":
            ok = any(f.attributes == ("age_35",) and f.group == ("35_plus",) for f in hits)
        else:
            ok = any(f.attributes == ("region",) and f.group[0] in line["regions"] for f in hits)
        if ok:
            found.append(employer)
    fair = [e for e in employers if e not in planted]
    false = sorted(e for e in fair if e in by_employer)
    return {
        "planted": sorted(planted),
        "found": sorted(found),
        "fair": len(fair),
        "falsely_flagged": false,
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--seeds", type=int, nargs="*", help="planted-bias seeds")
    parser.add_argument("--world", type=int, help="candidates per planted-bias world")
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else 1_000_000
    cf_candidates = 500 if args.quick else 2_000
    seeds = args.seeds if args.seeds is not None else ([1, 2] if args.quick else [1, 2, 3, 4, 5])
    world = args.world or (5_000 if args.quick else 20_000)

    audit = bench_audit(n, rounds=2 if args.quick else 3)
    print(
        f"bias audit, {audit['decisions']:,} decisions x {audit['groupings']} groupings: "
        f"{audit['audit_seconds']} s wall, {audit['audit_cpu_seconds']} s CPU (fairlearn "
        f"MetricFrame {audit['fairlearn_seconds']} s, {audit['fairlearn_cpu_seconds']} s CPU: "
        f"{audit['speedup']}x, {audit['speedup_cpu']}x CPU); "
        f"peak {audit['audit_peak_bytes'] / 2**20:.0f} MiB traced, "
        f"{audit['process_peak_rss_bytes_after_audit'] / 2**20:.0f} MiB RSS; "
        f"rates agree to {audit['max_rate_difference']:.1e}"
    )
    cf = bench_counterfactual(cf_candidates, seed=7)
    print(
        f"counterfactual, {cf['candidates']:,} candidates: {cf['counterfactual_per_s']}/s "
        f"against plain screening {cf['plain_screening_per_s']}/s "
        f"({cf['ratio_to_plain']}x); {cf['flips']} flips, {cf['crossed_age_bands']} "
        "across an age band"
    )
    rounds = []
    for seed in seeds:
        result = {"seed": seed, **planted_round(world, seed)}
        rounds.append(result)
        print(
            f"planted bias, seed {seed}, {world:,} candidates: found "
            f"{len(result['found'])}/{len(result['planted'])}, falsely flagged "
            f"{len(result['falsely_flagged'])}/{result['fair']} fair employers"
        )
    planted = sum(len(r["planted"]) for r in rounds)
    fair = sum(r["fair"] for r in rounds)
    summary = {
        "detection_rate": round(sum(len(r["found"]) for r in rounds) / planted, 3)
        if planted
        else None,
        "false_flag_rate": round(sum(len(r["falsely_flagged"]) for r in rounds) / fair, 3)
        if fair
        else None,
    }
    print(
        f"planted bias over {len(seeds)} seeds: detection rate {summary['detection_rate']}, "
        f"fair employers flagged {summary['false_flag_rate']}"
    )
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "audit": audit,
        "counterfactual": cf,
        "planted": {"candidates": world, "rounds": rounds, **summary},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "audit.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return report


if __name__ == "__main__":
    main()
