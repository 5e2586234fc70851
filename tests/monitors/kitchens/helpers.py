"""Building feeds by hand for the bright-kitchens tests."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from fairscreen.monitors.kitchens.events import Event, Record, Review, Snapshot

_n = iter(range(1_000_000))


def event(org: str, camera: str, at: datetime, kind: str, confidence: int = 900) -> Event:
    eid = f"EV-{org}-{next(_n):06d}"
    return Event(
        type="event",
        id=eid,
        restaurant=org,
        camera=camera,
        at=at,
        kind=kind,
        snapshot=Snapshot(
            ref=f"snap://{org}/{eid}", sha256=hashlib.sha256(eid.encode()).hexdigest()
        ),
        confidence=confidence,
    )


def reviewed(e: Event, verdict: str, by: str = "acct-1", after: int = 600) -> Review:
    return Review(
        type="review",
        event=e.id,
        verdict=verdict,
        by=by,
        at=e.at + timedelta(seconds=after),
    )


def series(
    org: str, camera: str, start: datetime, kind: str, n: int, every: timedelta, verdict: str
) -> list[Record]:
    out: list[Record] = []
    for i in range(n):
        e = event(org, camera, start + i * every, kind)
        out += [e, reviewed(e, verdict)]
    return out
