"""Where the audit's records come from: a world file (screened in memory, with its decision
lines) and the database (sealed reports, sealed demographics, the feedback workflow's sealed
decisions). Demographics are read only with the candidate's separate audit consent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from fairscreen.audit import records
from fairscreen.audit.rescreen import screen_store
from fairscreen.feedback.models import Decision
from fairscreen.kit.settings import get_settings
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import BASE, CASES, Flow
from tests.worlds import WorldBuilder


def _lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def test_a_world_gives_a_record_per_candidate_with_consented_demographics_only(
    decided_world: tuple[Path, Path],
) -> None:
    world, _ = decided_world
    found = records.from_world(world)
    lines = _lines(world)
    candidates = [line for line in lines if line["type"] == "candidate"]
    demographics = {line["candidate"]: line for line in lines if line["type"] == "demographics"}
    decisions = {line["candidate"]: line for line in lines if line["type"] == "decision"}
    assert len(found) == len(candidates) == 600
    with load_world(world) as store:
        screened = list(screen_store(store))
    consented = 0
    for record, line, done in zip(found, candidates, screened, strict=True):
        demo = demographics.get(line["id"])
        if demo is not None and demo.get("audit_consent") is True:
            consented += 1
            assert record.sex == demo.get("sex") and record.region == demo.get("region")
            assert record.birth_year == demo.get("birth_year")
        else:
            assert (record.sex, record.birth_year, record.ethnicity, record.region) == (None,) * 4
        assert record.decision == decisions[line["id"]]["outcome"]
        assert record.at == date.fromisoformat(decisions[line["id"]]["decided"])
        result = done.result()
        assert record.light == result["light"]
        assert record.rules == tuple(r["rule"] for r in result["reasons"])
        assert record.category == done.application.position.category
    assert 0 < consented < len(demographics)  # some did not consent: nothing of theirs is read


def _world() -> WorldBuilder:
    w = WorldBuilder()
    for i, (sex, consent) in enumerate(
        [("female", True), ("male", False), ("female", None), ("male", True)]
    ):
        c = w.candidate("general_office", name=f"測試{i}")
        demo: dict[str, Any] = {
            "type": "demographics",
            "candidate": c["id"],
            "sex": sex,
            "birth_year": 1980 + i,
            "ethnicity": "Han",
            "region": "东江",
        }
        if consent is not None:
            demo["audit_consent"] = consent
        w.lines.append(demo)
    return w


def _stored(db: Database, vault: Vault, tmp_path: Path) -> list[dict[str, Any]]:
    with _world().load(tmp_path) as store:
        return list(
            screen_world(store, db.sessions, vault, at=datetime(2026, 11, 20, 9, tzinfo=UTC))
        )


def test_the_database_gives_sealed_lights_and_consented_demographics(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    results = _stored(db, vault, tmp_path)
    with db.sessions() as s:
        found = list(records.from_database(s, vault))
    assert len(found) == 4
    assert [r.light for r in found] == [r["light"] for r in results]
    assert {r.sex for r in found} == {"female", "male", None}
    shown = [(r.sex, r.birth_year) for r in found if r.sex is not None]
    assert sorted(shown) == [("female", 1980), ("male", 1983)]  # consent True only
    assert all(r.decision is None for r in found)  # no decision recorded
    assert all(r.employer == "E1" and r.agency == "A1" for r in found)
    assert all(r.at == date(2026, 11, 20) for r in found)


def test_organisation_and_window_choose_the_checks(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    _stored(db, vault, tmp_path)
    with db.sessions() as s:
        assert len(list(records.from_database(s, vault, organisation="A1"))) == 4
        assert list(records.from_database(s, vault, organisation="E9")) == []
        assert len(list(records.from_database(s, vault, since=date(2026, 11, 20)))) == 4
        assert list(records.from_database(s, vault, since=date(2026, 11, 21))) == []
        assert list(records.from_database(s, vault, until=date(2026, 11, 19))) == []


@pytest.fixture
def luo(db: Database, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The feedback workflow's world, the sandbox serving Ms Luo's records."""
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / "luo.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def test_a_decision_recorded_in_the_feedback_workflow_is_read(luo: World) -> None:
    """Through the real API: invited, consented, screened green, hired; the audit reads the
    light from the sealed report and the outcome from the sealed decision."""
    flow = Flow(luo, "luo", "general_office").run("C-LUO")
    with luo.db.sessions() as s:
        (before,) = list(records.from_database(s, luo.vault))
    assert before.light == "green" and before.decision is None
    hired = flow.staff("hiring_manager").post(
        f"{BASE}/checks/{flow.check_id}/decision", json={"outcome": "hire"}
    )
    assert hired.status_code == 201, hired.text
    with luo.db.sessions() as s:
        (after,) = list(records.from_database(s, luo.vault))
        assert s.scalar(select(func.count()).select_from(Decision)) == 1
    assert after.light == "green" and after.decision == "hired"
    assert after.category == "general_office" and after.rules == ()
    assert after.at == datetime.fromisoformat(hired.json()["decided_at"]).date()
    assert after.sex is None  # no demographics given online: nothing to show
