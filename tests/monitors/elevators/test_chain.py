"""The whole chain on a small simulated district: the planted firms, and only they, are
alerted; the signals raise their risk tiers, and the year's plan gives them a merged visit."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from fairscreen.monitors.elevators import service
from fairscreen.monitors.elevators.ingest import ingest
from fairscreen.monitors.elevators.models import ElevatorAlert
from fairscreen.monitors.elevators.records import parse
from fairscreen.monitors.elevators.rules import load_pack
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.plan import standings
from fairscreen.supervision.tiers import Tier, shipped_rules
from fairscreen.synth.elevators import planted, simulate
from tests.conftest import Database
from tests.supervision.cities import city

START = date(2026, 10, 20)
DAYS = 60
NOW = datetime(2026, 12, 19, tzinfo=UTC)
AS_OF = date(2026, 12, 31)
ORDER = [Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL]


def test_planted_firms_are_alerted_tiered_and_visited(db: Database) -> None:
    register = city(80, 1)
    plant = planted(24, 5, register)
    records = simulate(24, DAYS, 5, START, register)
    with db.sessions.begin() as session:
        ingest(session, ((f"sim:{i}", parse(r, f"sim:{i}")) for i, r in enumerate(records)))
        result = service.run(session, load_pack(), NOW)
    assert result.published and result.opened > 0
    with db.sessions() as session:
        alerts = session.scalars(select(ElevatorAlert)).all()
    by_rule: dict[str, set[str]] = {}
    for a in alerts:
        by_rule.setdefault(a.rule, set()).add(a.org)
    assert by_rule["elevators.maintenance_overdue"] == {plant.skipping_maintainer}
    assert by_rule["elevators.impossible_maintenance"] == {plant.impossible_maintainer}
    assert by_rule["elevators.inspection_overdue"] == {plant.lapsed_user_unit}
    faulty = {a.elevator for a in alerts if a.rule == "elevators.repeated_faults"}
    assert faulty == set(plant.faulty_elevators)

    # into supervision: tiers, then the plan for the next year
    rules = shipped_rules()
    with db.sessions.begin() as session:
        tiers_service.store_tiers(session, rules, register, AS_OF, now=NOW)
    with db.sessions() as session:
        tiers = tiers_service.effective_tiers(session)
    skipping = tiers[(plant.skipping_maintainer, "elevator")]
    keepers = sorted(f.id for f in register.firms.values() if f.scenarios[0] == "elevator")
    honest = [
        k for k in keepers if k not in (plant.skipping_maintainer, plant.impossible_maintainer)
    ]
    named = {s["rule"] for s in skipping.computed.explanation["signals"]}
    assert "elevators.maintenance_overdue" in named
    lapsed = tiers[(plant.lapsed_user_unit, "elevator")]
    assert "elevators.inspection_overdue" in {
        s["rule"] for s in lapsed.computed.explanation["signals"]
    }
    for firm in honest:
        other = tiers[(firm, "elevator")]
        assert not any(
            s["rule"].startswith("elevators.") for s in other.computed.explanation["signals"]
        )
    # the same firm's tier without the monitor's signals
    baseline = {key: st.result.tier for key, st in standings(rules, register, AS_OF).items()}
    assert ORDER.index(skipping.tier) > ORDER.index(
        baseline[(plant.skipping_maintainer, "elevator")]
    )
    assert ORDER.index(lapsed.tier) > ORDER.index(baseline[(plant.lapsed_user_unit, "elevator")])

    _, plan, broken = tiers_service.make_and_store_plan(db.sessions, rules, register, 2027, now=NOW)
    assert broken == []
    user = register.firms[plant.lapsed_user_unit]
    visits = [v for v in plan.visits if v.org == user.id and "elevator" in v.scenarios]
    assert visits, "the user unit with the lapsed inspections gets a visit"
    # a medium firm is visited at the sector baseline, more often than a low one
    assert len(visits) >= 2
    keeper_visits = [v for v in plan.visits if v.org == plant.skipping_maintainer]
    assert keeper_visits and all("elevator" in v.scenarios for v in keeper_visits)
    # 綜合查一次: each visit merges the scenario's matters (special equipment, work safety)
    assert any({"special_equipment", "work_safety"} <= set(v.skills) for v in keeper_visits)
