"""The reference screener against the world generator's hidden labels, on a held-out world.

The labelled corpus (test_references.py) was written by the lexicon's authors; the world
generator's reference sentences were written independently, and its truth file labels every
sentence. The lexicon was tuned on seed 77 only (bench/references_vs_generator.py); this test
generates a small world with a seed nobody tuned on and holds the screener to the safety
properties that matter to candidates, with margins rather than today's exact figures:

* no forbidden or private-life sentence becomes a misconduct finding (none, ever);
* forbidden sentences are excluded (recall near what was reached, see docs/references.md);
* ordinary work sentences are almost never flagged as private-life hearsay;
* a misconduct finding is almost always a misconduct sentence (a false one would be
  reported once a second source agrees).

No timing assertions: speed is measured by bench/references.py.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from fairscreen.synth import generate_world
from fairscreen.verify.references import screen_reference

SEED = 2026  # held out: never looked at while tuning
CANDIDATES = 2000
KINDS = ("forbidden", "private_life", "misconduct", "neutral")


@cache
def confusion(tmp: Path) -> Counter[tuple[str, str]]:
    """(truth kind, screened kind) -> sentences, over every reference of the world."""
    world, truth = tmp / "world.jsonl", tmp / "truth.jsonl"
    generate_world(world, candidates=CANDIDATES, seed=SEED, truth=truth)
    texts = {}
    for line in world.read_text("utf-8").splitlines():
        record = json.loads(line)
        if record["type"] == "reference":
            texts[record["id"]] = (record["text"], record["language"])
    counts: Counter[tuple[str, str]] = Counter()
    for line in truth.read_text("utf-8").splitlines():
        record = json.loads(line)
        if record["type"] != "candidate":
            continue
        for ref in record["references"]:
            remarks = screen_reference(*texts[ref["id"]])
            assert len(remarks) == len(ref["sentences"]), ref["id"]  # same sentence split
            for remark, sentence in zip(remarks, ref["sentences"], strict=True):
                kind = sentence["label"].split(":")[0]
                counts[("neutral" if kind == "positive" else kind, remark.kind)] += 1
    return counts


@pytest.fixture(scope="module")
def counts(tmp_path_factory: pytest.TempPathFactory) -> Counter[tuple[str, str]]:
    return confusion(tmp_path_factory.mktemp("held-out-world"))


def share(counts: Counter[tuple[str, str]], truth: str, *screened: str) -> float:
    total = sum(n for (t, _), n in counts.items() if t == truth)
    assert total > 0, f"the world has no {truth} sentences"
    return sum(counts[(truth, s)] for s in screened) / total


def test_the_world_has_every_kind(counts: Counter[tuple[str, str]]) -> None:
    for kind in KINDS:
        assert sum(n for (t, _), n in counts.items() if t == kind) >= 50, kind


def test_no_forbidden_or_private_life_sentence_becomes_misconduct(
    counts: Counter[tuple[str, str]],
) -> None:
    assert counts[("forbidden", "misconduct")] == 0
    assert counts[("private_life", "misconduct")] == 0


def test_forbidden_sentences_are_excluded(counts: Counter[tuple[str, str]]) -> None:
    # 100% on the tuned seed and on the held-out seeds 101 and 202 at 20,000 candidates;
    # the margin allows for a new template in the generator, not for a regression.
    assert share(counts, "forbidden", "forbidden") >= 0.97
    assert share(counts, "forbidden", "forbidden", "private_life") >= 0.97


def test_work_sentences_are_rarely_flagged_as_private_life(
    counts: Counter[tuple[str, str]],
) -> None:
    # Was 0.75% of all neutral sentences ("We did not interact much outside of work
    # matters"); each one put a false private-life hearsay flag on a referee in a report.
    assert share(counts, "neutral", "private_life") <= 0.001
    assert share(counts, "neutral", "forbidden") <= 0.002


def test_misconduct_findings_are_misconduct(counts: Counter[tuple[str, str]]) -> None:
    found = sum(n for (_, s), n in counts.items() if s == "misconduct")
    assert found > 0
    assert counts[("misconduct", "misconduct")] / found >= 0.98
    assert share(counts, "misconduct", "misconduct") >= 0.85
