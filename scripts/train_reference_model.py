"""An experiment: a small model as a backup to the reference lexicon, trained and measured.

Not part of the screener. docs/references.md ("A model was tried") records what it measured and
why it is not shipped; this script lets anyone repeat that.

Run:  .venv/bin/pip install scikit-learn                  (development only, not a dependency)
      .venv/bin/python scripts/train_reference_model.py --holdout references_variants6.tsv
          train without that corpus file and print its scores: the model alone, and the
          screener with the model as its backup (``_screen``'s hook: the model may only label a
          sentence in which the lexicon found no adverse term)
      .venv/bin/python scripts/train_reference_model.py --world-seed 77 --world-candidates 3000
          also count the ordinary (neutral) sentences of a generated world that the model would
          flag; the world is only measured, never trained on
      .venv/bin/python scripts/train_reference_model.py
          train on everything and write bench/results/reference_model.json

The training data is the labelled corpus, tests/verify/references_*.tsv (hand-written and
blind-batch sentences; never the world generator's sentences), and ``--generated`` ordinary
neutral sentences from scripts/reference_model_neutral.py (the corpus is adversarial on purpose
and holds too little plain praise); each Simplified line is also converted to Taiwan
Traditional (OpenCC s2twp). Sentences go through the screener's ``normalise`` and the model's
``features`` (scripts/reference_model.py): counts of Chinese characters and ASCII words. Two
scikit-learn ``LogisticRegression`` models (adverse or not; which label) are fitted; weights
smaller than ``--prune`` are dropped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

sys.path.insert(0, str(ROOT / "scripts"))
from reference_model import FORMAT, features, load_model  # noqa: E402
from reference_model_neutral import sentences as neutral_sentences  # noqa: E402

from fairscreen.verify.references import _screen, normalise  # noqa: E402

CORPUS = ROOT / "tests" / "verify"
OUT = ROOT / "bench" / "results" / "reference_model.json"
KINDS = ("forbidden", "private_life", "misconduct", "neutral")
SEVERITY = {kind: rank for rank, kind in enumerate(KINDS)}
LANGUAGE = {"zh": "zh-Hans", "zht": "zh-Hant", "en": "en"}
ENDS = "。！？!?."


def read(path: Path) -> list[tuple[str, str, str]]:
    """(language, label without +h, text) per line of a corpus file."""
    out = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in LANGUAGE:
            sys.exit(f"{path.name}:{number}: want language<TAB>label<TAB>sentence")
        language, label, text = parts
        out.append((LANGUAGE[language], label.removesuffix("+h"), text.strip().rstrip(ENDS)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--holdout", action="append", default=[], help="corpus file to leave out")
    parser.add_argument("--C", type=float, default=16.0, help="inverse L2 regularisation")
    parser.add_argument("--margin", type=float, default=1.0, help="log-odds over neutral")
    parser.add_argument("--prune", type=float, default=0.05, help="drop smaller weights")
    parser.add_argument("--threshold", type=float, default=0.0, help="binary log-odds")
    parser.add_argument(
        "--generated", type=int, default=4000, help="ordinary neutral sentences to add"
    )
    parser.add_argument("--world-seed", type=int, help="measure flags on a generated world")
    parser.add_argument("--world-candidates", type=int, default=3000)
    args = parser.parse_args()
    try:
        from sklearn.feature_extraction.text import (  # type: ignore[import-untyped]
            CountVectorizer,
        )
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    except ImportError:
        sys.exit("scikit-learn is needed to train: .venv/bin/pip install -e '.[train]'")

    s2twp = opencc.OpenCC("s2twp")
    files = sorted(CORPUS.glob("references_*.tsv"))
    train: list[tuple[str, str]] = []
    held: list[tuple[str, str, str]] = []
    for path in files:
        rows = read(path)
        if path.name in args.holdout:
            held.extend(rows)
            continue
        for language, label, text in rows:
            train.append((normalise(text), label))
            if language == "zh-Hans":
                train.append((normalise(s2twp.convert(text)), label))
    generated = list(neutral_sentences(args.generated))
    for language, text in generated:
        train.append((normalise(text), "neutral"))
        if language == "zh-Hans":
            train.append((normalise(s2twp.convert(text)), "neutral"))
    vectoriser = CountVectorizer(analyzer=features, min_df=2)
    matrix = vectoriser.fit_transform([norm for norm, _ in train])
    classifier = LogisticRegression(C=args.C, max_iter=5000)
    classifier.fit(matrix, [label for _, label in train])
    binary = LogisticRegression(C=args.C, max_iter=5000)
    binary.fit(matrix, [label != "neutral" for _, label in train])
    labels = [str(c) for c in classifier.classes_]
    names = vectoriser.get_feature_names_out()
    weights: dict[str, list[float]] = {}
    for j, name in enumerate(names):
        flat: list[float] = []
        for i in range(len(labels)):
            w = float(classifier.coef_[i, j])
            if abs(w) >= args.prune:
                flat.extend([i, round(w, 4)])
        if flat:
            weights[str(name)] = flat
    binary_weights = {
        str(name): round(float(w), 4)
        for name, w in zip(names, binary.coef_[0], strict=True)
        if abs(w) >= args.prune
    }
    model = {
        "format": FORMAT,
        "version": datetime.now(UTC).strftime("%Y.%m.%d"),
        "kind": "logistic regressions (binary and multinomial) on character and word counts",
        "labels": labels,
        "intercepts": [round(float(b), 4) for b in classifier.intercept_],
        "margin": args.margin,
        "trained_on": {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files
            if p.name not in args.holdout
        },
        "training_sentences": len(train),
        "generated_neutral": args.generated,
        "label_counts": dict(sorted(Counter(label for _, label in train).items())),
        "C": args.C,
        "prune": args.prune,
        "weights": weights,
        "binary": {
            "intercept": round(float(binary.intercept_[0]), 4),
            "threshold": args.threshold,
            "weights": binary_weights,
        },
    }
    if held:
        report(model, held)
    if args.world_seed is not None:
        world_flags(model, args.world_seed, args.world_candidates)
    if held or args.world_seed is not None:
        return
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(weights)} features, {len(labels)} labels")


def report(model: dict[str, object], held: list[tuple[str, str, str]]) -> None:
    """Scores on the held-out lines: the model alone, and the screener with this model."""
    candidate = load_model(json.dumps(model), "candidate")
    alone: Counter[tuple[str, str]] = Counter()
    union: Counter[tuple[str, str]] = Counter()
    for language, label, text in held:
        truth = label.split(":")[0]
        norm = normalise(text)
        guess = candidate.predict(norm)
        alone[(truth, guess.split(":")[0] if guess else "neutral")] += 1
        remarks = _screen(text, language, candidate.predict)
        worst = min(remarks, key=lambda r: SEVERITY[r.kind]).kind if remarks else "neutral"
        union[(truth, worst)] += 1
    for name, table in (("model alone", alone), ("screener", union)):
        cells = []
        for kind in KINDS:
            tp = table[(kind, kind)]
            found = sum(n for (_, g), n in table.items() if g == kind)
            relevant = sum(n for (t, _), n in table.items() if t == kind)
            precision = tp / found if found else 1.0
            recall = tp / relevant if relevant else 1.0
            cells.append(f"{kind} P {precision:.3f} R {recall:.3f}")
        print(f"{name:12}", " | ".join(cells))


def world_flags(model: dict[str, object], seed: int, candidates: int) -> None:
    """How many of a generated world's neutral sentences the model would label adverse."""
    import tempfile

    from fairscreen.synth import generate_world

    candidate = load_model(json.dumps(model), "candidate")
    with tempfile.TemporaryDirectory() as tmp:
        world, truth = Path(tmp) / "world.jsonl", Path(tmp) / "truth.jsonl"
        generate_world(world, candidates=candidates, seed=seed, truth=truth)
        texts = {}
        for line in world.read_text("utf-8").splitlines():
            record = json.loads(line)
            if record["type"] == "reference":
                texts[record["id"]] = (record["text"], record["language"])
        neutral = flagged = 0
        for line in truth.read_text("utf-8").splitlines():
            record = json.loads(line)
            if record["type"] != "candidate":
                continue
            for ref in record["references"]:
                text, language = texts[ref["id"]]
                lexicon = _screen(text, language, None)
                both = _screen(text, language, candidate.predict)
                for sentence, alone, with_model in zip(
                    ref["sentences"], lexicon, both, strict=True
                ):
                    if sentence["label"].split(":")[0] in ("neutral", "positive"):
                        neutral += 1
                        flagged += alone.kind == "neutral" and with_model.kind != "neutral"
        print(
            f"world seed {seed}: the model labels {flagged} of {neutral} neutral sentences "
            f"adverse ({flagged / neutral:.2%})"
        )


if __name__ == "__main__":
    main()
