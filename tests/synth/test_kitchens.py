"""The bright-kitchens simulator: deterministic; its planted violators are escalated and move
up a tier, its honest kitchens stay low, and the camera that cries wolf is flagged while its
restaurant keeps its tier (through ``supervision.service.store_tiers``)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import orjson
from sqlalchemy import select

from fairscreen.monitors.kitchens import service
from fairscreen.monitors.kitchens.events import parse_lines
from fairscreen.monitors.kitchens.pack import shipped_pack
from fairscreen.supervision import service as tiers_service
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.supervision.register import Firm, Office, Register
from fairscreen.supervision.tiers import Tier, shipped_rules
from fairscreen.synth.kitchens import Truth, end_of, generate_kitchens, own_restaurants
from tests.conftest import Database

START, DAYS = date(2026, 9, 1), 60
RANK = {Tier.LOW: 0, Tier.MEDIUM: 1, Tier.HIGH: 2, Tier.CRITICAL: 3}


def test_the_same_seed_gives_the_same_feed() -> None:
    firms = own_restaurants(5)
    one = list(generate_kitchens(firms, 7, START, 10))
    assert one == list(generate_kitchens(firms, 7, START, 10))
    assert one != list(generate_kitchens(firms, 8, START, 10))
    kinds = Counter(r["type"] for r in one)
    assert kinds["event"] > 0 and kinds["review"] <= kinds["event"]
    assert all("sha256" in r["snapshot"] for r in one if r["type"] == "event")


def test_planted_violators_move_up_and_the_wolf_does_not(db: Database) -> None:
    firms = own_restaurants(40)
    truth = Truth()
    lines = [orjson.dumps(r) for r in generate_kitchens(firms, 2026, START, DAYS, truth)]
    records = list(parse_lines(lines, "sim"))
    now = end_of(START, DAYS)
    assert truth.wolf is not None and truth.violators
    with db.sessions.begin() as session:
        service.ingest(session, records, now=now)
        result = service.run(session, shipped_pack(), now=now)
    assert result.flagged == [truth.wolf]
    with db.sessions() as session:
        signalled = {s.org for s in session.scalars(select(SignalRow))}
    assert set(truth.violators) <= signalled
    assert truth.wolf[0] not in signalled

    office = Office(id="o1", name="Office", x=0, y=0)
    register = Register(
        [office],
        [],
        [Firm(id=f, name=f, x=1, y=1, office="o1", scenarios=("catering",)) for f in firms],
    )
    with db.sessions.begin() as session:
        tiers_service.store_tiers(session, shipped_rules(), register, now.date(), now=now)
    with db.sessions() as session:
        tiers = {f: t.tier for (f, _), t in tiers_service.effective_tiers(session).items()}
    assert tiers[truth.wolf[0]] is Tier.LOW
    assert all(RANK[tiers[v]] > RANK[Tier.LOW] for v in truth.violators)
    honest_up = [f for f in truth.honest if tiers[f] is not Tier.LOW]
    assert len(honest_up) <= len(truth.honest) // 10
