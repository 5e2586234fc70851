"""Reference screening measured against the synthetic world generator's hidden labels.

The screener's own corpus (tests/verify/*.tsv) was written by the people who wrote the lexicon;
the world generator's reference sentences were written by someone else, and the generator records
the label of every sentence it writes in a truth file (a sidecar, never part of the world). This
script generates a world, screens every reference in it with ``screen_reference``, and compares
sentence by sentence.

Run:  .venv/bin/python -m bench.references_vs_generator --seed 77 --candidates 20000
      .venv/bin/python -m bench.references_vs_generator --seed 101 --seed 202   (held out)
      ... --show 20      print up to 20 misclassified sentences per (truth, screened) cell

Tune on one seed and report on others: a seed whose misclassified sentences were read while
the lexicon was tuned measures the lexicon's memory, not its reach.

The generator's labels are ``neutral``, ``positive`` (praise; neutral here), ``private_life``,
``misconduct:<category>`` and ``forbidden:<category>``, with a hearsay flag. Prints, per seed,
the confusion table (truth kind -> screened kind), precision and recall per kind, category
accuracy and the safety numbers the screener is held to, and writes
``bench/results/references_vs_generator.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fairscreen.synth import generate_world
from fairscreen.verify.references import lexicon_version, screen_reference, split_sentences

RESULTS = Path(__file__).parent / "results"
KINDS = ("forbidden", "private_life", "misconduct", "neutral")


@dataclass(frozen=True, slots=True)
class Sentence:
    truth: str  # kind
    truth_category: str | None
    truth_hearsay: bool
    kind: str  # as screened
    category: str | None
    hearsay: bool
    text: str
    language: str


@dataclass
class Comparison:
    """Sentence-level comparison of one world's references with its truth file."""

    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    category_checked: Counter[str] = field(default_factory=Counter)  # truth kind -> n
    category_right: Counter[str] = field(default_factory=Counter)
    hearsay_right: int = 0
    sentences: int = 0
    references: int = 0
    split_mismatches: int = 0
    screen_seconds: float = 0.0
    wrong: list[Sentence] = field(default_factory=list)

    def total(self, truth: str) -> int:
        return sum(n for (t, _), n in self.confusion.items() if t == truth)

    def share(self, truth: str, got: str) -> float:
        total = self.total(truth)
        return self.confusion[(truth, got)] / total if total else 0.0

    def recall(self, kind: str) -> float:
        return self.share(kind, kind) if self.total(kind) else 1.0

    def precision(self, kind: str) -> float:
        found = sum(n for (_, g), n in self.confusion.items() if g == kind)
        return self.confusion[(kind, kind)] / found if found else 1.0

    def summary(self) -> dict[str, Any]:
        return {
            "references": self.references,
            "sentences": self.sentences,
            "split_mismatches": self.split_mismatches,
            "screen_us_per_reference": round(self.screen_seconds / self.references * 1e6, 1)
            if self.references
            else None,
            "truth_counts": {k: self.total(k) for k in KINDS},
            "confusion": {
                t: {g: self.confusion[(t, g)] for g in KINDS if self.confusion[(t, g)]}
                for t in KINDS
            },
            "recall": {k: round(self.recall(k), 4) for k in KINDS},
            "precision": {k: round(self.precision(k), 4) for k in KINDS},
            "category_accuracy": {
                k: round(self.category_right[k] / self.category_checked[k], 4)
                for k in ("forbidden", "misconduct")
                if self.category_checked[k]
            },
            "hearsay_accuracy": round(self.hearsay_right / self.sentences, 4)
            if self.sentences
            else None,
            "safety": {
                "forbidden_as_misconduct": self.confusion[("forbidden", "misconduct")],
                "private_life_as_misconduct": self.confusion[("private_life", "misconduct")],
                "forbidden_excluded": round(
                    self.share("forbidden", "forbidden") + self.share("forbidden", "private_life"),
                    4,
                ),
                "neutral_as_private_life": round(self.share("neutral", "private_life"), 5),
                "neutral_as_forbidden": round(self.share("neutral", "forbidden"), 5),
            },
        }


def read_references(world: Path) -> dict[str, tuple[str, str]]:
    """reference id -> (text, language), from the world's JSON Lines."""
    texts: dict[str, tuple[str, str]] = {}
    with world.open(encoding="utf-8") as stream:
        for line in stream:
            if '"reference"' not in line:  # cheap filter before parsing
                continue
            record = json.loads(line)
            if record.get("type") == "reference":
                texts[record["id"]] = (record["text"], record["language"])
    return texts


