"""The plan's promises over small synthetic cities (hypothesis): every due task is in exactly
one visit, on a working day inside its window, by a team holding its skill; no team or
inspector above their capacity on any day; every high-risk matter above its sector baseline;
merging never needs more visits than planning each scenario apart. Each property is counted
here from the visits themselves, not taken from ``plan.check``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fairscreen.supervision import plan as planning
from fairscreen.supervision.tiers import Tier, shipped_rules
from tests.supervision.cities import YEAR, build, city

RULES = shipped_rules()
CITIES = settings(max_examples=10, deadline=None, derandomize=True)


def _promises(plan: planning.Plan, status: dict[tuple[str, str], planning.Status]) -> None:
    register_teams = {t.id: t for t in plan.teams}
    in_visits: dict[planning.Task, int] = defaultdict(int)
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    per_inspector: dict[tuple[str, date], int] = defaultdict(int)
    for visit in plan.visits:
        assert visit.day is not None and visit.team is not None
        team = register_teams[visit.team]
        assert visit.day.weekday() < 5 and visit.day.year == YEAR
        assert set(visit.skills) <= team.skills and visit.inspectors == team.inspectors
        per_day[(team.id, visit.day)] += 1
        for inspector in visit.inspectors:
            per_inspector[(inspector, visit.day)] += 1
        for task in visit.tasks:
            in_visits[task] += 1
            assert task.firm == visit.org and task.start <= visit.day < task.end
    assert all(in_visits[t] == 1 for t in plan.tasks), "a due task is not in exactly one visit"
    assert sum(in_visits.values()) == len(plan.tasks)
    for (team_id, _), n in per_day.items():
        assert n <= register_teams[team_id].per_day
    members = [i for t in plan.teams for i in t.inspectors]
    assert len(members) == len(set(members))  # each inspector in one team
    for (firm, scenario), s in status.items():
        if s.tier in (Tier.HIGH, Tier.CRITICAL):
            for skill, baseline in RULES.scenarios[scenario].matters.items():
                hits = {
                    v.id
                    for v in plan.visits
                    for t in v.tasks
                    if (t.firm, t.scenario, t.skill) == (firm, scenario, skill)
                }
                assert len(hits) > baseline, (firm, scenario, skill)
        if s.exempt_until is not None and s.exempt_until >= date(YEAR, 12, 31):
            assert not [t for t in plan.tasks if (t.firm, t.scenario) == (firm, scenario)]
    summary = plan.summary()
    assert summary["visits_merged"] <= summary["visits_by_scenario"] <= summary["tasks"]
    assert planning.check(plan, RULES, status) == []


@CITIES
@given(firms=st.integers(5, 40), seed=st.integers(0, 10_000))
def test_every_due_task_is_covered_within_capacity(firms: int, seed: int) -> None:
    register = city(firms, seed)
    plan, status = build(register)
    assert plan.unplaced == []
    assert sorted(i for t in plan.teams for i in t.inspectors) == sorted(register.inspectors)
    _promises(plan, status)


@CITIES
@given(seed=st.integers(0, 10_000), draw_seed=st.binary(min_size=32, max_size=32))
def test_drawn_visits_go_with_the_drawn_team_in_the_drawn_month(
    seed: int, draw_seed: bytes
) -> None:
    plan, status = build(city(80, seed), draw_seed)
    assert plan.draws and len(plan.draws) == round(0.05 * len(planning.population(status, YEAR)))
    drawn: dict[str, list[planning.Visit]] = defaultdict(list)
    for v in sorted((v for v in plan.visits if v.drawn), key=lambda v: v.id):
        drawn[v.org].append(v)  # a firm's drawn visits, in the order of its draws
    assert sum(len(v) for v in drawn.values()) == len(plan.draws)
    for d in plan.draws:
        visit = drawn[d.firm].pop(0)
        assert d.scenario in visit.scenarios and visit.team == d.team
        assert visit.day is not None and visit.day.month == d.month
        assert status[(d.firm, d.scenario)].exempt_until is None
    _promises(plan, status)


def test_the_same_inputs_give_the_same_plan() -> None:
    first, _ = build(city(60, 11))
    second, _ = build(city(60, 11))
    assert [v.as_json() for v in first.visits] == [v.as_json() for v in second.visits]


def test_merging_cuts_visits_against_each_matter_apart() -> None:
    plan, status = build(city(400, 2026))
    summary = plan.summary()
    assert summary["reduction_vs_matter"] > 0.5
    _promises(plan, status)


def test_when_capacity_runs_out_the_plan_says_so_and_drops_nothing() -> None:
    def scarce(record: dict[str, Any]) -> None:
        if record["type"] == "inspector":
            record["visits_per_day"] = 1
            record["days_per_week"] = 1

    plan, status = build(city(300, 5, inspectors=8, edit=scarce))
    assert plan.unplaced
    assert plan.summary()["unplaced_visits"] == len(plan.unplaced)
    broken = planning.check(plan, RULES, status)
    lost = {t for v in plan.unplaced for t in v.tasks}
    assert lost and all(any(str(t) in line for line in broken) for t in lost)
    placed = {t for v in plan.visits for t in v.tasks}
    assert placed | lost == set(plan.tasks) and not placed & lost
