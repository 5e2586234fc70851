"""Screening a world picks the policy pack per organisation: each candidate is screened under the
law of the employer they apply to, and stored with the retention that pack sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

import fairscreen.models as m
from fairscreen.screening.run import prepare, screen_world
from fairscreen.vault import Vault
from fairscreen.world.load import WorldError, load_world
from tests.conftest import Database
from tests.ledger.full import verify_log
from tests.worlds import WorldBuilder


def _mixed() -> WorldBuilder:
    """A CN world with a US employer next to the CN one: the same conviction, two laws."""
    w = WorldBuilder()
    w.lines.insert(
        3,
        {
            "type": "organisation",
            "id": "E-US",
            "kind": "employer",
            "name": "Example Logistics Inc.",
            "jurisdiction": "US",
        },
    )
    w.lines.append(
        {
            "type": "position",
            "id": "P-US",
            "employer": "E-US",
            "title": "Clerk",
            "category": "general",
        }
    )
    cn = w.candidate("security_guard", name="周明")
    w.record(
        "licence_record",
        cn,
        kind="security_guard",
        number="SG1",
        status="valid",
        issued="2020-01-01",
    )
    us: dict[str, Any] = {
        "type": "candidate",
        "id": "C-US",
        "name": "Ana Rivera",
        "id_document": {"kind": "us_ssn", "number": "900-12-3401"},
        "birth_date": "1991-04-02",
        "applies_to": "P-US",
        "claims": {"education": [], "employment": []},
        "consent": {
            "id": "K-US",
            "items": ["identity", "criminal_record"],
            "separate_items": [],
            "purpose": "pre_employment_screening",
            "recipient": "E-US",
            "agency": "A1",
            "signed_at": "2026-11-01T09:00:00-08:00",
        },
    }
    w.lines.append(us)
    w.record("identity_record", us, status="valid")
    for person in (cn, us):
        w.court_case(
            "criminal",
            "theft",
            [w.party(person, sentence={"kind": "criminal_detention", "months": 3})],
            decided="2025-03-01",
        )
    return w


def test_each_candidate_is_screened_under_its_employers_jurisdiction(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    with _mixed().load(tmp_path) as store:
        setup = prepare(store)
        assert sorted(setup.by_jurisdiction) == ["CN", "US"]
        results = {r["candidate"]: r for r in screen_world(store, db.sessions, vault)}
    cn, us = results["C1"], results["C-US"]
    # 保安服務管理條例 第17條 bars the guard; the EEOC's guidance makes the clerk an assessment
    assert (cn["policy"], cn["ruleset"], cn["light"]) == ("cn@2026.2", "cn-rules@2026.2", "red")
    assert (us["policy"], us["ruleset"], us["light"]) == ("us@2026.1", "us-rules@2026.1", "yellow")
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.Report)) == 2
        policies = set(s.scalars(select(m.Report.policy)))
        assert policies == {"cn@2026.2", "us@2026.1"}
    assert verify_log(db.sessions).ok


def test_a_position_is_checked_against_its_employers_pack(tmp_path: Path) -> None:
    w = _mixed()
    position = next(line for line in w.lines if line.get("id") == "P-US")
    position["category"] = "security_guard"  # a CN category, not a US one
    try:
        load_world(w.write(tmp_path / "w.jsonl")).close()
    except WorldError as exc:
        assert "unknown position category 'security_guard' (policy pack us@2026.1" in str(exc)
    else:
        raise AssertionError("a US position with a CN category was accepted")


def test_a_batch_runs_with_fewer_collections_and_the_caller_with_its_own(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    # The cycle collector's thresholds are raised while a batch is screened and written, and
    # restored whenever control is back with the caller: between results, after the last, and
    # when the caller stops early.
    import gc

    from fairscreen.screening.run import _GC_THRESHOLDS

    before = gc.get_threshold()
    assert before != _GC_THRESHOLDS
    during: list[tuple[int, ...]] = []
    with _mixed().load(tmp_path) as store:
        results = screen_world(
            store,
            db.sessions,
            vault,
            batch_size=1,
            on_batch=lambda _: during.append(gc.get_threshold()),
        )
        first = next(results)
        assert gc.get_threshold() == before
        results.close()  # type: ignore[attr-defined]  # a generator
        assert gc.get_threshold() == before
        assert first["candidate"] and during == [_GC_THRESHOLDS]
        assert [r["candidate"] for r in screen_world(store, db.sessions, vault)] == ["C1", "C-US"]
    assert gc.get_threshold() == before
