"""The inspection plan for a year: what is due, the random draw, 綜合查一次, teams, days, routes.

1. **Due tasks.** Each firm under each scenario has a tier (``tiers.standing``); each matter of
   the scenario is due ``tiers.per_year`` times, in equal windows of whole months (low risk: one
   per half year; medium: the sector baseline; high: above it). An exempt firm has no task in
   its exemption; a critical one also has a task in the first ``critical_within_days``.
2. **雙隨機.** A share of the firms (random firm-scenarios, not exempt) is drawn with a random
   team and a random month, from a seed put on the ledger before the draw
   (``draw``, a pure function: anyone with the seed entry and the published population
   re-draws it; ``fairscreen supervision redraw``).
3. **Teams.** Each office's inspectors are paired (one alone when the office is odd) to cover as
   many of the office's visits as possible: a max-weight partition solved with CP-SAT.
4. **綜合查一次.** Per firm, every task due in overlapping windows, across scenarios and
   matters, is merged into one visit (the fewest visit dates that hit every task window: the
   earliest-deadline rule, which is exact for this interval problem), by one team whose
   skills cover them all (split into the fewest teams, exactly, only when no team covers them).
5. **Weeks.** Visits are placed on (team, week) slots within their windows and the teams'
   capacity by a min-cost flow (OR-Tools), each visit preferring the team whose patch of the
   office's area it lies in; what cannot fit is reported, never dropped.
6. **Days and routes.** Each (team, week) is a vehicle-routing problem (OR-Tools routing): one
   route a working day from the home office, at most the team's visits a day.

``Visit`` is plain data (id, org, scenarios, team, window, day): what the inspection codes
sign. Docs: docs/supervision.md.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations, pairwise
from typing import Any

from fairscreen.kit.canonical import canonical_json
from fairscreen.supervision.register import Firm, Register
from fairscreen.supervision.tiers import (
    FREQUENCIES,
    Standing,
    Tier,
    TierRules,
    critical_by,
    per_year,
    standing,
)

DETOUR = 1.3  # street distance over straight-line distance
UNPLACED_COST = 10_000_000
SLOTS_PER_MONTH = 4  # days 1-7, 8-14, 15-21, 22-end: every slot inside one month
ROUTE_SEARCH_LIMIT = 200  # local-search solutions per route problem (deterministic, no clock)


# -- plain records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    """One matter of one scenario due at one firm in ``[start, end)``."""

    firm: str
    scenario: str
    skill: str
    start: date
    end: date
    reason: str  # the tier that made it due, or "urgent": a critical firm's first visit


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    office: str
    inspectors: tuple[str, ...]
    skills: frozenset[str]
    per_day: int
    days_per_week: int


@dataclass(frozen=True, slots=True)
class Draw:
    firm: str
    scenario: str
    team: str
    month: int  # 1..12


@dataclass(slots=True)
class Visit:
    """One visit: a firm, the scenarios and matters covered, one team, a window and a day."""

    id: str
    org: str  # the firm (an organisation) visited
    office: str
    scenarios: tuple[str, ...]
    skills: tuple[str, ...]
    start: date
    end: date  # exclusive
    tasks: tuple[Task, ...]
    team: str | None = None
    inspectors: tuple[str, ...] = ()
    day: date | None = None
    order: int = 0
    drawn: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org,
            "scenarios": list(self.scenarios),
            "skills": list(self.skills),
            "team": self.team,
            "inspectors": list(self.inspectors),
            "window": [self.start.isoformat(), (self.end - timedelta(days=1)).isoformat()],
            "day": self.day.isoformat() if self.day else None,
            "order": self.order,
            "drawn": self.drawn,
        }


@dataclass
class Plan:
    year: int
    rules: str
    tasks: list[Task]
    visits: list[Visit]
    teams: list[Team]
    draws: list[Draw]
    unplaced: list[Visit] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        separate = len(self.tasks)
        merged = len(self.visits) + len(self.unplaced)
        return {
            "year": self.year,
            "rules": self.rules,
            "tasks": separate,
            "visits_by_matter": separate,
            "visits_by_scenario": self.stats.get("visits_by_scenario", 0),
            "visits_merged": merged,
            "reduction_vs_matter": round(1 - merged / separate, 4) if separate else 0.0,
            "reduction_vs_scenario": (
                round(1 - merged / self.stats["visits_by_scenario"], 4)
                if self.stats.get("visits_by_scenario")
                else 0.0
            ),
            "unplaced_visits": len(self.unplaced),
            "drawn": len(self.draws),
            "teams": len(self.teams),
            "travel_km": round(self.stats.get("travel_m", 0) / 1000, 1),
            **{k: v for k, v in self.stats.items() if k not in ("visits_by_scenario", "travel_m")},
        }


# -- calendar -----------------------------------------------------------------------------------


def month_start(year: int, month: int) -> date:
    """The first day of ``month`` (1-based, may run past 12 into the next year)."""
    y, m = divmod(month - 1, 12)
    return date(year + y, m + 1, 1)


def windows(year: int, times: int) -> list[tuple[date, date]]:
    """``times`` equal windows of whole months over ``year``."""
    if times not in FREQUENCIES:
        raise ValueError(f"{times} a year does not split a year into whole months")
    step = 12 // times
    return [
        (month_start(year, 1 + k * step), month_start(year, 1 + (k + 1) * step))
        for k in range(times)
    ]


def slots(year: int) -> list[tuple[date, date]]:
    """The planning weeks: each month cut at days 8, 15 and 22."""
    out: list[tuple[date, date]] = []
    for month in range(1, 13):
        first = month_start(year, month)
        cuts = [first, first.replace(day=8), first.replace(day=15), first.replace(day=22)]
        cuts.append(month_start(year, month + 1))
        out.extend(pairwise(cuts))
    return out


def working_days(start: date, end: date) -> list[date]:
    return [
        start + timedelta(days=d)
        for d in range((end - start).days)
        if (start + timedelta(days=d)).weekday() < 5
    ]


# -- what is due --------------------------------------------------------------------------------


def standings(rules: TierRules, register: Register, as_of: date) -> dict[tuple[str, str], Standing]:
    """Every firm's standing under each of its scenarios on ``as_of``."""
    return {
        (firm.id, scenario): standing(rules, firm, scenario, as_of)
        for firm in register.firms.values()
        for scenario in firm.scenarios
    }


