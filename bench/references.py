"""Reference screening speed, as ratios against baselines measured in the same run.

Run:  .venv/bin/python -m bench.references            (4,000 references)
      .venv/bin/python -m bench.references --quick    (1,000 references)

References are built from the labelled corpus (tests/verify/*.tsv): 2 to 6 sentences each,
about one sentence in six adverse (forbidden, private life or misconduct; so about half the
references hold one, far more than real ones), in Simplified, Traditional (OpenCC s2twp, Taiwan
vocabulary) and English, seeded; the "clean" row has no adverse sentence at all, the common
case. Times are CPU time (the machine is shared). Measured per reference:

1. ``screen_reference`` (the lexicon compiled beforehand, as in the pipeline);
2. baseline: one compiled regex ``search`` over the same text (``生活作风|personal life``), the
   cheapest screening anyone could write;
3. the normaliser alone (NFKC, OpenCC t2s, case-folding), the floor of any lexicon approach
   that covers both scripts;
4. the same lexicon without the anchor prefilter (every term of a kind in one alternation, run
   over the text), on a sample: why the prefilter exists.

Each figure is the best of several rounds. Prints a table and writes
``bench/results/references.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import time
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import opencc

from fairscreen.verify import references
from fairscreen.verify.references import lexicon_version, normalise, screen_reference

RESULTS = Path(__file__).parent / "results"
CORPUS = Path(__file__).parent.parent / "tests" / "verify"
ROUNDS = 5


def load_sentences() -> dict[str, dict[str, list[str]]]:
    """language -> "neutral" | "adverse" -> sentences."""
    s2twp = opencc.OpenCC("s2twp")
    out: dict[str, dict[str, list[str]]] = {
        lang: {"neutral": [], "adverse": []} for lang in ("zh-Hans", "zh-Hant", "en")
    }
    for path in sorted(CORPUS.glob("references_*.tsv")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            language, label, text = line.split("\t")
            group = "neutral" if label.startswith("neutral") else "adverse"
            if language == "zh":
                out["zh-Hans"][group].append(text)
                out["zh-Hant"][group].append(s2twp.convert(text))
            elif language == "zht":
                out["zh-Hant"][group].append(text)
            else:
                out["en"][group].append(text)
    return out


def make_references(n: int, seed: int = 7, adverse: float = 1 / 6) -> list[tuple[str, str]]:
    """(language, text) pairs: 2-6 sentences, each adverse with probability ``adverse``."""
    rnd = random.Random(seed)
    pool = load_sentences()
    languages = ("zh-Hans", "zh-Hant", "en")
    refs = []
    for i in range(n):
        language = languages[i % 3]
        sentences = [
            rnd.choice(pool[language]["adverse" if rnd.random() < adverse else "neutral"])
            for _ in range(rnd.randint(2, 6))
        ]
        end = ". " if language == "en" else "。"
        refs.append((language, end.join(sentences) + end.strip()))
    return refs


def per_item_us(fn: Callable[[str, str], object], refs: Sequence[tuple[str, str]]) -> float:
    """Best of ROUNDS passes over ``refs``, in CPU microseconds per reference (process time:
    other jobs on this shared machine slow the wall clock, not the work)."""
    best = float("inf")
    for _ in range(ROUNDS):
        t0 = time.process_time()
        for language, text in refs:
            fn(text, language)
        best = min(best, time.process_time() - t0)
    return best / len(refs) * 1e6


def without_prefilter() -> Callable[[str, str], object]:
    """Every term of each kind in one alternation, searched sentence by sentence."""
    lex = references._lexicon()
    by_kind: dict[str, list[str]] = {}
    for term in lex.terms:
        by_kind.setdefault(term.kind, []).append(term.pattern.regex)
    compiled = [re.compile("|".join(patterns)) for patterns in by_kind.values()]

    def screen(text: str, language: str) -> object:
        norm = normalise("\n".join(references.split_sentences(text)))
        return [[p.search(part) for p in compiled] for part in norm.split("\n")]

    return screen


def compile_seconds() -> float:
    text = resources.files("fairscreen.verify").joinpath("lexicon.toml").read_text("utf-8")
    data = tomllib.loads(text)
    t0 = time.perf_counter()
    references.compile_lexicon(data)
    return time.perf_counter() - t0


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1,000 references instead of 4,000")
    args = parser.parse_args(argv)
    n = 1000 if args.quick else 4000
    refs = make_references(n)
    clean = make_references(n // 2, seed=8, adverse=0.0)
    cold = compile_seconds()
    screen_reference("warm up", "en")  # the lexicon is compiled once per process

    baseline_re = re.compile("生活作风|personal life")

    def baseline(text: str, language: str) -> object:
        return baseline_re.search(text)

    def normaliser(text: str, language: str) -> object:
        return normalise(text)

    rows: list[dict[str, Any]] = []
    for label, subset in [
        ("all", refs),
        ("zh-Hans", [r for r in refs if r[0] == "zh-Hans"]),
        ("zh-Hant", [r for r in refs if r[0] == "zh-Hant"]),
        ("en", [r for r in refs if r[0] == "en"]),
        ("clean", clean),
    ]:
        base = per_item_us(baseline, subset)
        ours = per_item_us(screen_reference, subset)
        norm = per_item_us(normaliser, subset)
        rows.append(
            {
                "references": label,
                "n": len(subset),
                "mean_chars": round(sum(len(t) for _, t in subset) / len(subset), 1),
                "screen_us": round(ours, 2),
                "baseline_regex_us": round(base, 3),
                "ratio_to_baseline": round(ours / base, 1),
                "normalise_us": round(norm, 2),
                "ratio_to_normalise": round(ours / norm, 2),
            }
        )
    sample = refs[: max(60, n // 40)]
    naive = per_item_us(without_prefilter(), sample)
    ours_sample = per_item_us(screen_reference, sample)
    result = {
        "benchmark": "references",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "lexicon_version": lexicon_version(),
        "lexicon_terms": len(references._lexicon().terms),
        "lexicon_compile_s": round(cold, 3),
        "rows": rows,
        "without_prefilter": {
            "n": len(sample),
            "screen_us": round(ours_sample, 2),
            "all_terms_us": round(naive, 1),
            "speedup": round(naive / ours_sample, 1),
        },
        "references_per_s_one_core": round(1e6 / rows[0]["screen_us"]),
        "budget_note": "target: well under 50 us per reference (2 references per candidate "
        "at 1,000+ candidates/s)",
    }
    print(
        f"reference screening, lexicon {result['lexicon_version']} "
        f"({result['lexicon_terms']} terms, compiled in {cold:.2f} s), best of {ROUNDS}"
    )
    print(
        f"{'refs':8} {'n':>5} {'chars':>6} {'screen µs':>10} {'regex µs':>9} "
        f"{'× regex':>8} {'norm µs':>8} {'× norm':>7}"
    )
    for r in rows:
        print(
            f"{r['references']:8} {r['n']:>5} {r['mean_chars']:>6} {r['screen_us']:>10.1f} "
            f"{r['baseline_regex_us']:>9.2f} {r['ratio_to_baseline']:>8.1f} "
            f"{r['normalise_us']:>8.1f} {r['ratio_to_normalise']:>7.2f}"
        )
    wp = result["without_prefilter"]
    print(
        f"without the anchor prefilter ({wp['n']} refs): {wp['all_terms_us']:.0f} µs per "
        f"reference, {wp['speedup']}× slower than with it"
    )
    print(f"≈ {result['references_per_s_one_core']:,} references/s on one core")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "references.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    return result


if __name__ == "__main__":
    main()
