"""Score the reference screener on a labelled batch of sentences (a blind batch).

Run:  .venv/bin/python -m bench.references_blind PATH.tsv [PATH.tsv ...]
      ... --show 20        print up to 20 misclassified sentences per (truth, screened) cell
      ... --json out.json  also write the figures as JSON

A batch is a TSV file in the corpus format (tests/verify/references_corpus.tsv): one line per
sentence, ``language<TAB>label<TAB>sentence``, where language is ``zh`` (Simplified), ``zht``
(Traditional) or ``en``, and label is ``neutral``, ``private_life``, ``misconduct:<category>``
or ``forbidden:<category>``, with ``+h`` appended when the sentence is second-hand (hearsay).
Lines starting with ``#`` and blank lines are skipped. A line may end with its full stop.

Each line is screened alone with ``screen_reference``. If the screener's split finds more than
one sentence in a line, the line is scored by its most severe remark (forbidden > private life >
misconduct > neutral, the screener's own precedence) and counted in ``split_lines``.

Printed: the confusion table (truth kind -> screened kind), precision and recall per kind, the
recall that the targets name (forbidden and private life together), category accuracy (of the
forbidden and misconduct sentences whose kind was found, the share with the right category),
hearsay accuracy (all sentences), and per category how many were found with the right kind and
the right category. The lexicon version is printed with the figures: record it with any score.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairscreen.verify.references import Remark, lexicon_version, screen_reference

KINDS = ("forbidden", "private_life", "misconduct", "neutral")
LANGUAGE = {"zh": "zh-Hans", "zht": "zh-Hant", "en": "en"}
SEVERITY = {kind: rank for rank, kind in enumerate(KINDS)}


class BatchError(ValueError):
    """A line of a batch file is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Line:
    where: str  # file:line
    language: str
    text: str
    kind: str
    category: str | None
    hearsay: bool


def read_batch(path: Path) -> list[Line]:
    lines = []
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        where = f"{path}:{number}"
        parts = raw.split("\t")
        if len(parts) != 3:
            raise BatchError(
                f"{where}: want language<TAB>label<TAB>sentence, got {len(parts)} fields"
            )
        language, label, text = parts
        if language not in LANGUAGE:
            raise BatchError(f"{where}: language {language!r} is not one of {sorted(LANGUAGE)}")
        hearsay = label.endswith("+h")
        kind, _, category = label.removesuffix("+h").partition(":")
        if kind not in KINDS:
            raise BatchError(f"{where}: label {label!r}: kind must be one of {KINDS}")
        if (kind in ("forbidden", "misconduct")) != bool(category):
            raise BatchError(f"{where}: label {label!r}: forbidden and misconduct need a category")
        lines.append(Line(where, LANGUAGE[language], text, kind, category or None, hearsay))
    return lines


def screen_line(line: Line) -> tuple[Remark, int]:
    """The line's remark (the most severe if the split finds several) and how many there were."""
    remarks = screen_reference(line.text, line.language)
    if not remarks:
        return Remark(0, "neutral", None, False), 0
    worst = min(remarks, key=lambda r: SEVERITY[r.kind])
    return worst, len(remarks)


@dataclass
class Score:
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    category_checked: int = 0
    category_right: int = 0
    hearsay_right: int = 0
    total: int = 0
    split_lines: int = 0
    by_category: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, outcome)
    wrong: list[tuple[Line, Remark]] = field(default_factory=list)

    def add(self, line: Line, remark: Remark, pieces: int) -> None:
        self.total += 1
        self.split_lines += pieces > 1
        self.confusion[(line.kind, remark.kind)] += 1
        self.hearsay_right += remark.hearsay == line.hearsay
        label = f"{line.kind}:{line.category}" if line.category else line.kind
        if remark.kind != line.kind:
            outcome = "wrong kind"
        elif line.category is None or remark.category == line.category:
            outcome = "right"
        else:
            outcome = "wrong category"
        self.by_category[(label, outcome)] += 1
        if remark.kind == line.kind and line.kind in ("forbidden", "misconduct"):
            self.category_checked += 1
            self.category_right += remark.category == line.category
        if (remark.kind, remark.category, remark.hearsay) != (
            line.kind,
            line.category,
            line.hearsay,
        ):
            self.wrong.append((line, remark))

    def truth(self, kind: str) -> int:
        return sum(n for (t, _), n in self.confusion.items() if t == kind)

    def found(self, kind: str) -> int:
        return sum(n for (_, s), n in self.confusion.items() if s == kind)

    def precision(self, kind: str) -> float:
        found = self.found(kind)
        return self.confusion[(kind, kind)] / found if found else 1.0

    def recall(self, kind: str) -> float:
        truth = self.truth(kind)
        return self.confusion[(kind, kind)] / truth if truth else 1.0

    def excluded_recall(self) -> float:
        """Forbidden and private-life sentences excluded under their own kind: the target's
        "recall of forbidden topics and private-life remarks"."""
        truth = self.truth("forbidden") + self.truth("private_life")
        right = self.confusion[("forbidden", "forbidden")]
        right += self.confusion[("private_life", "private_life")]
        return right / truth if truth else 1.0

    def summary(self) -> dict[str, Any]:
        return {
            "lexicon_version": lexicon_version(),
            "sentences": self.total,
            "split_lines": self.split_lines,
            "confusion": {
                t: {s: self.confusion[(t, s)] for s in KINDS if self.confusion[(t, s)]}
                for t in KINDS
            },
            "precision": {k: round(self.precision(k), 4) for k in KINDS},
            "recall": {k: round(self.recall(k), 4) for k in KINDS},
            "forbidden_and_private_life_recall": round(self.excluded_recall(), 4),
            "category_accuracy": round(self.category_right / self.category_checked, 4)
            if self.category_checked
            else None,
            "hearsay_accuracy": round(self.hearsay_right / self.total, 4) if self.total else None,
            "forbidden_or_private_life_as_misconduct": self.confusion[("forbidden", "misconduct")]
            + self.confusion[("private_life", "misconduct")],
            "by_category": {
                label: {o: n for (lab, o), n in sorted(self.by_category.items()) if lab == label}
                for label in sorted({lab for lab, _ in self.by_category})
            },
        }


