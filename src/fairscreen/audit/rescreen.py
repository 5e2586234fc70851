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
    for, at the world's date, under the pack and rule set of their employer's jurisdiction."""
    setup = setup or prepare(store, pack=pack, ruleset=ruleset)
    positions = {p.id: p for p in store.positions()}
    organisations = store.organisations()
    jurisdiction = {o.id: o.jurisdiction for o in organisations}
    agencies = [o.id for o in organisations if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    at = datetime.combine(setup.as_of, time(), tzinfo=UTC)
    for cand in store.candidates():
        position = positions[cand.applies_to]
        agency = cand.consent.agency if cand.consent and cand.consent.agency else default_agency
        law = jurisdiction.get(position.employer, store.header.jurisdiction)
        policy, rules = setup.for_jurisdiction(law)
        yield screen(
            Application(cand, position, agency),
            sources=setup.sources,
            pack=policy,
            ruleset=rules,
            as_of=setup.as_of,
            at=at,
        )
