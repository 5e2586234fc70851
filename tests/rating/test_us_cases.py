"""The US pack and rule set on their own cases (tests/fixtures/cases/us-*.jsonl), through the
same pipeline and engine as the CN cases: nothing in either knows which jurisdiction it runs.
Each case is taken from the text the rule cites (docs/statutes.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fairscreen.pipeline import Application, screen
from fairscreen.policy.pack import default_pack_for
from fairscreen.rating.engine import default_ruleset_for
from fairscreen.sources.world import world_sources
from fairscreen.world.load import load_world

CASES = Path(__file__).parent.parent / "fixtures" / "cases"
US = default_pack_for("US")
RULES = default_ruleset_for(US)


def _screen(path: Path, position: str | None = None) -> dict[str, Any]:
    with load_world(path) as store:
        positions = {p.id: p for p in store.positions()}
        (cand,) = store.candidates()
        app = Application(cand, positions[position or cand.applies_to], "A-US")
        return screen(
            app,
            sources=world_sources(store),
            pack=US,
            ruleset=RULES,
            as_of=store.header.as_of,
            at=datetime(2026, 11, 20, 18, tzinfo=UTC),
        ).result()


def _applying(tmp_path: Path, case: str, position: str, items: list[str] | None = None) -> Path:
    lines = [json.loads(line) for line in (CASES / case).read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if line["type"] == "candidate":
            line["applies_to"] = position
            if items is not None:
                line["consent"]["items"] = items
    path = tmp_path / case
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return path


def test_the_us_pack_is_chosen_by_jurisdiction_and_is_data_only() -> None:
    assert US.ref == "us@2026.1" and RULES.ref == "us-rules@2026.1"
    assert all(rule.legal_basis in US.legal_bases for rule in RULES.rules)


def test_eeoc_a_recent_conviction_is_an_individualized_assessment_not_a_bar() -> None:
    result = _screen(CASES / "us-rivera.jsonl")
    assert result["light"] == "yellow"
    assert [(r["rule"], r["findings"]) for r in result["reasons"]] == [
        ("US-CRIM-01", ["court_records:CR-2024-118"])
    ]
    assert "42 U.S.C. §2000e-2" in result["reasons"][0]["legal_basis"]
    # an arrest that ended in dismissal never counts; an eleven-year-old conviction is past
    # the time elapsed the assessment weighs
    assert sorted(e["why"] for e in result["excluded"]) == [
        "no_adverse_outcome",
        "outside_lookback",
    ]


def test_fcra_1681c_a_civil_judgment_older_than_seven_years_is_not_reported(tmp_path: Path) -> None:
    under = _screen(CASES / "us-okafor.jsonl")
    assert under["light"] == "green"
    assert under["excluded"] == [{"finding": "court_records:CV-2018-442", "why": "expired_by_law"}]
    # §1681c(b)(3): at $75,000 a year or more the seven-year limit does not apply
    over = _screen(_applying(tmp_path, "us-okafor.jsonl", "P-DIRECTOR"))
    assert over["light"] == "blue" and over["reasons"][0]["rule"] == "US-CIV-01"


def test_fdia_19_a_dishonesty_conviction_bars_a_bank_whenever(tmp_path: Path) -> None:
    bank = _screen(CASES / "us-chen.jsonl")
    assert bank["light"] == "red" and bank["reasons"][0]["rule"] == "US-BANK-01"
    office = _screen(
        _applying(
            tmp_path,
            "us-chen.jsonl",
            "P-OFFICE",
            [
                "identity",
                "education",
                "employment",
                "professional_licence",
                "criminal_record",
                "reference",
            ],
        )
    )
    assert office["light"] == "green"
    assert office["excluded"] == [
        {"finding": "court_records:CR-2014-301", "why": "outside_lookback"}
    ]


def test_ca_12952_no_conviction_inquiry_before_a_conditional_offer(tmp_path: Path) -> None:
    before = _screen(CASES / "us-park.jsonl")
    assert before["light"] == "green" and before["excluded"] == []
    assert {"item": "criminal_record", "why": "not_allowed_for_position"} in before["not_checked"]
    after = _screen(_applying(tmp_path, "us-park.jsonl", "P-CA-POST"))
    assert after["light"] == "yellow" and after["reasons"][0]["rule"] == "US-CA-01"


def test_49_cfr_383_51_a_second_dui_disqualifies_a_commercial_driver_for_life(
    tmp_path: Path,
) -> None:
    result = _screen(CASES / "us-novak.jsonl")
    assert result["light"] == "red"
    (reason,) = result["reasons"]
    assert reason["rule"] == "US-CDL-01" and len(reason["findings"]) == 2
    # one DUI seven years ago: the one-year disqualification is over
    lines = (CASES / "us-novak.jsonl").read_text(encoding="utf-8")
    once = tmp_path / "once.jsonl"
    once.write_text(lines.replace('{"kind": "dui", "date": "2011-03-02"}, ', ""), "utf-8")
    assert _screen(once)["light"] == "green"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.glob("us-*.jsonl")))
def test_every_us_case_is_screened_under_the_us_pack_by_the_command(case: str) -> None:
    with load_world(CASES / case) as store:
        assert store.header.jurisdiction == "US"
    assert _screen(CASES / case)["policy"] == "us@2026.1"
