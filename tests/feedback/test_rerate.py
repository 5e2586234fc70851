"""Re-rating from the sealed content: the same rule set, the same findings, the same screening
date give the same light as the pipeline did; a reinvestigation's outcome changes exactly the
disputed finding."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from fairscreen.feedback.rerate import rerate
from fairscreen.feedback.service import sniff
from fairscreen.pipeline import Application, screen
from fairscreen.policy.pack import load_pack
from fairscreen.rating.engine import default_ruleset_for
from fairscreen.screening.report import report_content
from fairscreen.screening.run import prepare
from fairscreen.synth import generate_world
from fairscreen.world.load import load_world

PACK = load_pack()
RULES = default_ruleset_for(PACK)
AT = datetime(2026, 11, 20, 10, tzinfo=UTC)
CHANGE = {"dispute": "d1"}


def _screened(tmp_path: Path) -> list[tuple[str, date, dict[str, Any]]]:
    path = tmp_path / "world.jsonl"
    generate_world(path, candidates=300, seed=5, as_of=date(2026, 11, 20))
    out = []
    with load_world(path) as world:
        setup = prepare(world)
        positions = {p.id: p for p in world.positions()}
        for c in world.candidates():
            s = screen(
                Application(c, positions[c.applies_to], c.consent.agency if c.consent else None),
                sources=setup.sources,
                pack=setup.pack,
                ruleset=setup.ruleset,
                as_of=setup.as_of,
                at=AT,
            )
            if not s.stopped:
                out.append((positions[c.applies_to].category, setup.as_of, report_content(s)))
    return out


def test_confirming_a_finding_gives_back_the_pipelines_rating(tmp_path: Path) -> None:
    reports = [
        r for r in _screened(tmp_path) if any(f["exclusion"] is None for f in r[2]["findings"])
    ]
    assert len(reports) >= 30
    lights = set()
    for category, as_of, content in reports:
        finding = next(f["ref"] for f in content["findings"] if f["exclusion"] is None)
        again = rerate(
            content,
            finding=finding,
            outcome="confirmed",
            correction=None,
            ruleset=RULES,
            category=category,
            as_of=as_of,
            change=CHANGE,
        )
        assert again["light"] == content["light"]
        assert again["reasons"] == content["reasons"]
        assert again["excluded"] == content["excluded"]
        assert again["changes"] == [CHANGE]
        lights.add(content["light"])
    assert {"yellow", "red"} <= lights


def _content(**finding: Any) -> dict[str, Any]:
    base = {
        "ref": "social_insurance:SI-1",
        "item": "employment",
        "source": "social_insurance",
        "status": "verified",
        "code": "employment_discrepancy",
        "subtype": "not_found",
        "occurred_on": None,
        "ongoing": False,
        "count": None,
        "authoritative": True,
        "exclusion": None,
        "provenance": {},
        "detail": {"employer": "示範雲計算有限公司"},
    }
    return {
        "v": 1,
        "light": "yellow",
        "reasons": [],
        "excluded": [],
        "not_checked": [],
        "findings": [{**base, **finding}],
        "queries": [],
    }


@pytest.mark.parametrize(
    ("outcome", "correction", "light", "rules"),
    [
        ("confirmed", None, "yellow", ["CN-EMP-01"]),
        ("deleted", None, "green", []),
        ("corrected", {"code": None}, "green", []),
        ("corrected", {"subtype": "dates_differ", "count": 3}, "blue", ["CN-EMP-03"]),
        ("corrected", {"subtype": "dates_differ", "count": 14}, "yellow", ["CN-EMP-02"]),
    ],
)
def test_each_outcome(
    outcome: str, correction: dict[str, Any] | None, light: str, rules: list[str]
) -> None:
    new = rerate(
        _content(),
        finding="social_insurance:SI-1",
        outcome=outcome,
        correction=correction,
        ruleset=RULES,
        category="software_engineering",
        as_of=date(2026, 11, 20),
        change=CHANGE,
    )
    assert new["light"] == light
    assert [r["rule"] for r in new["reasons"]] == rules
    if outcome == "deleted":
        assert new["findings"] == []
    if correction == {"code": None}:
        assert new["excluded"] == [
            {"finding": "social_insurance:SI-1", "why": "no_adverse_outcome"}
        ]


def test_a_correction_that_leaves_no_rule_excludes_the_finding_as_the_pipeline_does() -> None:
    new = rerate(
        _content(),
        finding="social_insurance:SI-1",
        outcome="corrected",
        correction={"subtype": "employer_name_differs"},
        ruleset=RULES,
        category="software_engineering",
        as_of=date(2026, 11, 20),
        change=CHANGE,
    )
    assert new["light"] == "green"
    assert new["findings"][0]["exclusion"] == "not_job_relevant"
    assert new["findings"][0]["detail"] is None


def test_a_negligent_crime_corrected_lifts_the_security_bar() -> None:
    conviction = {
        "ref": "courts:CR-1",
        "item": "criminal_record",
        "source": "courts",
        "status": "verified",
        "code": "criminal_conviction",
        "subtype": "traffic_accident",
        "occurred_on": "2019-05-02",
        "ongoing": False,
        "count": None,
        "culpability": "intentional",
        "penalty": "criminal_detention",
        "probation": False,
        "outside_lookback": False,
        "authoritative": True,
        "exclusion": None,
        "provenance": {},
        "detail": None,
    }
    content = {**_content(), "findings": [conviction]}

    def rated(correction: dict[str, Any] | None) -> dict[str, Any]:
        return rerate(
            content,
            finding="courts:CR-1",
            outcome="corrected" if correction else "confirmed",
            correction=correction,
            ruleset=RULES,
            category="security_guard",
            as_of=date(2026, 11, 20),
            change=CHANGE,
        )

    assert "CN-SEC-01" in [r["rule"] for r in rated(None)["reasons"]]
    corrected = rated({"culpability": "negligent"})
    assert "CN-SEC-01" not in [r["rule"] for r in corrected["reasons"]]
    assert corrected["findings"][0]["culpability"] == "negligent"


def test_documents_are_typed_by_their_content() -> None:
    assert sniff(b"%PDF-1.7\n...") == "application/pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0JFIF") == "image/jpeg"
    assert sniff("勞動合同 2024-05\n".encode()) == "text/plain"
    for bad in (
        b"<html><body>x</body></html>",
        b"  <!DOCTYPE html>",
        b"<svg onload=alert(1)>",
        b"MZ\x90\x00\x03",  # an executable
        b"\xff\xfe\x00\x01",
    ):
        assert sniff(bad) is None, bad
