"""Where the audit's records come from: a world file (screened in memory, with its decision
lines) and the database (sealed reports, sealed demographics, the feedback workflow's sealed
decisions). Demographics are read only with the candidate's separate audit consent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    LargeBinary,
    MetaData,
    String,
    Table,
    select,
)

from fairscreen.audit import records
from fairscreen.audit.rescreen import screen_store
from fairscreen.candidates.models import Candidate
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.db import UTCDateTime
from fairscreen.kit.ids import new_id
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from fairscreen.vault.models import DataKey
from fairscreen.world.load import load_world
from tests.conftest import Database
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


# The feedback workflow's table with the columns its model declares (fairscreen.feedback.models.
# Decision on the 'feedback' branch; its foreign keys left out): the audit reads it when it
# exists.
FEEDBACK = MetaData()
Table(
    "decisions",
    FEEDBACK,
    Column("id", String(32), primary_key=True),
    Column("request_id", String(32), unique=True),
    Column("report_id", String(32)),
    Column("decided_by", String(48)),
    Column("decided_at", UTCDateTime()),
    Column("content_ct", LargeBinary),
    Column("flags", JSON),
    Column("insisted", Boolean),
    Column("commitment_salt", LargeBinary(16)),
    Column("ledger_index", String(20)),
)


@pytest.mark.parametrize("outcome", ["hire", "not_hire"])
def test_stored_decisions_are_read_when_the_feedback_table_exists(
    db: Database, vault: Vault, tmp_path: Path, outcome: str
) -> None:
    _stored(db, vault, tmp_path)
    with db.sessions() as s:
        assert not records.has_decisions(s)
    FEEDBACK.create_all(db.engine, tables=[FEEDBACK.tables["decisions"]])
    decided_at = datetime(2026, 12, 3, 10, tzinfo=UTC)
    with db.sessions.begin() as s:
        request, report, key = s.execute(
            select(CheckRequest, Report, DataKey)
            .join(Report, Report.request_id == CheckRequest.id)
            .join(Candidate, Candidate.id == CheckRequest.candidate_id)
            .join(DataKey, DataKey.id == Candidate.data_key_id)
            .limit(1)
        ).one()
        sealer = vault.sealer(key.id, key.kek_version, key.wrapped)
        decision_id = new_id()
        content = {"outcome": outcome, "reasons": ["CN-EDU-01"]}
        s.execute(
            FEEDBACK.tables["decisions"].insert(),
            {
                "id": decision_id,
                "request_id": request.id,
                "report_id": report.id,
                "decided_by": "staff:test",
                "decided_at": decided_at,
                "content_ct": sealer.seal(
                    "decisions", "content_ct", decision_id, canonical_json(content)
                ),
                "flags": [],
                "insisted": False,
                "commitment_salt": b"\0" * 16,
                "ledger_index": "0",
            },
        )
    with db.sessions() as s:
        assert records.has_decisions(s)
        found = list(records.from_database(s, vault))
        window = list(records.from_database(s, vault, since=date(2026, 12, 1)))
    decided = [r for r in found if r.decision is not None]
    assert len(decided) == 1 and len(found) == 4
    assert decided[0].decision == {"hire": "hired", "not_hire": "rejected"}[outcome]
    assert decided[0].at == date(2026, 12, 3)  # the decision's date, not the report's
    assert window == decided  # the window is the decision's