@dataclass(frozen=True, slots=True)
class Status:
    """What the plan needs of a firm's standing: its tier (after any override) and the end of
    its exemption, if it has one."""

    tier: Tier
    exempt_until: date | None = None


def due_tasks(rules: TierRules, year: int, status: Mapping[tuple[str, str], Status]) -> list[Task]:
    """Every task due in ``year`` (sorted), from each firm-scenario's tier and exemption."""
    tasks: list[Task] = []
    first = date(year, 1, 1)
    urgent_end = critical_by(rules, first - timedelta(days=1)) + timedelta(days=1)
    for (firm, scenario), st in sorted(status.items()):
        for skill, times in per_year(rules, scenario, st.tier).items():
            for start, end in windows(year, times):
                if st.exempt_until is not None and end <= st.exempt_until + timedelta(days=1):
                    continue
                tasks.append(Task(firm, scenario, skill, start, end, str(st.tier)))
            if st.tier is Tier.CRITICAL:
                tasks.append(Task(firm, scenario, skill, first, urgent_end, "urgent"))
    return tasks


# -- 雙隨機 -------------------------------------------------------------------------------------


def population(status: Mapping[tuple[str, str], Status], year: int) -> list[list[str]]:
    """The firm-scenarios the draw is made from: every one not exempt at the start of ``year``."""
    first = date(year, 1, 1)
    return [
        [firm, scenario]
        for (firm, scenario), st in sorted(status.items())
        if st.exempt_until is None or st.exempt_until < first
    ]


def draw_input(
    year: int,
    rules: TierRules,
    pairs: Sequence[Sequence[str]],
    teams: Sequence[Team],
    offices: Mapping[str, str],
) -> dict[str, Any]:
    """Everything the draw depends on but the seed, as plain JSON: the year, the rules, the
    share, each scenario's matters, the population (firm-scenario pairs), each drawn-from
    firm's office, and the teams with their skills. Its SHA-256 (``input_digest``) goes on the
    ledger with the seed, before the draw."""
    firms = sorted({p[0] for p in pairs})
    return {
        "year": year,
        "rules": rules.ref,
        "share": str(rules.frequency.random_share),
        "matters": {code: sorted(s.matters) for code, s in sorted(rules.scenarios.items())},
        "population": [list(p) for p in pairs],
        "offices": {firm: offices[firm] for firm in firms},
        "teams": [
            {
                "id": t.id,
                "office": t.office,
                "inspectors": list(t.inspectors),
                "skills": sorted(t.skills),
            }
            for t in sorted(teams, key=lambda t: t.id)
        ],
    }


