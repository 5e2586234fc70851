"""Tiers, overrides, appeals and plans in the database, and the re-draw anyone can run.

Plain functions over a session (the CLI and the routes call them):

- ``store_tiers``: compute every firm's standing from a register and the off-site signals
  stored for its firms (``feed``), store it with its explanation (which lists those signals), and publish the rules (the model registry: ``model.published``, kind
  ``tier_rules``) in the same transaction;
- ``override``: an inspector sets a tier, with a reason code of the rules: a ``tier.overridden``
  ledger entry (firm, scenario, from, to, reason: no person);
- ``file_appeal`` / ``answer_appeal``: the firm appeals, the regulator answers (upheld with a
  new tier is an override with reason ``appeal_upheld``);
- ``make_and_store_plan``: the seed of the draw goes on the ledger (``draw.seeded``, committed
  on its own) before the draw is made; then the plan and its visits are stored with a
  ``plan.published`` entry holding the digests of the draw and of the visits;
- ``redraw``: from the seed's ledger entry and the stored input, draw again and compare.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.audit.registry import Artefact, ensure_published
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.commitment import commit
from fairscreen.kit.errors import ConflictError, InputError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.ledger import log
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.supervision import plan as planning
from fairscreen.supervision.feed import with_offsite_signals
from fairscreen.supervision.models import (
    DrawSeed,
    FirmTier,
    InspectionPlan,
    PlanVisit,
    PlanVisitInspector,
    TierAppeal,
    TierOverride,
)
from fairscreen.supervision.register import Register
from fairscreen.supervision.tiers import Tier, TierRules, signals_counted, standing

RULES_KIND = "tier_rules"


def rules_artefact(rules: TierRules) -> Artefact:
    return Artefact(RULES_KIND, rules.ref, rules.digest)


# -- tiers --------------------------------------------------------------------------------------


def store_tiers(
    session: Session, rules: TierRules, register: Register, as_of: date, *, now: datetime
) -> dict[str, int]:
    """Compute and store every firm's standing on ``as_of``; return the count per tier (and
    ``exempt``). Runs in the caller's transaction."""
    ensure_published(session, [rules_artefact(rules)], now=now)
    register = with_offsite_signals(session, register, rules.scenarios)
    counts: dict[str, int] = {str(t): 0 for t in Tier} | {"exempt": 0}
    rows: list[dict[str, Any]] = []
    for firm in register.firms.values():
        for scenario in firm.scenarios:
            st = standing(rules, firm, scenario, as_of)
            counts[str(st.result.tier)] += 1
            counts["exempt"] += st.exempt
            explanation = st.result.explanation(rules)
            explanation["low_years"] = st.low_years
            explanation["exemption"] = st.because
            explanation["signals"] = signals_counted(rules, firm, scenario, as_of)
            rows.append(
                {
                    "id": new_id(),
                    "firm": firm.id,
                    "scenario": scenario,
                    "as_of": as_of,
                    "tier": str(st.result.tier),
                    "score": st.result.score,
                    "explanation": explanation,
                    "low_years": st.low_years,
                    "exempt_until": st.exempt_until if st.exempt else None,
                    "rules": rules.ref,
                    "computed_at": now,
                }
            )
            if len(rows) >= 5_000:
                session.execute(insert(FirmTier), rows)
                rows = []
    if rows:
        session.execute(insert(FirmTier), rows)
    return counts


@dataclass(frozen=True, slots=True)
class Effective:
    """A firm's tier under one scenario as it stands: the computed row and the latest override
    after it, if any."""

    computed: FirmTier
    override: TierOverride | None

    @property
    def tier(self) -> Tier:
        return Tier(self.override.to_tier if self.override else self.computed.tier)

    @property
    def exempt_until(self) -> date | None:
        return self.computed.exempt_until if self.tier is Tier.LOW else None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "firm": self.computed.firm,
            "scenario": self.computed.scenario,
            "tier": str(self.tier),
            "computed_tier": self.computed.tier,
            "score": self.computed.score,
            "as_of": self.computed.as_of.isoformat(),
            "rules": self.computed.rules,
            "exempt_until": self.exempt_until.isoformat() if self.exempt_until else None,
            "explanation": self.computed.explanation,
            "tier_id": self.computed.id,
            "override": None,
        }
        if self.override is not None:
            out["override"] = {
                "id": self.override.id,
                "to": self.override.to_tier,
                "reason": self.override.reason,
                "at": self.override.created_at.isoformat(),
                "ledger_index": self.override.ledger_index,
            }
        return out


