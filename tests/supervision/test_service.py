"""Tiers, overrides and plans in the database (SQLite and PostgreSQL): the rules published on
the ledger, an override as a ledger event with no person on it, and the random draw that
anyone re-draws from the seed's entry; a tampered draw or seed is caught."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import func, select, update

from fairscreen.audit.models import ModelVersion
from fairscreen.kit.errors import InputError, NotFoundError
from fairscreen.ledger import log
from fairscreen.ledger.verify import verify_log
from fairscreen.models import LEDGER_RECORDS
from fairscreen.supervision import service
from fairscreen.supervision.models import (
    DrawSeed,
    FirmTier,
    InspectionPlan,
    PlanVisit,
    PlanVisitInspector,
)
from fairscreen.supervision.tiers import Tier, shipped_rules
from tests.conftest import Database
from tests.supervision.cities import AS_OF, YEAR, city

NOW = datetime(2026, 12, 31, 18, tzinfo=UTC)
RULES = shipped_rules()


@pytest.fixture
def tiered(db: Database) -> Database:
    with db.sessions.begin() as session:
        service.store_tiers(session, RULES, city(60, 4), AS_OF, now=NOW)
    return db


def test_tiers_are_stored_with_explanations_and_the_rules_published(tiered: Database) -> None:
    with tiered.sessions() as session:
        rows = session.scalars(select(FirmTier)).all()
        assert len(rows) == sum(len(f.scenarios) for f in city(60, 4).firms.values())
        for row in rows:
            terms = row.explanation["terms"]
            assert max(0, sum(t["points"] for t in terms)) == row.score
        published = session.scalars(select(ModelVersion)).one()
        assert (published.kind, published.ref, published.digest) == (
            "tier_rules",
            RULES.ref,
            RULES.digest,
        )
        entry = orjson.loads(log.read_entry(session, published.ledger_index))
        assert entry["attrs"]["digest"] == RULES.digest


def test_an_override_is_a_ledger_event_naming_no_person(tiered: Database) -> None:
    with tiered.sessions() as session:
        firm, scenario = sorted(service.effective_tiers(session))[0]
    with tiered.sessions.begin() as session:
        made = service.override(
            session,
            RULES,
            firm=firm,
            scenario=scenario,
            to="high",
            reason="new_evidence",
            inspector="staff-0001",
            now=NOW,
        )
    with tiered.sessions() as session:
        now = service.effective_tiers(session, firm=firm)[(firm, scenario)]
        assert now.tier is Tier.HIGH and now.as_json()["override"]["reason"] == "new_evidence"
        raw = log.read_entry(session, made.ledger_index)
    entry = orjson.loads(raw)
    assert entry["type"] == "tier.overridden" and entry["org"] == firm
    assert entry["attrs"] == {
        "scenario": scenario,
        "from": made.from_tier,
        "to": "high",
        "reason": "new_evidence",
    }
    assert b"staff-0001" not in raw
    report = verify_log(tiered.sessions, records=LEDGER_RECORDS)
    assert report.ok and report.records == 2  # the rules' entry and the override's


def test_an_override_needs_a_reason_code_of_the_rules(tiered: Database) -> None:
    with tiered.sessions() as session:
        firm, scenario = sorted(service.effective_tiers(session))[0]
    with tiered.sessions.begin() as session, pytest.raises(InputError, match="reason"):
        service.override(
            session,
            RULES,
            firm=firm,
            scenario=scenario,
            to="low",
            reason="felt",
            inspector="x",
            now=NOW,
        )
    with tiered.sessions.begin() as session, pytest.raises(NotFoundError):
        service.override(
            session,
            RULES,
            firm="nobody",
            scenario=scenario,
            to="low",
            reason="data_error",
            inspector="x",
            now=NOW,
        )


def test_an_upheld_appeal_sets_the_tier_on_the_ledger(tiered: Database) -> None:
    with tiered.sessions() as session:
        firm, scenario = sorted(service.effective_tiers(session))[0]
    with tiered.sessions.begin() as session:
        appeal = service.file_appeal(
            session,
            firm=firm,
            scenario=scenario,
            grounds="the complaint was withdrawn",
            by="s1",
            now=NOW,
        )
    with tiered.sessions.begin() as session:
        answered = service.answer_appeal(
            session, RULES, appeal.id, upheld=True, answer="agreed", tier="low", by="r1", now=NOW
        )
    assert answered.status == "upheld" and answered.override_id is not None
    with tiered.sessions() as session:
        now = service.effective_tiers(session, firm=firm)[(firm, scenario)]
        assert now.tier is Tier.LOW and now.as_json()["override"]["reason"] == "appeal_upheld"


def test_the_seed_is_on_the_ledger_before_the_draw_and_the_draw_reproduces(
    tiered: Database,
) -> None:
    stored, made, broken = service.make_and_store_plan(
        tiered.sessions, RULES, city(60, 4), YEAR, now=NOW
    )
    assert broken == [] and made.draws
    with tiered.sessions() as session:
        seed = session.get(DrawSeed, stored.seed_id)
        assert seed is not None and seed.ledger_index < stored.ledger_index
        entry = orjson.loads(log.read_entry(session, seed.ledger_index))
        assert entry["type"] == "draw.seeded" and entry["attrs"]["seed"] == seed.seed
        plan_entry = orjson.loads(log.read_entry(session, stored.ledger_index))
        assert plan_entry["attrs"]["seed_index"] == seed.ledger_index
        assert plan_entry["attrs"]["draw"] == stored.draw_digest
        visits = session.scalar(select(func.count()).select_from(PlanVisit))
        assert visits == len(made.visits)
        members = session.scalar(select(func.count()).select_from(PlanVisitInspector))
        assert members == sum(len(v.inspectors) for v in made.visits)
        again = service.redraw(session, stored.id)
    assert again.reproduced and again.draws == len(made.draws), again.problems
    assert again.seeds_for_year == 1
    assert verify_log(tiered.sessions, records=LEDGER_RECORDS).ok
    second, _, _ = service.make_and_store_plan(tiered.sessions, RULES, city(60, 4), YEAR, now=NOW)
    with tiered.sessions() as session:
        assert service.redraw(session, second.id).seeds_for_year == 2  # drawn again: visible


def test_a_tampered_draw_or_seed_is_caught(tiered: Database) -> None:
    stored, _, _ = service.make_and_store_plan(tiered.sessions, RULES, city(60, 4), YEAR, now=NOW)
    with tiered.sessions.begin() as session:
        draws = list(stored.draws)
        draws[0] = [draws[0][0], draws[0][1], draws[0][2], draws[0][3] % 12 + 1]
        session.execute(
            update(InspectionPlan).where(InspectionPlan.id == stored.id).values(draws=draws)
        )
    with tiered.sessions() as session:
        result = service.redraw(session, stored.id)
    assert not result.reproduced
    assert result.problems == ("the draw made again differs from the plan's stored draw",)
    with tiered.sessions.begin() as session:
        session.execute(
            update(DrawSeed).where(DrawSeed.id == stored.seed_id).values(seed="00" * 32)
        )
    with tiered.sessions() as session:
        result = service.redraw(session, stored.id)
    assert "ledger entry" in result.problems[0] and "does not commit" in result.problems[0]


def test_a_plan_needs_tiers_first(db: Database) -> None:
    with pytest.raises(NotFoundError, match="fairscreen supervision tiers"):
        service.make_and_store_plan(db.sessions, RULES, city(10, 1), YEAR, now=NOW)