def input_digest(given: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(given)).hexdigest()


def draw(seed: bytes, given: Mapping[str, Any]) -> list[Draw]:
    """雙隨機 from ``draw_input``: ``round(share * population)`` firm-scenarios drawn without
    replacement, each with a random month and a random team of its firm's office among those
    covering the scenario's matters (those covering the most, when none covers all). A pure
    function of the seed and the input: ``random.Random`` seeded with the seed bytes (a
    SHA-512 of them, the same in every Python 3)."""
    rng = random.Random(seed)
    pairs = given["population"]
    count = round(float(given["share"]) * len(pairs))
    chosen = sorted(rng.sample(range(len(pairs)), count))
    by_office: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for team in given["teams"]:
        by_office[team["office"]].append((team["id"], set(team["skills"])))
    out = []
    for index in chosen:
        firm, scenario = pairs[index]
        needed = set(given["matters"][scenario])
        candidates = by_office[given["offices"][firm]]
        best = max(len(needed & skills) for _, skills in candidates)
        qualified = [team for team, skills in candidates if len(needed & skills) == best]
        month = rng.randrange(12) + 1
        out.append(Draw(firm, scenario, qualified[rng.randrange(len(qualified))], month))
    return out


def draw_digest(draws: Sequence[Draw]) -> str:
    return hashlib.sha256(
        canonical_json([[d.firm, d.scenario, d.team, d.month] for d in draws])
    ).hexdigest()


# -- teams --------------------------------------------------------------------------------------


def form_teams(
    register: Register, demand: Mapping[str, Mapping[frozenset[str], int]]
) -> tuple[list[Team], dict[str, Any]]:
    """Pair each office's inspectors (one goes alone when odd) to maximise the visits a single team
    can cover (``demand``: per office, how many visits need each skill set). CP-SAT, single
    worker with a deterministic time budget, so the same register gives the same teams."""
    from ortools.sat.python import cp_model

    teams: list[Team] = []
    gaps: list[float] = []
    by_office: dict[str, list[str]] = defaultdict(list)
    for inspector in sorted(register.inspectors.values(), key=lambda i: i.id):
        by_office[inspector.office].append(inspector.id)
    for office in sorted(by_office):
        members = by_office[office]
        skills = {i: frozenset(register.inspectors[i].skills) for i in members}
        needs = demand.get(office, {})
        if len(members) == 1:
            groups: list[tuple[str, ...]] = [tuple(members)]
        else:
            options: list[tuple[str, ...]] = list(combinations(members, 2))
            if len(members) % 2:
                options += [(m,) for m in members]
            model = cp_model.CpModel()
            use = [model.new_bool_var(f"t{k}") for k in range(len(options))]
            for member in members:
                model.add_exactly_one(use[k] for k, o in enumerate(options) if member in o)
            if len(members) % 2:
                model.add(sum(use[k] for k, o in enumerate(options) if len(o) == 1) == 1)
            weights = []
            for option in options:
                union = frozenset().union(*(skills[i] for i in option))
                weights.append(
                    sum(n for need, n in needs.items() if need <= union) * 10 + len(union)
                )
            model.maximize(sum(w * u for w, u in zip(weights, use, strict=True)))
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.random_seed = 0
            solver.parameters.max_deterministic_time = 10.0
            result = solver.solve(model)
            if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                raise RuntimeError(f"no teams for office {office}: {solver.status_name(result)}")
            bound = solver.best_objective_bound
            gaps.append((bound - solver.objective_value) / bound if bound else 0.0)
            groups = [o for o, u in zip(options, use, strict=True) if solver.value(u)]
        for group in sorted(groups):
            people = [register.inspectors[i] for i in group]
            teams.append(
                Team(
                    id=f"T-{office}-{len(teams) + 1:03d}",
                    office=office,
                    inspectors=tuple(group),
                    skills=frozenset().union(*(skills[i] for i in group)),
                    per_day=min(p.visits_per_day for p in people),
                    days_per_week=min(p.days_per_week for p in people),
                )
            )
    return teams, {"team_solver_gap": round(max(gaps, default=0.0), 6)}


# -- 綜合查一次: merging a firm's tasks into visits ---------------------------------------------