def effective_tiers(
    session: Session, *, firm: str | None = None, as_of: date | None = None
) -> dict[tuple[str, str], Effective]:
    """The latest computed tier per (firm, scenario), with the latest override made after it;
    ``as_of`` keeps to tiers computed for that day."""
    query = select(FirmTier).order_by(FirmTier.as_of, FirmTier.computed_at, FirmTier.id)
    if firm is not None:
        query = query.where(FirmTier.firm == firm)
    if as_of is not None:
        query = query.where(FirmTier.as_of == as_of)
    latest: dict[tuple[str, str], FirmTier] = {}
    for row in session.scalars(query):
        latest[(row.firm, row.scenario)] = row
    overrides: dict[tuple[str, str], TierOverride] = {}
    oq = select(TierOverride).order_by(TierOverride.ledger_index)
    if firm is not None:
        oq = oq.where(TierOverride.firm == firm)
    for o in session.scalars(oq):
        computed = latest.get((o.firm, o.scenario))
        if computed is not None and o.created_at >= computed.computed_at:
            overrides[(o.firm, o.scenario)] = o
    return {key: Effective(row, overrides.get(key)) for key, row in latest.items()}


def override(
    session: Session,
    rules: TierRules,
    *,
    firm: str,
    scenario: str,
    to: str,
    reason: str,
    inspector: str,
    now: datetime,
) -> TierOverride:
    """Set a firm's tier under a scenario by hand, with a reason code of the rules file: a
    committed row and its ``tier.overridden`` entry, in the caller's transaction."""
    if reason not in rules.override_reasons:
        known = ", ".join(sorted(rules.override_reasons))
        raise InputError("reason", f"{reason!r} is not a reason code of {rules.ref} ({known})")
    try:
        target = Tier(to)
    except ValueError:
        raise InputError("tier", f"{to!r}: one of low, medium, high, critical") from None
    current = effective_tiers(session, firm=firm).get((firm, scenario))
    if current is None:
        raise NotFoundError(f"no tier for firm {firm} under {scenario}")
    row = {
        "id": new_id(),
        "firm": firm,
        "scenario": scenario,
        "tier_id": current.computed.id,
        "from_tier": str(current.tier),
        "to_tier": str(target),
        "reason": reason,
        "inspector": inspector,
        "created_at": now,
    }
    record(
        session,
        EventType.TIER_OVERRIDDEN,
        TierOverride,
        row,
        at=now,
        org=firm,
        ruleset=rules.ref,
        attrs={"scenario": scenario, "from": row["from_tier"], "to": str(target), "reason": reason},
    )
    made = session.get(TierOverride, row["id"])
    assert made is not None
    return made


# -- appeals ------------------------------------------------------------------------------------


def file_appeal(
    session: Session, *, firm: str, scenario: str, grounds: str, by: str, now: datetime
) -> TierAppeal:
    current = effective_tiers(session, firm=firm).get((firm, scenario))
    if current is None:
        raise NotFoundError(f"no tier for your organisation under {scenario}")
    appeal = TierAppeal(
        id=new_id(),
        firm=firm,
        scenario=scenario,
        tier_id=current.computed.id,
        grounds=grounds,
        filed_by=by,
        filed_at=now,
        status="open",
    )
    session.add(appeal)
    session.flush()
    return appeal


def answer_appeal(
    session: Session,
    rules: TierRules,
    appeal_id: str,
    *,
    upheld: bool,
    answer: str,
    tier: str | None,
    by: str,
    now: datetime,
) -> TierAppeal:
    """Answer an open appeal; upheld with a ``tier`` sets it (an override, ``appeal_upheld``)."""
    appeal = session.get(TierAppeal, appeal_id)
    if appeal is None:
        raise NotFoundError(f"no appeal {appeal_id}")
    if appeal.status != "open":
        raise ConflictError(f"appeal {appeal_id} was already answered ({appeal.status})")
    if tier is not None and not upheld:
        raise InputError("tier", "only an upheld appeal sets a tier")
    if tier is not None:
        made = override(
            session,
            rules,
            firm=appeal.firm,
            scenario=appeal.scenario,
            to=tier,
            reason="appeal_upheld",
            inspector=by,
            now=now,
        )
        appeal.override_id = made.id
    appeal.status = "upheld" if upheld else "dismissed"
    appeal.answer = answer
    appeal.answered_by = by
    appeal.answered_at = now
    session.flush()
    return appeal


def appeal_json(appeal: TierAppeal) -> dict[str, Any]:
    return {
        "id": appeal.id,
        "firm": appeal.firm,
        "scenario": appeal.scenario,
        "tier_id": appeal.tier_id,
        "grounds": appeal.grounds,
        "filed_at": appeal.filed_at.isoformat(),
        "status": appeal.status,
        "answer": appeal.answer,
        "answered_at": appeal.answered_at.isoformat() if appeal.answered_at else None,
        "override_id": appeal.override_id,
    }