def score(lines: Sequence[Line]) -> Score:
    s = Score()
    for line in lines:
        remark, pieces = screen_line(line)
        s.add(line, remark, pieces)
    return s


def render(s: Score, show: int = 0) -> str:
    out = [f"lexicon {lexicon_version()}, {s.total} sentences ({s.split_lines} split further)"]
    out.append("")
    out.append("| truth \\ screened | n | " + " | ".join(KINDS) + " |")
    out.append("|---|---:|" + "---:|" * len(KINDS))
    for t in KINDS:
        row = " | ".join(str(s.confusion[(t, k)]) for k in KINDS)
        out.append(f"| {t} | {s.truth(t)} | {row} |")
    out.append("")
    out.append("| kind | precision | recall |")
    out.append("|---|---:|---:|")
    for k in KINDS:
        out.append(f"| {k} | {s.precision(k):.3f} | {s.recall(k):.3f} |")
    out.append("")
    out.append(f"forbidden and private life, recall together: {s.excluded_recall():.3f}")
    if s.category_checked:
        out.append(
            f"category accuracy: {s.category_right / s.category_checked:.3f} "
            f"({s.category_right}/{s.category_checked})"
        )
    out.append(f"hearsay accuracy: {s.hearsay_right / s.total:.3f} ({s.hearsay_right}/{s.total})")
    unsafe = s.confusion[("forbidden", "misconduct")] + s.confusion[("private_life", "misconduct")]
    out.append(f"forbidden or private-life sentences read as misconduct: {unsafe}")
    out.append("")
    out.append("| label | n | right | wrong kind | wrong category |")
    out.append("|---|---:|---:|---:|---:|")
    for label in sorted({lab for lab, _ in s.by_category}):
        right = s.by_category[(label, "right")]
        kind = s.by_category[(label, "wrong kind")]
        cat = s.by_category[(label, "wrong category")]
        out.append(f"| {label} | {right + kind + cat} | {right} | {kind} | {cat} |")
    if show:
        cells: dict[tuple[str, str], list[tuple[Line, Remark]]] = {}
        for line, remark in s.wrong:
            cells.setdefault((line.kind, remark.kind), []).append((line, remark))
        for (t, k), items in sorted(cells.items()):
            out.append(f"\n{t} -> {k} ({len(items)})")
            for line, remark in items[:show]:
                want = f"{line.kind}:{line.category}{'+h' * line.hearsay}"
                got = f"{remark.kind}:{remark.category}{'+h' * remark.hearsay}"
                out.append(f"  {line.where}  want {want}, got {got}  {line.text}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("paths", nargs="+", type=Path, help="batch files (TSV)")
    parser.add_argument("--show", type=int, default=0, help="misclassified lines per cell")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    lines: list[Line] = []
    for path in args.paths:
        try:
            lines.extend(read_batch(path))
        except OSError as exc:
            parser.exit(2, f"error: cannot read {path}: {exc.strerror}\n")
        except (BatchError, UnicodeDecodeError) as exc:
            parser.exit(2, f"error: {exc}\n")
    if not lines:
        parser.exit(2, "error: no labelled lines in " + ", ".join(map(str, args.paths)) + "\n")
    s = score(lines)
    print(render(s, args.show))
    summary = s.summary()
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return summary


if __name__ == "__main__":
    main()
