"""The counterfactual test: the shipped artefacts screen every candidate's variant (the other
sex, another age band, ethnicity, region code and name style) exactly as the candidate; and a
variant world that does change something the screening reads is caught, with the artefact
responsible."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from fairscreen.audit import counterfactual
from fairscreen.audit.registry import identity_matching, reference_screener
from fairscreen.synth import variants
from fairscreen.world.load import WorldStore


def _make(store: WorldStore, source: Path, target: Path) -> dict[str, variants.Variant]:
    return variants.make_variant_world(store, source, target, seed=1)


def test_no_light_reason_or_exclusion_changes(decided_world: tuple[Path, Path]) -> None:
    world, _ = decided_world
    outcome = counterfactual.run(world, _make)
    assert outcome.candidates == 600
    assert outcome.flips == [] and outcome.exclusion_changes == []
    assert outcome.crossed_age_bands > 300  # most variants land in another age band
    assert [m["kind"] for m in outcome.models] == [
        "policy_pack",
        "rule_set",
        "reference_screener",
        "identity_matching",
    ]


def test_the_reference_screener_alone_classifies_every_sentence_the_same(
    decided_world: tuple[Path, Path],
) -> None:
    world, _ = decided_world
    outcome = counterfactual.references_only(
        world, lambda store: variants.plan_variants(store, seed=1), variants.rewrite_reference
    )
    assert outcome.references > 500 and outcome.sentences > 2000
    assert outcome.flips == []
    assert outcome.model == reference_screener().ref


KEPT = {"world", "organisation", "position", "candidate", "demographics", "decision", "reference"}


def _unmatched(store: WorldStore, source: Path, target: Path) -> dict[str, variants.Variant]:
    """A broken variant world: the registers lose every record, so identity and every claim
    go unconfirmed for the variants."""
    made = variants.make_variant_world(store, source, target, seed=1)
    lines = [line for line in target.read_bytes().splitlines() if line.strip()]
    kept = [line for line in lines if orjson.loads(line)["type"] in KEPT]
    target.write_bytes(b"\n".join(kept) + b"\n")
    return made


def test_a_variant_the_screening_sees_differently_is_reported_with_the_artefact(
    decided_world: tuple[Path, Path],
) -> None:
    world, _ = decided_world
    outcome = counterfactual.run(world, _unmatched)
    assert outcome.flips  # every candidate with a red or yellow light, at least
    flip = outcome.flips[0]
    assert flip.before != flip.after
    assert set(flip.changes) == {"sex", "birth_year", "ethnicity", "region_code", "name_style"}
    assert identity_matching().ref in {a for f in outcome.flips for a in f.artefacts}


def test_a_rewrite_that_adds_a_forbidden_remark_is_caught(
    decided_world: tuple[Path, Path],
) -> None:
    world, _ = decided_world

    def rewrite(text: str, variant: Any) -> str:
        return text + (" She is pregnant." if text.isascii() else "她怀孕了。")

    outcome = counterfactual.references_only(
        world, lambda store: variants.plan_variants(store, seed=1), rewrite
    )
    assert outcome.flips
    assert all(f.index == -1 or f.after["kind"] == "forbidden" for f in outcome.flips)


def test_the_command_exits_0_with_no_flip_and_writes_its_report(
    decided_world: tuple[Path, Path], tmp_path: Path
) -> None:
    world, _ = decided_world
    report = tmp_path / "counterfactual.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairscreen",
            "audit",
            "counterfactual",
            "--world",
            str(world),
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 changed lights or reasons" in done.stdout
    result = orjson.loads(report.read_bytes())
    assert result["candidates"] == 600 and result["changed_lights_or_reasons"] == 0
    assert result["reference_screener"]["changed_sentences"] == 0