# -- plans --------------------------------------------------------------------------------------


def statuses(session: Session, as_of: date) -> dict[tuple[str, str], planning.Status]:
    found = {
        key: planning.Status(e.tier, e.exempt_until)
        for key, e in effective_tiers(session, as_of=as_of).items()
    }
    if not found:
        raise NotFoundError(
            f"no tiers computed as of {as_of}: run `fairscreen supervision tiers --as-of {as_of}`"
        )
    return found


def seed_draw(
    sessions: sessionmaker[Session], given: Mapping[str, Any], *, now: datetime
) -> DrawSeed:
    """Make a seed and put it on the ledger with the digest of ``given`` (the draw's input),
    committed before anything is drawn."""
    seed = secrets.token_bytes(32)
    row = {
        "id": new_id(),
        "year": given["year"],
        "seed": seed.hex(),
        "population_digest": planning.input_digest(given),
        "rules": given["rules"],
        "share": given["share"],
        "created_at": now,
        "population": dict(given),
    }
    with sessions.begin() as session:
        record(
            session,
            EventType.DRAW_SEEDED,
            DrawSeed,
            row,
            at=now,
            ruleset=given["rules"],
            attrs={
                "year": given["year"],
                "seed": row["seed"],
                "input": row["population_digest"],
                "share": given["share"],
            },
        )
    with sessions() as session:
        made = session.get(DrawSeed, row["id"])
        assert made is not None
        return made


def visits_digest(visits: list[planning.Visit]) -> str:
    return hashlib.sha256(canonical_json([v.as_json() for v in visits])).hexdigest()


def make_and_store_plan(
    sessions: sessionmaker[Session],
    rules: TierRules,
    register: Register,
    year: int,
    *,
    now: datetime,
) -> tuple[InspectionPlan, planning.Plan, list[str]]:
    """The year's plan from the stored tiers (as of the day before the year starts): teams,
    the seed on the ledger, the draw, the visits; stored with its ``plan.published`` entry.
    Returns the stored plan, the plan, and what its invariant check found broken."""
    as_of = date(year - 1, 12, 31)
    with sessions() as session:
        status = statuses(session, as_of)
    missing = sorted({firm for firm, _ in status} - set(register.firms))
    if missing:
        raise InputError("register", f"tiers name firm {missing[0]}, which the register lacks")
    tasks = planning.due_tasks(rules, year, status)
    teams, team_figures = planning.form_teams(register, planning.demand_of(register, tasks))
    offices = {f.id: f.office for f in register.firms.values()}
    given = planning.draw_input(year, rules, planning.population(status, year), teams, offices)
    seed = seed_draw(sessions, given, now=now)
    draws = planning.draw(bytes.fromhex(seed.seed), given)
    made = planning.make_plan(rules, register, year, status, draws, teams)
    made.stats.update(team_figures)
    broken = planning.check(made, rules, status)
    made.stats["broken"] = len(broken)
    row = {
        "id": new_id(),
        "year": year,
        "rules": rules.ref,
        "seed_id": seed.id,
        "draw_digest": planning.draw_digest(draws),
        "visits_digest": visits_digest(made.visits),
        "created_at": now,
        "draws": [[d.firm, d.scenario, d.team, d.month] for d in draws],
        "summary": made.summary(),
    }
    with sessions.begin() as session:
        record(
            session,
            EventType.PLAN_PUBLISHED,
            InspectionPlan,
            row,
            at=now,
            ruleset=rules.ref,
            attrs={
                "year": year,
                "seed_index": seed.ledger_index,
                "draw": row["draw_digest"],
                "visits": row["visits_digest"],
                "count": len(made.visits),
            },
        )
        _store_visits(session, str(row["id"]), made.visits)
        stored = session.get(InspectionPlan, row["id"])
        assert stored is not None
    return stored, made, broken


def _store_visits(session: Session, plan_id: str, visits: list[planning.Visit]) -> None:
    rows: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    for v in visits:
        assert v.day is not None and v.team is not None
        rows.append(
            {
                "plan_id": plan_id,
                "id": v.id,
                "firm": v.org,
                "scenarios": list(v.scenarios),
                "skills": list(v.skills),
                "team": v.team,
                "inspectors": list(v.inspectors),
                "window_start": v.start,
                "window_end": date.fromordinal(v.end.toordinal() - 1),
                "day": v.day,
                "route_order": v.order,
                "drawn": v.drawn,
            }
        )
        members += [
            {"plan_id": plan_id, "visit_id": v.id, "inspector": i, "day": v.day}
            for i in v.inspectors
        ]
    for start in range(0, len(rows), 5_000):
        session.execute(insert(PlanVisit), rows[start : start + 5_000])
    for start in range(0, len(members), 5_000):
        session.execute(insert(PlanVisitInspector), members[start : start + 5_000])


