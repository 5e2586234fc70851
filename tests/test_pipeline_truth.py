"""The pipeline against the generator's answer key: every hard case format 1.1 forced into a
200-candidate world comes out of the pipeline as the statutes read by the CN rule set say it
must (the cases of the statutes' distinctions, the new record types, the patterns)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from fairscreen.pipeline import Application, Screening, screen
from fairscreen.policy.pack import load_pack
from fairscreen.rating.engine import default_ruleset_for
from fairscreen.sources.world import world_sources
from fairscreen.synth import generate_world
from fairscreen.synth.plan import FORCED_1_1
from fairscreen.world.load import load_world

PACK = load_pack()
RULES = default_ruleset_for(PACK)


@pytest.fixture(scope="module")
def screened(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[dict[str, Any], Screening]]:
    folder = tmp_path_factory.mktemp("truth")
    world, truth = folder / "w.jsonl", folder / "t.jsonl"
    generate_world(world, candidates=200, seed=2026, truth=truth)
    truths = {
        t["candidate"]: t
        for t in map(orjson.loads, truth.read_bytes().splitlines())
        if t["type"] == "candidate" and t["forced"] in {tag for tag, _ in FORCED_1_1}
    }
    out = {}
    with load_world(world) as store:
        positions = {p.id: p for p in store.positions()}
        sources = world_sources(store)
        for c in store.candidates():
            if c.id in truths:
                app = Application(
                    c, positions[c.applies_to], c.consent.agency if c.consent else None
                )
                s = screen(
                    app,
                    sources=sources,
                    pack=PACK,
                    ruleset=RULES,
                    as_of=store.header.as_of,
                    at=datetime(2026, 11, 28, tzinfo=UTC),
                )
                out[truths[c.id]["forced"]] = (truths[c.id], s)
    return out


def _record(ref: str) -> str:
    return ref.split(":", 1)[1].split("#")[0]


def _rules_on(screening: Screening, records: list[str]) -> set[str]:
    """The rules applied to a finding on one of ``records`` (or corroborated by one: a court's
    judgment behind a certificate's offence is one finding)."""
    sources = {
        f.ref: {_record(f.ref), *(_record(c) for c in f.corroborated_by)}
        for f in screening.findings
    }
    return {
        r["rule"]
        for r in screening.result()["reasons"]
        if any(sources[f] & set(records) for f in r["findings"])
    }


def _excluded(screening: Screening, records: list[str]) -> set[str]:
    return {e["why"] for e in screening.result()["excluded"] if _record(e["finding"]) in records}


EXPECT: dict[str, Callable[[Screening, list[str]], bool]] = {
    "admin_detentions:3": lambda s, r: "CN-SEC-03" in _rules_on(s, r),
    "admin_detentions:2": lambda s, r: (
        not _rules_on(s, r)
        and _excluded(s, r)
        <= {
            "not_job_relevant",
            "outside_lookback",
        }
    ),
    "admin_custody": lambda s, r: "CN-SEC-04" in _rules_on(s, r),
    "admin_minors_offence": lambda s, r: "CN-CHILD-02" in _rules_on(s, r),
    "admin_drug_use": lambda s, r: "CN-DRV-07" in _rules_on(s, r),
    "admin_penalty": lambda s, r: not _rules_on(s, r),
    "not_prosecuted": lambda s, r: _excluded(s, r) == {"no_adverse_outcome"},
    "negligent_conviction": lambda s, r: not _rules_on(s, r) & {"CN-SEC-01"},
    "exempted_conviction": lambda s, r: not _rules_on(s, r) & {"CN-SEC-01"},
    "probation_conviction:recent": lambda s, r: "CN-EXEC-03" in _rules_on(s, r),
    "probation_conviction:old": lambda s, r: not _rules_on(s, r) & {"CN-EXEC-01", "CN-EXEC-03"},
    "juvenile_conviction": lambda s, r: (
        not _rules_on(s, r) and _excluded(s, r) == {"sealed_by_law"}
    ),
    "arbitration_applicant": lambda s, r: not any(f.ref.split(":", 1)[1] in r for f in s.findings),
    "arbitration_respondent": lambda s, r: _rules_on(s, r) == {"CN-ARB-01"},
    "employer_confirms_unregistered": lambda s, r: "CN-EMP-01" not in _rules_on(s, r),
    "employer_denies": lambda s, r: _excluded(s, r) == {"unverified_single_source"},
    "hr_warnings_pattern": lambda s, r: _rules_on(s, r) == {"CN-HR-01"},
    "hr_warning_single": lambda s, r: (
        not _rules_on(s, r) and len(_excluded(s, r) & {"not_job_relevant", "outside_lookback"}) == 1
    ),
    "speeding_pattern": lambda s, r: "CN-DRV-08" in _rules_on(s, r),
    "credit_expired": lambda s, r: _excluded(s, r) == {"expired_by_law"},
}


def test_every_forced_case_of_format_1_1_is_expected() -> None:
    assert set(EXPECT) == {tag for tag, _ in FORCED_1_1}


@pytest.mark.parametrize("tag", sorted(EXPECT))
def test_a_forced_case_comes_out_as_the_statute_says(
    screened: dict[str, tuple[dict[str, Any], Screening]], tag: str
) -> None:
    truth, screening = screened[tag]
    assert screening.result()["status"] == "reported"
    records = truth["records"][tag]
    assert records or tag == "juvenile_conviction"
    assert EXPECT[tag](screening, records), (truth, screening.result())