def stab(tasks: Sequence[Task]) -> list[list[Task]]:
    """Group tasks into the fewest visit dates that hit every task's window: repeatedly take
    the earliest-ending open task and visit on its last day, which hits every open task whose
    window contains that day (exact for intervals on a line)."""
    groups: list[list[Task]] = []
    open_tasks = sorted(tasks, key=lambda t: (t.end, t.start, t.scenario, t.skill))
    while open_tasks:
        day = open_tasks[0].end - timedelta(days=1)
        hit = [t for t in open_tasks if t.start <= day < t.end]
        groups.append(hit)
        open_tasks = [t for t in open_tasks if not (t.start <= day < t.end)]
    return groups


def cover(skills: frozenset[str], teams: Sequence[Team]) -> list[Team] | None:
    """The fewest teams (by id order on ties) whose skills together cover ``skills``; None when
    even all of them cannot. Exact: tries one team, then pairs, then trios."""
    useful = [t for t in teams if t.skills & skills]
    for size in range(1, 4):
        for group in combinations(useful, size):
            if skills <= frozenset().union(*(t.skills for t in group)):
                return list(group)
    return None


def merge(
    firm: Firm,
    tasks: Sequence[Task],
    teams: Sequence[Team],
    draws: Sequence[Draw],
    year: int,
    matters: Mapping[str, Iterable[str]],
) -> tuple[list[Visit], list[Task]]:
    """The firm's visits: drawn visits first (each takes the firm's tasks its team covers whose
    window holds its month), then the fewest visits for the rest. Returns the visits and any
    task no team of the office can cover."""
    visits: list[Visit] = []
    left = list(tasks)
    by_id = {t.id: t for t in teams}
    for d in draws:
        team = by_id[d.team]
        start, end = month_start(year, d.month), month_start(year, d.month + 1)
        taken = [t for t in left if t.skill in team.skills and t.start <= start and end <= t.end]
        left = [t for t in left if t not in taken]
        visit = _visit(
            firm, f"{firm.id}-{year}-R{len(visits) + 1}", taken, start, end, d.scenario, team
        )
        visit.drawn = True
        visit.skills = tuple(sorted(set(visit.skills) | (set(matters[d.scenario]) & team.skills)))
        visits.append(visit)
    uncoverable: list[Task] = []
    for group in stab(left):
        start = max(t.start for t in group)
        end = min(t.end for t in group)
        needed = frozenset(t.skill for t in group)
        chosen = cover(needed, teams)
        if chosen is None:
            coverable = frozenset().union(*(t.skills for t in teams)) if teams else frozenset()
            uncoverable += [t for t in group if t.skill not in coverable]
            group = [t for t in group if t.skill in coverable]
            needed = frozenset(t.skill for t in group)
            chosen = cover(needed, teams) if group else []
            assert chosen is not None
        parts: dict[str, list[Task]] = defaultdict(list)
        for t in group:
            owner = next(team for team in chosen if t.skill in team.skills)
            parts[owner.id].append(t)
        for part in parts.values():
            visits.append(
                _visit(firm, f"{firm.id}-{year}-{len(visits) + 1}", part, start, end, None, None)
            )
    return visits, uncoverable


def _visit(
    firm: Firm,
    vid: str,
    tasks: Sequence[Task],
    start: date,
    end: date,
    scenario: str | None,
    team: Team | None,
) -> Visit:
    scenarios = sorted({t.scenario for t in tasks} | ({scenario} if scenario else set()))
    return Visit(
        id=vid,
        org=firm.id,
        office=firm.office,
        scenarios=tuple(scenarios),
        skills=tuple(sorted({t.skill for t in tasks})),
        start=start,
        end=end,
        tasks=tuple(tasks),
        team=team.id if team else None,
        inspectors=team.inspectors if team else (),
    )


# -- placing visits on weeks (min-cost flow) ----------------------------------------------------


def _distance(ax: float, ay: float, bx: float, by: float) -> int:
    return int(math.hypot(ax - bx, ay - by) * DETOUR)


