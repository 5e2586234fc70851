"""Tiering 100,000 firms and planning the 13,000-firm year, as ratios against baselines measured
in the same run.

Run:  .venv/bin/python -m bench.plan            (100,000 firms tiered, 13,000 planned)
      .venv/bin/python -m bench.plan --quick    (20,000 tiered, 3,000 planned)

Tiering (timed): ``supervision.plan.standings`` over a synthetic city of N firms (their
standing under each scenario on 2026-12-31: the score with every term, and the tiers on the two
year-ends before for the exemption). Baseline: one plain pass over the same histories that only
counts each firm-scenario's events (the least any tiering must read). Generating and validating
the city is not timed.

Planning (timed, stage by stage): the due tasks, teams (CP-SAT), the draw, merging into visits
(綜合查一次), placing the visits on weeks (min-cost flow) and routing each team's days (the
routing solver). Baseline, in the same run, on the same merged visits and teams: a greedy plan
that puts each visit (earliest deadline first) on the first week of its window where a team
that covers it has room, and orders each day's stops nearest-neighbour first. Reported: the
visits with merging against each matter and each scenario planned apart (Pudong reports 75%
fewer), the visits either plan could not place, the kilometres driven, the solvers' gaps, and
the time of each.

Prints a table and writes ``bench/results/plan.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from fairscreen.supervision import plan as planning
from fairscreen.supervision.register import Register, parse_dicts, register_from
from fairscreen.supervision.tiers import shipped_rules
from fairscreen.synth.city import generate_city

RESULTS = Path(__file__).parent / "results"
AS_OF = date(2026, 12, 31)
YEAR = 2027


def _city(firms: int, seed: int) -> Register:
    return register_from(parse_dicts(generate_city(firms, seed, AS_OF), "city"))


def _count_only(register: Register) -> int:
    """The baseline: read every firm-scenario's history once and count its events."""
    total = 0
    for firm in register.firms.values():
        for scenario in firm.scenarios:
            total += sum(1 for e in firm.inspections if e.scenario == scenario)
            total += sum(1 for e in firm.complaints if e.scenario == scenario)
            total += sum(1 for e in firm.signals if e.scenario == scenario)
    return total


def tiering(firms: int) -> dict[str, Any]:
    register = _city(firms, 2026)
    rules = shipped_rules()
    pairs = sum(len(f.scenarios) for f in register.firms.values())
    start = time.perf_counter()
    _count_only(register)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    found = planning.standings(rules, register, AS_OF)
    elapsed = time.perf_counter() - start
    tiers: dict[str, int] = defaultdict(int)
    for st in found.values():
        tiers[str(st.result.tier)] += 1
        tiers["exempt"] += st.exempt
    return {
        "firms": firms,
        "firm_scenarios": pairs,
        "seconds": round(elapsed, 2),
        "firms_per_second": round(firms / elapsed),
        "baseline_seconds": round(baseline, 3),
        "ratio_to_counting": round(elapsed / baseline, 1),
        "tiers": dict(tiers),
    }


def _greedy(
    register: Register, visits: list[planning.Visit], teams: list[planning.Team]
) -> tuple[int, int]:
    """Earliest deadline first, first week with room in a team that covers the visit; days
    filled nearest-neighbour from the office. Returns (unplaced, metres)."""
    weeks = planning.slots(YEAR)
    room = {(t.id, k): planning.capacity(t, s, e) for t in teams for k, (s, e) in enumerate(weeks)}
    by_office: dict[str, list[planning.Team]] = defaultdict(list)
    for team in teams:
        by_office[team.office].append(team)
    load: dict[tuple[str, int], list[planning.Visit]] = defaultdict(list)
    unplaced = 0
    for visit in sorted(visits, key=lambda v: (v.end, v.start, v.id)):
        first = planning._first_slot(weeks, visit.start)
        last = planning._last_slot(weeks, visit.end)
        able = [
            t
            for t in by_office[visit.office]
            if (t.id == visit.team if visit.team else set(visit.skills) <= t.skills)
        ]
        spot = next(
            ((t.id, k) for k in range(first, last + 1) for t in able if room[(t.id, k)] > 0),
            None,
        )
        if spot is None:
            unplaced += 1
            continue
        room[spot] -= 1
        load[spot].append(visit)
    metres = 0
    by_id = {t.id: t for t in teams}
    for (team_id, _), group in load.items():
        team = by_id[team_id]
        office = register.offices[team.office]
        left = [(register.firms[v.org].x, register.firms[v.org].y) for v in group]
        while left:
            here = (office.x, office.y)
            day: list[tuple[int, int]] = []
            while left and len(day) < team.per_day:
                nearest = min(left, key=lambda p: math.dist(p, here))
                left.remove(nearest)
                day.append(nearest)
                here = nearest
            metres += planning.route_length((office.x, office.y), day)
    return unplaced, metres


