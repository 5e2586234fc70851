"""The counterfactual test: every candidate again, as someone else in every protected respect,
everything job-relevant the same, re-screened; no light and no reason may change.

The variant world comes from ``fairscreen.synth.variants`` (the other sex, another birth year
across the 35 and 40 bands, another ethnicity and region of household registration with the ID
number's first six digits and check digit to match, another name style, and the pronouns,
honorifics and names in their references rewritten). The command (``fairscreen audit
counterfactual``) hands it in: the audit does not import the sandbox.

``run`` screens the world and its variant with the same pipeline, in memory, and compares every
candidate's light and reasons; a flip is reported with the candidate, what changed and the
artefact responsible (the findings that differ say which: the reference screener, identity
matching, the policy pack or the rule set). Exclusions that change are reported apart: they do
not move a light, but they say a source or a check saw the person differently.
``references_only`` runs the reference screener alone, sentence by sentence.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from fairscreen.audit.registry import identity_matching, in_use, reference_screener
from fairscreen.audit.rescreen import screen_store
from fairscreen.pipeline import Screening
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating.engine import RuleSet
from fairscreen.screening.run import prepare
from fairscreen.verify.findings import Finding
from fairscreen.verify.references import screen_reference
from fairscreen.world import model
from fairscreen.world.load import WorldStore, load_world


class Changed(Protocol):
    """What the audit needs of a candidate's variant: what changed, and whether the new birth
    year crossed an age band (35 or 40)."""

    @property
    def crossed_bands(self) -> bool: ...

    def changes(self) -> dict[str, Any]: ...


V = TypeVar("V", bound=Changed)
# (the loaded world, its file, where to write the variant world) -> each candidate's variant
VariantMaker = Callable[[WorldStore, Path, Path], Mapping[str, Changed]]


@dataclass
class Flip:
    """A candidate whose light or reasons changed with the protected attributes."""

    candidate: str
    before: dict[str, Any]
    after: dict[str, Any]
    changes: dict[str, Any]
    artefacts: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "changed": self.changes,
            "before": self.before,
            "after": self.after,
            "artefacts": self.artefacts,
        }


@dataclass
class Outcome:
    candidates: int = 0
    screened_seconds: float = 0.0
    crossed_age_bands: int = 0
    flips: list[Flip] = field(default_factory=list)
    exclusion_changes: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "candidates": self.candidates,
            "changed_lights_or_reasons": len(self.flips),
            "changed_exclusions": len(self.exclusion_changes),
            "crossed_age_bands": self.crossed_age_bands,
            "models": self.models,
            "flips": [f.as_json() for f in self.flips],
            "exclusion_changes": self.exclusion_changes,
        }


def _verdict(result: dict[str, Any]) -> dict[str, Any]:
    return {"status": result["status"], "light": result["light"], "reasons": result["reasons"]}


def _responsible(before: Screening, after: Screening) -> list[str]:
    """The artefacts whose decisions differ between a candidate and their variant: a reference
    finding is the reference screener's, a finding found for one and not the other (or matched
    otherwise) identity matching's, a finding excluded for one only (lookback, sealing, scope)
    the policy pack's, and a finding kept by both but rated otherwise the rule set's."""
    pack = before.scope.policy
    rating = before.rating or after.rating
    rule_set = rating.ruleset if rating is not None else pack
    blame: set[str] = set()
    old = {f.ref: f for f in before.findings}
    new = {f.ref: f for f in after.findings}
    for ref in old.keys() | new.keys():
        a, b = old.get(ref), new.get(ref)
        if a is not None and b is not None and _same(a, b):
            continue
        either = a or b
        assert either is not None
        if str(either.item) == "reference":
            blame.add(reference_screener().ref)
        elif a is None or b is None or a.match != b.match:
            blame.add(identity_matching().ref)
        elif a.exclusion != b.exclusion:
            blame.add(pack)
        else:
            blame.add(rule_set)
    if before.scope.as_json() != after.scope.as_json():
        blame.add(pack)
    return sorted(blame or {rule_set})


def _same(a: Finding, b: Finding) -> bool:
    keys = ("code", "subtype", "exclusion", "match", "occurred_on", "ongoing", "count")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


@dataclass
class SentenceFlip:
    candidate: str
    reference: str
    index: int
    before: dict[str, Any]
    after: dict[str, Any]
    text_before: str
    text_after: str


@dataclass
class ReferenceOutcome:
    references: int = 0
    sentences: int = 0
    flips: list[SentenceFlip] = field(default_factory=list)
    model: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "references": self.references,
            "sentences": self.sentences,
            "changed_sentences": len(self.flips),
            "model": self.model,
            "flips": [
                {
                    "candidate": f.candidate,
                    "reference": f.reference,
                    "sentence": f.index,
                    "before": f.before,
                    "after": f.after,
                }
                for f in self.flips
            ],
        }


def run(
    world: Path,
    make_variants: VariantMaker,
    *,
    pack: PolicyPack | None = None,
    ruleset: RuleSet | None = None,
    keep: Path | None = None,
) -> Outcome:
    """Screen ``world`` and the variant world ``make_variants`` writes; compare every candidate
    (``keep``: write the variant world there rather than to a temporary file)."""
    outcome = Outcome()
    with load_world(world, pack=pack) as store, tempfile.TemporaryDirectory() as tmp:
        setup = prepare(store, pack=pack, ruleset=ruleset)
        artefacts = {
            a.key: a
            for pack_, rules in setup.by_jurisdiction.values()
            for a in in_use(pack_, rules)
        }
        outcome.models = [a.as_json() for a in artefacts.values()]
        target = keep or Path(tmp) / "variant.jsonl"
        variants = make_variants(store, world, target)
        with load_world(target, pack=pack) as twin:
            started = time.perf_counter()
            pairs = zip(
                screen_store(store, setup=setup),
                screen_store(twin, pack=setup.pack, ruleset=setup.ruleset),
                strict=True,
            )
            for before, after in pairs:
                outcome.candidates += 1
                cid = before.application.candidate.id
                variant = variants[cid]
                outcome.crossed_age_bands += variant.crossed_bands
                a, b = before.result(), after.result()
                if _verdict(a) != _verdict(b):
                    outcome.flips.append(
                        Flip(
                            cid,
                            _verdict(a),
                            _verdict(b),
                            variant.changes(),
                            _responsible(before, after),
                        )
                    )
                if a["excluded"] != b["excluded"]:
                    outcome.exclusion_changes.append(
                        {"candidate": cid, "before": a["excluded"], "after": b["excluded"]}
                    )
            outcome.screened_seconds = time.perf_counter() - started
    return outcome


def references_only(
    world: Path,
    plan: Callable[[WorldStore], Mapping[str, V]],
    rewrite: Callable[[str, V], str],
) -> ReferenceOutcome:
    """The reference screener alone: every reference sentence, as written and as ``rewrite``
    writes it for the candidate's variant (``plan``); its kind, category and hearsay flag must
    not change, nor the number of sentences."""
    outcome = ReferenceOutcome(model=reference_screener().ref)
    with load_world(world) as store:
        variants = plan(store)
        for (body,) in store.db.execute("SELECT body FROM records WHERE type = 'reference'"):
            ref = model.RECORD.validate_json(body)
            assert isinstance(ref, model.Reference)
            variant = variants.get(ref.candidate)
            if variant is None:
                continue
            outcome.references += 1
            changed = rewrite(ref.text, variant)
            old = screen_reference(ref.text, ref.language)
            new = screen_reference(changed, ref.language)
            outcome.sentences += len(old)
            for i, (x, y) in enumerate(zip(old, new, strict=False)):
                a = {"kind": x.kind, "category": x.category, "hearsay": x.hearsay}
                b = {"kind": y.kind, "category": y.category, "hearsay": y.hearsay}
                if a != b:
                    outcome.flips.append(
                        SentenceFlip(ref.candidate, ref.id, i, a, b, ref.text, changed)
                    )
            if len(old) != len(new):
                outcome.flips.append(
                    SentenceFlip(
                        ref.candidate,
                        ref.id,
                        -1,
                        {"sentences": len(old)},
                        {"sentences": len(new)},
                        ref.text,
                        changed,
                    )
                )
    return outcome