def patches(register: Register, teams: Sequence[Team]) -> dict[str, tuple[float, float]]:
    """Each team's patch of its office's area, as a centre point: the office's firms sorted by
    bearing from the office and cut into as many equal wedges as the office has teams."""
    centre: dict[str, tuple[float, float]] = {}
    for office_id, office in register.offices.items():
        mine = [t for t in teams if t.office == office_id]
        if not mine:
            continue
        firms = sorted(
            (f for f in register.firms.values() if f.office == office_id),
            key=lambda f: (math.atan2(f.y - office.y, f.x - office.x), f.id),
        )
        for k, team in enumerate(mine):
            wedge = firms[k * len(firms) // len(mine) : (k + 1) * len(firms) // len(mine)] or firms
            if wedge:
                centre[team.id] = (
                    sum(f.x for f in wedge) / len(wedge),
                    sum(f.y for f in wedge) / len(wedge),
                )
            else:
                centre[team.id] = (float(office.x), float(office.y))
    return centre


def capacity(team: Team, start: date, end: date) -> int:
    days = len(working_days(start, end))
    return (days * team.days_per_week // 5) * team.per_day


def place(
    register: Register, visits: list[Visit], teams: Sequence[Team], year: int
) -> tuple[dict[str, tuple[str, int]], list[Visit], dict[str, Any]]:
    """Assign every visit a (team, slot) within its window, the team's skills and capacity, at
    the least total distance from each visit to its team's patch: a min-cost flow over classes
    of interchangeable visits. Returns visit id -> (team id, slot index), the visits that could
    not be placed, and the solver's figures."""
    from ortools.graph.python import min_cost_flow

    weeks = slots(year)
    centre = patches(register, teams)
    by_office: dict[str, list[Team]] = defaultdict(list)
    for team in teams:
        by_office[team.office].append(team)
    slot_of = {}
    for k, (start, _) in enumerate(weeks):
        slot_of[start] = k
    classes: dict[tuple[Any, ...], list[Visit]] = defaultdict(list)
    for visit in visits:
        firm = register.firms[visit.org]
        first = _first_slot(weeks, visit.start)
        last = _last_slot(weeks, visit.end)
        zone = (firm.x // 500, firm.y // 500)
        classes[(visit.office, visit.skills, first, last, zone, visit.team)].append(visit)
    team_index = {t.id: k for k, t in enumerate(teams)}
    n_slots = len(weeks)
    class_keys = sorted(classes, key=lambda k: (k[0], k[1], k[2], k[3], k[4], k[5] or ""))
    n_classes = len(class_keys)
    sink = n_classes + len(teams) * n_slots
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    for c, key in enumerate(class_keys):
        office, skills, first, last, zone, pinned = key
        supply = len(classes[key])
        zx, zy = zone[0] * 500 + 250, zone[1] * 500 + 250
        able = [
            t for t in by_office[office] if (t.id == pinned if pinned else set(skills) <= t.skills)
        ]
        for team in able:
            cost = _distance(zx, zy, *centre[team.id])
            for s in range(first, last + 1):
                tails.append(c)
                heads.append(n_classes + team_index[team.id] * n_slots + s)
                caps.append(supply)
                costs.append(cost)
        tails.append(c)
        heads.append(sink)
        caps.append(supply)
        costs.append(UNPLACED_COST)
    for team in teams:
        for s, (start, end) in enumerate(weeks):
            tails.append(n_classes + team_index[team.id] * n_slots + s)
            heads.append(sink)
            caps.append(capacity(team, start, end))
            costs.append(0)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    total = 0
    for c, key in enumerate(class_keys):
        flow.set_node_supply(c, len(classes[key]))
        total += len(classes[key])
    flow.set_node_supply(sink, -total)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the placement flow did not solve (status {status})")
    placed: dict[str, tuple[str, int]] = {}
    unplaced: list[Visit] = []
    queues = {key: list(classes[key]) for key in class_keys}
    for arc in range(flow.num_arcs()):
        amount = flow.flow(arc)
        if not amount:
            continue
        c, head = flow.tail(arc), flow.head(arc)
        if c >= n_classes:
            continue
        queue = queues[class_keys[c]]
        taken, queues[class_keys[c]] = queue[:amount], queue[amount:]
        if head == sink:
            unplaced += taken
            continue
        t, s = divmod(head - n_classes, n_slots)
        for visit in taken:
            placed[visit.id] = (teams[t].id, s)
    figures = {
        "placement_cost": flow.optimal_cost() - UNPLACED_COST * len(unplaced),
        "placement_gap": 0.0,
        "classes": n_classes,
        "arcs": len(tails),
    }
    return placed, unplaced, figures


def _first_slot(weeks: Sequence[tuple[date, date]], start: date) -> int:
    return next(k for k, (s, _) in enumerate(weeks) if s >= start)


def _last_slot(weeks: Sequence[tuple[date, date]], end: date) -> int:
    return max(k for k, (_, e) in enumerate(weeks) if e <= end)


# -- days and routes ----------------------------------------------------------------------------


def route(
    depot: tuple[int, int], points: Sequence[tuple[int, int]], days: int, per_day: int
) -> tuple[list[list[int]], int]:
    """Split ``points`` over at most ``days`` routes from and back to ``depot``, at most
    ``per_day`` stops each, as short as OR-Tools' routing solver finds them (cheapest-arc
    start, then a bounded local search: no clock, so the same input gives the same routes).
    Returns the stops of each day (indexes into ``points``) and the total length in metres."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    if not points:
        return [[] for _ in range(days)], 0
    nodes = [depot, *points]
    matrix = [[_distance(*a, *b) for b in nodes] for a in nodes]
    manager = pywrapcp.RoutingIndexManager(len(nodes), days, 0)
    routing = pywrapcp.RoutingModel(manager)

    transit = routing.RegisterTransitMatrix(matrix)  # evaluated in C++, no Python callback
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    load = routing.RegisterUnaryTransitVector([0] + [1] * len(points))
    routing.AddDimensionWithVehicleCapacity(load, 0, [per_day] * days, True, "stops")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.solution_limit = ROUTE_SEARCH_LIMIT
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise RuntimeError(f"no routes for {len(points)} stops in {days} day(s) of {per_day}")
    out: list[list[int]] = []
    for vehicle in range(days):
        stops = []
        index = routing.Start(vehicle)
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                stops.append(node - 1)
            index = solution.Value(routing.NextVar(index))
        out.append(stops)
    length: int = solution.ObjectiveValue()
    return out, length


def route_length(depot: tuple[int, int], points: Sequence[tuple[int, int]]) -> int:
    stops = [depot, *points, depot]
    return sum(_distance(*a, *b) for a, b in pairwise(stops))


def schedule(
    register: Register,
    visits: Sequence[Visit],
    placed: Mapping[str, tuple[str, int]],
    teams: Sequence[Team],
    year: int,
) -> int:
    """Give every placed visit its team, day and order on the day's route; return the total
    route length in metres."""
    weeks = slots(year)
    by_id = {t.id: t for t in teams}
    groups: dict[tuple[str, int], list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.id in placed:
            groups[placed[visit.id]].append(visit)
    total = 0
    for (team_id, s), group in sorted(groups.items()):
        team = by_id[team_id]
        start, end = weeks[s]
        days = working_days(start, end)[
            : max(1, len(working_days(start, end)) * team.days_per_week // 5)
        ]
        office = register.offices[team.office]
        group.sort(key=lambda v: v.id)
        points = [(register.firms[v.org].x, register.firms[v.org].y) for v in group]
        routes, length = route((office.x, office.y), points, len(days), team.per_day)
        total += length
        for day, stops in zip(days, routes, strict=True):
            for order, k in enumerate(stops, start=1):
                visit = group[k]
                visit.team, visit.inspectors, visit.day, visit.order = (
                    team.id,
                    team.inspectors,
                    day,
                    order,
                )
    return total


# -- the whole plan -----------------------------------------------------------------------------


def demand_of(register: Register, tasks: Sequence[Task]) -> dict[str, dict[frozenset[str], int]]:
    """Per office, how many visits (before teams) need each skill set."""
    by_firm: dict[str, list[Task]] = defaultdict(list)
    for t in tasks:
        by_firm[t.firm].append(t)
    out: dict[str, dict[frozenset[str], int]] = defaultdict(lambda: defaultdict(int))
    for firm, mine in by_firm.items():
        for group in stab(mine):
            out[register.firms[firm].office][frozenset(t.skill for t in group)] += 1
    return out


def visits_by_scenario(register: Register, tasks: Sequence[Task], teams: Sequence[Team]) -> int:
    """The visits if each scenario were planned on its own: its matters merged, no other
    scenario's, with the same teams (a group no one team covers takes the fewest teams)."""
    groups: dict[tuple[str, str], list[Task]] = defaultdict(list)
    for t in tasks:
        groups[(t.firm, t.scenario)].append(t)
    office_teams: dict[str, list[Team]] = defaultdict(list)
    for team in teams:
        office_teams[team.office].append(team)
    total = 0
    for (firm, _), mine in groups.items():
        local = office_teams[register.firms[firm].office]
        for group in stab(mine):
            chosen = cover(frozenset(t.skill for t in group), local)
            total += len(chosen) if chosen else 1
    return total


def make_plan(
    rules: TierRules,
    register: Register,
    year: int,
    status: Mapping[tuple[str, str], Status],
    draws: Sequence[Draw],
    teams: Sequence[Team],
) -> Plan:
    """The year's plan from the firms' statuses, the draw and the teams (see the module)."""
    tasks = due_tasks(rules, year, status)
    by_firm: dict[str, list[Task]] = defaultdict(list)
    for t in tasks:
        by_firm[t.firm].append(t)
    drawn_by_firm: dict[str, list[Draw]] = defaultdict(list)
    for d in draws:
        drawn_by_firm[d.firm].append(d)
    office_teams: dict[str, list[Team]] = defaultdict(list)
    for team in teams:
        office_teams[team.office].append(team)
    matters = {code: tuple(s.matters) for code, s in rules.scenarios.items()}
    visits: list[Visit] = []
    uncoverable: list[Task] = []
    for firm_id in sorted(set(by_firm) | set(drawn_by_firm)):
        firm = register.firms[firm_id]
        made, lost = merge(
            firm, by_firm[firm_id], office_teams[firm.office], drawn_by_firm[firm_id], year, matters
        )
        visits += made
        uncoverable += lost
    routine = [v for v in visits if not v.drawn]
    split = len(routine) - len({(v.org, v.start, v.end) for v in routine})
    placed, unplaced, figures = place(register, visits, teams, year)
    travel = schedule(register, visits, placed, teams, year)
    plan = Plan(
        year=year,
        rules=rules.ref,
        tasks=tasks,
        visits=[v for v in visits if v.id in placed],
        teams=list(teams),
        draws=list(draws),
        unplaced=unplaced,
    )
    plan.stats = {
        "visits_by_scenario": visits_by_scenario(register, tasks, teams),
        "split_visits": split,
        "travel_m": travel,
        "uncoverable_tasks": len(uncoverable),
        **figures,
    }
    return plan


def check(plan: Plan, rules: TierRules, status: Mapping[tuple[str, str], Status]) -> list[str]:
    """The plan's promises, checked from its visits: every due task is in exactly one visit on
    a day inside the task's window, done by a team holding its skill; no team has more visits a
    day than its capacity nor an inspector two teams; every high-risk (and critical) matter gets
    more visits than its sector baseline. Returns what is broken (empty: all hold)."""
    broken: list[str] = []
    seen: dict[Task, int] = defaultdict(int)
    team_skills = {t.id: t.skills for t in plan.teams}
    team_cap = {t.id: t.per_day for t in plan.teams}
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    for visit in plan.visits:
        if visit.day is None or visit.team is None:
            broken.append(f"visit {visit.id} has no day or team")
            continue
        per_day[(visit.team, visit.day)] += 1
        for task in visit.tasks:
            seen[task] += 1
            if not (task.start <= visit.day < task.end):
                broken.append(f"visit {visit.id} on {visit.day} is outside {task}")
            if task.skill not in team_skills[visit.team]:
                broken.append(f"team {visit.team} lacks {task.skill} for visit {visit.id}")
    for task in plan.tasks:
        if seen[task] != 1:
            broken.append(f"task {task} is in {seen[task]} visits")
    for (team_id, day), n in per_day.items():
        if n > team_cap[team_id]:
            broken.append(f"team {team_id} has {n} visits on {day} (capacity {team_cap[team_id]})")
    members: dict[str, str] = {}
    for team in plan.teams:
        for inspector in team.inspectors:
            if inspector in members:
                broken.append(f"inspector {inspector} is in {members[inspector]} and {team.id}")
            members[inspector] = team.id
    count: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for visit in plan.visits:
        for task in visit.tasks:
            count[(task.firm, task.scenario, task.skill)].add(visit.id)
    for (firm, scenario), st in status.items():
        if st.tier in (Tier.HIGH, Tier.CRITICAL):
            for skill, baseline in rules.scenarios[scenario].matters.items():
                if len(count[(firm, scenario, skill)]) <= baseline:
                    broken.append(
                        f"{firm} {scenario} {skill}: {len(count[(firm, scenario, skill)])} visits, baseline {baseline}"
                    )
    return broken