def visit_json(v: PlanVisit) -> dict[str, Any]:
    return {
        "id": v.id,
        "firm": v.firm,
        "scenarios": v.scenarios,
        "skills": v.skills,
        "team": v.team,
        "inspectors": v.inspectors,
        "window": [v.window_start.isoformat(), v.window_end.isoformat()],
        "day": v.day.isoformat(),
        "order": v.route_order,
        "drawn": v.drawn,
    }


def get_plan(session: Session, plan_id: str) -> InspectionPlan:
    plan = session.get(InspectionPlan, plan_id)
    if plan is None:
        raise NotFoundError(f"plan {plan_id}: no such plan")
    return plan


def plan_day(session: Session, plan_id: str, day: date) -> dict[str, list[PlanVisit]]:
    """A day of the plan: each team's visits in route order (the API and the pages read it)."""
    get_plan(session, plan_id)
    teams: dict[str, list[PlanVisit]] = {}
    for v in session.scalars(
        select(PlanVisit)
        .where(PlanVisit.plan_id == plan_id, PlanVisit.day == day)
        .order_by(PlanVisit.team, PlanVisit.route_order)
    ):
        teams.setdefault(v.team, []).append(v)
    return teams


def plan_inspector(session: Session, plan_id: str, inspector: str) -> list[PlanVisit]:
    """One inspector's visits of the plan, by day and route order (404 if none)."""
    get_plan(session, plan_id)
    visits = list(
        session.scalars(
            select(PlanVisit)
            .join(
                PlanVisitInspector,
                (PlanVisitInspector.plan_id == PlanVisit.plan_id)
                & (PlanVisitInspector.visit_id == PlanVisit.id),
            )
            .where(PlanVisitInspector.plan_id == plan_id, PlanVisitInspector.inspector == inspector)
            .order_by(PlanVisit.day, PlanVisit.route_order)
        )
    )
    if not visits:
        raise NotFoundError(f"inspector {inspector}: no visits in plan {plan_id}")
    return visits


# -- re-draw ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Redraw:
    plan: str
    seed_index: int
    draws: int
    reproduced: bool
    problems: tuple[str, ...]
    seeds_for_year: int  # more than one: the year was drawn again, and the ledger shows it


def redraw(session: Session, plan_id: str) -> Redraw:
    """Draw a plan's 雙隨機 again from its seed's ledger entry and compare: the entry must
    commit to the stored seed row, the stored input must hash to the digest on the ledger,
    and the draw must equal the one the plan stored and committed to."""
    stored = session.get(InspectionPlan, plan_id)
    if stored is None:
        raise NotFoundError(f"no plan {plan_id} (see `fairscreen supervision plans`)")
    seed = session.get(DrawSeed, stored.seed_id)
    assert seed is not None
    problems: list[str] = []
    entry = canonical_from(log.read_entry(session, seed.ledger_index))
    attrs = entry.get("attrs", {})
    if entry.get("type") != str(EventType.DRAW_SEEDED):
        problems.append(f"ledger entry {seed.ledger_index} is not a draw.seeded entry")
    if entry.get("commitment") != commit(seed.commitment_salt, seed.committed_fields()):
        problems.append(f"ledger entry {seed.ledger_index} does not commit to the stored seed")
    if attrs.get("seed") != seed.seed or attrs.get("input") != seed.population_digest:
        problems.append("the stored seed or input digest differs from the ledger entry's")
    if planning.input_digest(seed.population) != attrs.get("input"):
        problems.append("the stored draw input does not hash to the digest on the ledger")
    if seed.ledger_index >= stored.ledger_index:
        problems.append("the seed entry is not before the plan's entry")
    again = planning.draw(bytes.fromhex(str(attrs.get("seed", ""))), seed.population)
    if planning.draw_digest(again) != stored.draw_digest:
        problems.append("the draw made again differs from the plan's committed draw")
    if [[d.firm, d.scenario, d.team, d.month] for d in again] != stored.draws:
        problems.append("the draw made again differs from the plan's stored draw")
    seeds = session.scalar(
        select(func.count()).select_from(DrawSeed).where(DrawSeed.year == seed.year)
    )
    return Redraw(
        plan_id, seed.ledger_index, len(again), not problems, tuple(problems), int(seeds or 0)
    )


def canonical_from(entry: bytes) -> dict[str, Any]:
    import orjson

    value = orjson.loads(entry)
    if not isinstance(value, dict):
        raise InputError("ledger", "an entry that is not a JSON object")
    return value
