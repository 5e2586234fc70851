"""Reference screening speed: the working tree against an earlier revision, in one process.

Run:  .venv/bin/python -m bench.references_ab --baseline 1e4cdf1
      .venv/bin/python -m bench.references_ab --baseline HEAD~3 --corpus-from 1e4cdf1

This shared machine's speed drifts by ±20 % between runs, so a lexicon change is best judged
against the previous screener timed in the same process, on the same references, round for
round. The baseline's ``references.py`` and ``lexicon.toml`` are read from git and loaded as
a separate module. The references are built as bench/references.py builds them, from the
labelled corpus of the working tree or, with ``--corpus-from``, of an earlier revision (a
corpus that grew with the lexicon holds adverse sentences the old lexicon simply misses,
which makes the new one look slower for doing more work). Prints CPU microseconds per
reference, best of several rounds, and the ratio new / baseline.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tomllib
import types
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import references as bench
from fairscreen.verify import references as current

ROUNDS = 7
CORPUS_FILES = "tests/verify"


def git_show(revision: str, path: str) -> str:
    return subprocess.run(
        ["git", "show", f"{revision}:{path}"], capture_output=True, text=True, check=True
    ).stdout


def baseline_screener(revision: str) -> Callable[[str, str], object]:
    """``screen_reference`` as it was at ``revision``, with that revision's lexicon."""
    module = types.ModuleType("references_baseline")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    source = git_show(revision, "src/fairscreen/verify/references.py")
    exec(compile(source, f"{revision}:references.py", "exec"), module.__dict__)  # noqa: S102
    lexicon = module.compile_lexicon(
        tomllib.loads(git_show(revision, "src/fairscreen/verify/lexicon.toml"))
    )
    module.__dict__["_lexicon"] = lambda: lexicon
    screen: Callable[[str, str], object] = module.screen_reference
    return screen


def corpus_at(revision: str, into: Path) -> Path:
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", revision, f"{CORPUS_FILES}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for path in listing:
        if Path(path).name.startswith("references_") and path.endswith(".tsv"):
            (into / Path(path).name).write_text(git_show(revision, path), "utf-8")
    return into


def best_us(fn: Callable[[str, str], object], refs: Sequence[tuple[str, str]]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        t0 = time.process_time()
        for language, text in refs:
            fn(text, language)
        best = min(best, time.process_time() - t0)
    return best / len(refs) * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--baseline", default="HEAD", help="git revision to compare against")
    parser.add_argument(
        "--corpus-from", help="build the references from the corpus at this revision"
    )
    args = parser.parse_args(argv)
    old = baseline_screener(args.baseline)
    current.screen_reference("warm up", "en")
    old("warm up", "en")
    with tempfile.TemporaryDirectory() as tmp:
        if args.corpus_from:
            bench.CORPUS = corpus_at(args.corpus_from, Path(tmp))
        refs = bench.make_references(4000)
        clean = bench.make_references(2000, seed=8, adverse=0.0)
    print(
        f"screening µs per reference, best of {ROUNDS}: baseline {args.baseline} against the "
        f"working tree; references from the corpus at {args.corpus_from or 'the working tree'}"
    )
    print(f"{'refs':8} {'n':>5} {'baseline':>9} {'new':>7} {'new/base':>9}")
    for label, subset in [
        ("all", refs),
        ("zh-Hans", [r for r in refs if r[0] == "zh-Hans"]),
        ("zh-Hant", [r for r in refs if r[0] == "zh-Hant"]),
        ("en", [r for r in refs if r[0] == "en"]),
        ("clean", clean),
    ]:
        base, new = best_us(old, subset), best_us(current.screen_reference, subset)
        print(f"{label:8} {len(subset):>5} {base:>9.1f} {new:>7.1f} {new / base:>9.2f}")


if __name__ == "__main__":
    main()
