"""Screening a loaded world in memory, for the audit: the same pipeline as ``fairscreen screen``
(the same setup, the same agency rule), nothing written anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time

from fairscreen.pipeline import Application, Screening, screen
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating.engine import RuleSet
from fairscreen.screening.run import RunSetup, prepare
from fairscreen.world.load import WorldStore


def screen_store(
    store: WorldStore,
    *,
    pack: PolicyPack | None = None,
    ruleset: RuleSet | None = None,
    setup: RunSetup | None = None,
) -> Iterator[Screening]:
    """Every candidate of ``store``, in file order, screened against the position they applied
    for, at the world's date."""
    setup = setup or prepare(store, pack=pack, ruleset=ruleset)
    positions = {p.id: p for p in store.positions()}
    agencies = [o.id for o in store.organisations() if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    at = datetime.combine(setup.as_of, time(), tzinfo=UTC)
    for cand in store.candidates():
        agency = cand.consent.agency if cand.consent and cand.consent.agency else default_agency
        yield screen(
            Application(cand, positions[cand.applies_to], agency),
            sources=setup.sources,
            pack=setup.pack,
            ruleset=setup.ruleset,
            as_of=setup.as_of,
            at=at,
        )
