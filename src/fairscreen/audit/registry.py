"""The model registry: every artefact that shapes a light, with its version and digest.

Four artefacts decide a light today, and each is named by ``id@version`` and a SHA-256 digest:

- ``policy_pack``: which items a position may check and how far back (``policy/packs``);
- ``rule_set``: what makes a light (``rating/rulesets``);
- ``reference_screener``: the lexicon that classifies reference sentences
  (``verify/lexicon.toml``; a trained model's weights would be registered the same way);
- ``identity_matching``: the declared rules of ``verify.findings.match_identity``.

``ensure_published`` records each artefact in ``model_versions`` and puts its digest on the
ledger (``model.published``) the first time a screening uses it, in that screening's
transaction, exactly once per database (idempotent); every check request and every sealed
report names the artefacts it was made with (``Artefact.as_json``).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.audit.models import ModelVersion
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.ids import new_id
from fairscreen.ledger import log
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import Recording
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating.engine import RuleSet
from fairscreen.verify.findings import MATCHING_SPEC

KINDS = ("policy_pack", "rule_set", "reference_screener", "identity_matching")


@dataclass(frozen=True, slots=True)
class Artefact:
    """One artefact at one version: ``kind`` (one of ``KINDS``), ``ref`` (``id@version``) and
    ``digest`` (SHA-256, hex, of the file or declaration it was loaded from)."""

    kind: str
    ref: str
    digest: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "digest": self.digest}

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.ref, self.digest)


def lexicon_bytes() -> bytes:
    """The reference screener's lexicon file as shipped (what the screener compiles)."""
    return (resources.files("fairscreen.verify") / "lexicon.toml").read_bytes()


@cache
def reference_screener() -> Artefact:
    data = lexicon_bytes()
    version = tomllib.loads(data.decode("utf-8"))["lexicon"]["version"]
    return Artefact(
        "reference_screener", f"reference-lexicon@{version}", hashlib.sha256(data).hexdigest()
    )


@cache
def identity_matching() -> Artefact:
    return Artefact(
        "identity_matching",
        f"{MATCHING_SPEC['id']}@{MATCHING_SPEC['version']}",
        hashlib.sha256(canonical_json(MATCHING_SPEC)).hexdigest(),
    )


def in_use(pack: PolicyPack, ruleset: RuleSet) -> tuple[Artefact, ...]:
    """The four artefacts a screening under ``pack`` and ``ruleset`` is made with."""
    return (
        Artefact("policy_pack", pack.ref, pack.digest),
        Artefact("rule_set", ruleset.ref, ruleset.digest),
        reference_screener(),
        identity_matching(),
    )


def _recorded(session: Session, artefacts: Iterable[Artefact]) -> set[tuple[str, str, str]]:
    wanted = list(artefacts)
    rows = session.execute(
        select(ModelVersion.kind, ModelVersion.ref, ModelVersion.digest).where(
            ModelVersion.digest.in_([a.digest for a in wanted])
        )
    ).all()
    return {(k, r, d) for k, r, d in rows}


def ensure_published(
    session: Session, artefacts: Sequence[Artefact], *, now: datetime
) -> list[Artefact]:
    """Record each of ``artefacts`` not yet in ``model_versions``, with its ledger entry, in
    ``session``'s transaction; return those recorded now. Concurrent callers cannot both record
    one: the check is repeated under the ledger's own lock, which every appender takes. It costs
    one indexed query per call (per batch of screenings) once everything is recorded."""
    missing = list(artefacts)
    found = _recorded(session, missing)
    missing = [a for a in missing if a.key not in found]
    if missing:
        log.lock_state(session)  # serialises with every other appender until we commit
        found |= _recorded(session, missing)
        missing = [a for a in missing if a.key not in found]
    if missing:
        recording = Recording()
        rows = []
        for artefact in missing:
            row = {
                "id": new_id(),
                "kind": artefact.kind,
                "ref": artefact.ref,
                "digest": artefact.digest,
                "first_used_at": now,
            }
            recording.add(
                EventType.MODEL_PUBLISHED,
                ModelVersion,
                row,
                at=now,
                attrs={"kind": artefact.kind, "ref": artefact.ref, "digest": artefact.digest},
            )
            rows.append(row)
        recording.append(session)
        session.execute(ModelVersion.__table__.insert(), rows)  # type: ignore[attr-defined]
    return missing


def versions(session: Session) -> list[ModelVersion]:
    """Every artefact version recorded in this database, in the order they were published."""
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.ledger_index)))
