"""Screening a whole world: every candidate against the position they applied for, streamed.

Candidates are read from the loaded world in file order, screened by the pure pipeline, and
written a batch per transaction (rows, sealed data and ledger entries together). Results are
yielded only after their batch is committed, so what is printed is what is stored.

The policy pack and rule set are chosen per organisation: the employer's jurisdiction (the
world header's by default) picks the pack shipped for it, so one world can hold a CN employer
and a US employer and each candidate is screened under the law of the employer they apply to.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairscreen.audit.registry import in_use
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import transaction
from fairscreen.ledger import checkpoints
from fairscreen.ledger.note import Signer
from fairscreen.pipeline import Application, Screening, screen
from fairscreen.policy.pack import PolicyPack, default_pack_for
from fairscreen.rating.engine import RuleSet, default_ruleset_for
from fairscreen.screening.service import Recorder, import_organisations
from fairscreen.sources.base import SourceSet
from fairscreen.sources.world import world_sources
from fairscreen.vault import Vault
from fairscreen.verify.references import lexicon_version
from fairscreen.world.load import WorldStore

BATCH = 500

# gen0 collections every 50,000 net allocations instead of 700, older generations 50x and 100x
# less often (CPython's defaults: 700, 10, 10)
_GC_THRESHOLDS = (50_000, 50, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cycle collector less often while a batch screening runs (the thresholds are
    restored after it, however it ends).

    A screening allocates a few thousand short-lived objects (records, findings, rows, ledger
    entries), nearly all freed by reference counting, but each 700 allocations the collector
    ran anyway and every so often traversed everything alive (the loaded lexicon, the models,
    a batch of screenings): 15-20% of the screening loop's CPU time. With these thresholds the
    cycles a batch leaves are still collected, a few times per batch instead of hundreds;
    peak memory is in docs/benchmarks.md."""
    old = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)


@dataclass(frozen=True)
class RunSetup:
    pack: PolicyPack  # the world header's jurisdiction's (or the one given)
    ruleset: RuleSet
    sources: SourceSet
    as_of: date
    lexicon: str  # the reference-screening vocabulary's version, compiled here, before any timing
    # every employer jurisdiction of the world: its pack and rule set (the header's included)
    by_jurisdiction: dict[str, tuple[PolicyPack, RuleSet]] = field(default_factory=dict)

    def for_jurisdiction(self, jurisdiction: str) -> tuple[PolicyPack, RuleSet]:
        return self.by_jurisdiction.get(jurisdiction, (self.pack, self.ruleset))


def prepare(
    world: WorldStore, *, pack: PolicyPack | None = None, ruleset: RuleSet | None = None
) -> RunSetup:
    """The packs and rule sets a world needs: ``pack`` (and ``ruleset``) for the header's
    jurisdiction if given, the shipped ones for it and for every other employer's jurisdiction."""
    pack = pack or default_pack_for(world.header.jurisdiction)
    ruleset = ruleset or default_ruleset_for(pack)
    sources = world_sources(world)
    by_jurisdiction: dict[str, tuple[PolicyPack, RuleSet]] = {
        world.header.jurisdiction: (pack, ruleset)
    }
    for org in world.organisations():
        if org.kind == "employer" and org.jurisdiction not in by_jurisdiction:
            other = default_pack_for(org.jurisdiction)
            by_jurisdiction[org.jurisdiction] = (other, default_ruleset_for(other))
    for policy, _ in by_jurisdiction.values():
        sources.check_covers(policy)
    return RunSetup(pack, ruleset, sources, world.header.as_of, lexicon_version(), by_jurisdiction)


def screen_world(
    world: WorldStore,
    sessions: sessionmaker[Session],
    vault: Vault,
    *,
    setup: RunSetup | None = None,
    at: datetime | None = None,
    batch_size: int = BATCH,
    on_batch: Callable[[list[Screening]], None] | None = None,
    signer: Signer | None = None,
) -> Iterator[dict[str, Any]]:
    """Screen every candidate of ``world``; yield each result once its batch is committed.

    With a ``signer``, a checkpoint covering the batch is signed after each commit, so every
    consent and report is on a published checkpoint (and a receipt can be made) right away."""
    setup = setup or prepare(world)
    at = at or utcnow()
    positions = {p.id: p for p in world.positions()}
    organisations = world.organisations()
    jurisdiction = {o.id: o.jurisdiction for o in organisations}
    agencies = [o.id for o in organisations if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    with transaction(sessions) as session:
        directory = import_organisations(session, organisations, positions.values(), at)
    recorders = {
        code: Recorder(vault, directory, policy, in_use(policy, rules))
        for code, (policy, rules) in setup.by_jurisdiction.items()
    } or {world.header.jurisdiction: Recorder(vault, directory, setup.pack)}
    candidates = world.candidates()
    while True:
        with fewer_collections():  # not across the yields: the caller's code runs as it would
            batch = list(islice(candidates, batch_size))
            if not batch:
                return
            screenings = []
            laws = []
            for c in batch:
                position = positions[c.applies_to]
                law = jurisdiction.get(position.employer, world.header.jurisdiction)
                pack, ruleset = setup.for_jurisdiction(law)
                laws.append(law)
                screenings.append(
                    screen(
                        Application(
                            c,
                            position,
                            (
                                c.consent.agency
                                if c.consent and c.consent.agency
                                else default_agency
                            ),
                        ),
                        sources=setup.sources,
                        pack=pack,
                        ruleset=ruleset,
                        as_of=setup.as_of,
                        at=at,
                    )
                )
            demographics = world.demographics_for([c.id for c in batch])
            with transaction(sessions) as session:
                for law in dict.fromkeys(laws):
                    group = [s for s, of in zip(screenings, laws, strict=True) if of == law]
                    recorder = recorders.get(law) or recorders[world.header.jurisdiction]
                    recorder.write(session, group, now=at, demographics=demographics)
            if signer is not None:
                checkpoints.publish(sessions, signer)
            if on_batch is not None:
                on_batch(screenings)
        for screening in screenings:
            yield screening.result()