def truth_references(truth: Path) -> Iterator[dict[str, Any]]:
    with truth.open(encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            if record.get("type") == "candidate":
                yield from record["references"]


def compare(world: Path, truth: Path, keep_wrong: int = 5000) -> Comparison:
    """Screen every reference of ``world`` and compare with the labels in ``truth``."""
    screen_reference("warm up", "en")  # the lexicon compiles once per process, not per world
    texts = read_references(world)
    result = Comparison()
    for ref in truth_references(truth):
        text, language = texts[ref["id"]]
        t0 = time.process_time()
        remarks = screen_reference(text, language)
        result.screen_seconds += time.process_time() - t0
        result.references += 1
        labels = ref["sentences"]
        if len(remarks) != len(labels):
            result.split_mismatches += 1
            continue
        pieces = split_sentences(text)
        for remark, label, piece in zip(remarks, labels, pieces, strict=True):
            kind, _, category = str(label["label"]).partition(":")
            kind = "neutral" if kind == "positive" else kind
            result.sentences += 1
            result.confusion[(kind, remark.kind)] += 1
            if kind in ("forbidden", "misconduct") and remark.kind == kind:
                result.category_checked[kind] += 1
                result.category_right[kind] += remark.category == category
            result.hearsay_right += remark.hearsay == bool(label["hearsay"])
            if (kind, category or None) != (remark.kind, remark.category) and len(
                result.wrong
            ) < keep_wrong:
                result.wrong.append(
                    Sentence(
                        kind,
                        category or None,
                        bool(label["hearsay"]),
                        remark.kind,
                        remark.category,
                        remark.hearsay,
                        piece,
                        language,
                    )
                )
    return result


def run_seed(seed: int, candidates: int, work: Path) -> Comparison:
    world, truth = work / f"world-{seed}.jsonl", work / f"truth-{seed}.jsonl"
    generate_world(world, candidates=candidates, seed=seed, truth=truth)
    return compare(world, truth)


def print_table(seed: int, candidates: int, c: Comparison) -> None:
    print(
        f"\nseed {seed}, {candidates:,} candidates: {c.references:,} references, "
        f"{c.sentences:,} sentences, lexicon {lexicon_version()}"
        + (f", {c.split_mismatches} split mismatches" if c.split_mismatches else "")
    )
    print(f"  {'truth':13} {'n':>7}   " + "  ".join(f"{k:>12}" for k in KINDS))
    for truth in KINDS:
        cells = "  ".join(f"{c.share(truth, got):>11.2%} " for got in KINDS)
        print(f"  {truth:13} {c.total(truth):>7}   {cells}")
    print(
        "  "
        + "  ".join(f"{k}: P {c.precision(k):.3f} R {c.recall(k):.3f}" for k in KINDS if c.total(k))
    )
    s = c.summary()
    print(f"  category accuracy {s['category_accuracy']}, hearsay accuracy {s['hearsay_accuracy']}")
    safety = s["safety"]
    print(
        f"  safety: forbidden->misconduct {safety['forbidden_as_misconduct']}, "
        f"private_life->misconduct {safety['private_life_as_misconduct']}, forbidden excluded "
        f"(forbidden or private life) {safety['forbidden_excluded']:.2%}, "
        f"neutral->private_life {safety['neutral_as_private_life']:.3%}"
    )
    print(f"  screening {s['screen_us_per_reference']} µs per reference (CPU)")


def print_wrong(c: Comparison, show: int) -> None:
    cells: dict[tuple[str, str], list[Sentence]] = {}
    for w in c.wrong:
        cells.setdefault((w.truth, w.kind), []).append(w)
    for (truth, got), items in sorted(cells.items(), key=lambda kv: -len(kv[1])):
        print(f"\n  {truth} -> {got} ({len(items)} kept):")
        seen: set[str] = set()
        for w in items:
            if w.text in seen:
                continue
            seen.add(w.text)
            print(
                f"    [{w.truth_category or '-'} -> {w.category or '-'}"
                f"{' h' if w.truth_hearsay else ''}] {w.text}"
            )
            if len(seen) >= show:
                break


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--seed", type=int, action="append", help="world seed; repeat for several (default 77)"
    )
    parser.add_argument("--candidates", type=int, default=20000, help="default 20,000")
    parser.add_argument(
        "--show", type=int, default=0, help="print up to N misclassified sentences per cell"
    )
    parser.add_argument(
        "--work-dir", type=Path, help="where the worlds are written (default: a temp dir)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS / "references_vs_generator.json",
        help="JSON results (default bench/results/references_vs_generator.json)",
    )
    args = parser.parse_args(argv)
    seeds = args.seed or [77]
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="refs-vs-gen-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for seed in seeds:
            comparison = run_seed(seed, args.candidates, work)
            print_table(seed, args.candidates, comparison)
            if args.show:
                print_wrong(comparison, args.show)
            runs.append({"seed": seed, "candidates": args.candidates, **comparison.summary()})
    result = {
        "benchmark": "references_vs_generator",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "lexicon_version": lexicon_version(),
        "runs": runs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    return result


if __name__ == "__main__":
    main()