def planning_year(firms: int) -> dict[str, Any]:
    register = _city(firms, 2026)
    rules = shipped_rules()
    times: dict[str, float] = {}

    def timed(name: str, start: float) -> float:
        now = time.perf_counter()
        times[name] = round(now - start, 2)
        return now

    mark = time.perf_counter()
    found = planning.standings(rules, register, AS_OF)
    status = {
        k: planning.Status(s.result.tier, s.exempt_until if s.exempt else None)
        for k, s in found.items()
    }
    mark = timed("tiers", mark)
    tasks = planning.due_tasks(rules, YEAR, status)
    mark = timed("due_tasks", mark)
    teams, team_figures = planning.form_teams(register, planning.demand_of(register, tasks))
    mark = timed("teams_cp_sat", mark)
    offices = {f.id: f.office for f in register.firms.values()}
    given = planning.draw_input(YEAR, rules, planning.population(status, YEAR), teams, offices)
    draws = planning.draw(os.urandom(32), given)
    mark = timed("draw", mark)

    def merged() -> list[planning.Visit]:
        by_firm: dict[str, list[planning.Task]] = defaultdict(list)
        for t in tasks:
            by_firm[t.firm].append(t)
        drawn: dict[str, list[planning.Draw]] = defaultdict(list)
        for d in draws:
            drawn[d.firm].append(d)
        local: dict[str, list[planning.Team]] = defaultdict(list)
        for team in teams:
            local[team.office].append(team)
        matters = {c: tuple(s.matters) for c, s in rules.scenarios.items()}
        out: list[planning.Visit] = []
        for firm_id in sorted(set(by_firm) | set(drawn)):
            firm = register.firms[firm_id]
            made, _ = planning.merge(
                firm, by_firm[firm_id], local[firm.office], drawn[firm_id], YEAR, matters
            )
            out += made
        return out

    visits = merged()
    mark = timed("merge", mark)
    placed, unplaced, figures = planning.place(register, visits, teams, YEAR)
    mark = timed("place_min_cost_flow", mark)
    metres = planning.schedule(register, visits, placed, teams, YEAR)
    mark = timed("routes", mark)
    solver_seconds = times["place_min_cost_flow"] + times["routes"]
    by_scenario = planning.visits_by_scenario(register, tasks, teams)

    start = time.perf_counter()
    greedy_unplaced, greedy_metres = _greedy(register, merged(), teams)
    greedy_seconds = time.perf_counter() - start

    made = len(visits)
    return {
        "firms": firms,
        "inspectors": len(register.inspectors),
        "teams": len(teams),
        "tasks": len(tasks),
        "visits_each_matter_apart": len(tasks),
        "visits_each_scenario_apart": by_scenario,
        "visits_merged": made,
        "reduction_vs_matter": round(1 - made / len(tasks), 3),
        "reduction_vs_scenario": round(1 - made / by_scenario, 3),
        "drawn": len(draws),
        "seconds": times,
        "solver": {
            "unplaced": len(unplaced),
            "km": round(metres / 1000),
            "seconds": round(solver_seconds, 2),
            "placement_gap": figures["placement_gap"],
            "team_gap": team_figures["team_solver_gap"],
            "flow_arcs": figures["arcs"],
        },
        "greedy": {
            "unplaced": greedy_unplaced,
            "km": round(greedy_metres / 1000),
            "seconds": round(greedy_seconds, 2),
        },
        "ratios": {
            "km_solver_over_greedy": round(metres / greedy_metres, 3) if greedy_metres else None,
            "time_solver_over_greedy": round(solver_seconds / greedy_seconds, 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    tier_firms, plan_firms = (20_000, 3_000) if args.quick else (100_000, 13_000)
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "tiering": tiering(tier_firms),
        "planning": planning_year(plan_firms),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "plan.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
