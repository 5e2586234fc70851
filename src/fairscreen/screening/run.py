"""Screening a whole world: every candidate against the position they applied for, streamed.

Candidates are read from the loaded world in file order, screened by the pure pipeline, and
written a batch per transaction (rows, sealed data and ledger entries together). Results are
yielded only after their batch is committed, so what is printed is what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairscreen.audit.registry import Artefact, in_use
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


@dataclass(frozen=True)
class RunSetup:
    pack: PolicyPack
    ruleset: RuleSet
    sources: SourceSet
    as_of: date
    lexicon: str  # the reference-screening vocabulary's version, compiled here, before any timing
    models: tuple[Artefact, ...] = ()  # what shapes the lights (fairscreen.audit.registry)


def prepare(
    world: WorldStore, *, pack: PolicyPack | None = None, ruleset: RuleSet | None = None
) -> RunSetup:
    pack = pack or default_pack_for(world.header.jurisdiction)
    ruleset = ruleset or default_ruleset_for(pack)
    sources = world_sources(world)
    sources.check_covers(pack)
    return RunSetup(
        pack, ruleset, sources, world.header.as_of, lexicon_version(), in_use(pack, ruleset)
    )


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
    agencies = [o.id for o in organisations if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    with transaction(sessions) as session:
        directory = import_organisations(session, organisations, positions.values(), at)
    recorder = Recorder(vault, directory, setup.pack, setup.models or None)
    candidates = world.candidates()
    while batch := list(islice(candidates, batch_size)):
        screenings = [
            screen(
                Application(
                    c,
                    positions[c.applies_to],
                    (c.consent.agency if c.consent and c.consent.agency else default_agency),
                ),
                sources=setup.sources,
                pack=setup.pack,
                ruleset=setup.ruleset,
                as_of=setup.as_of,
                at=at,
            )
            for c in batch
        ]
        demographics = world.demographics_for([c.id for c in batch])
        with transaction(sessions) as session:
            recorder.write(session, screenings, now=at, demographics=demographics)
        if signer is not None:
            checkpoints.publish(sessions, signer)
        if on_batch is not None:
            on_batch(screenings)
        for screening in screenings:
            yield screening.result()
