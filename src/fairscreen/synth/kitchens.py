"""The bright-kitchens sandbox: restaurants' AI cameras over months, and the people who review
what they report (the feed format of ``fairscreen.monitors.kitchens.events``).

``generate_kitchens(restaurants, seed, start, days)`` yields feed records (plain dicts, JSON
Lines): for each restaurant one to four cameras, each with its own false-alarm rate (about two
a week; lognormal), and the restaurant's own rate of real lapses per kind. Most restaurants are
honest (rare lapses); a planted share are violators (repeated no-mask and no-hat, now and then
a rodent). Exactly one camera of an honest restaurant cries wolf (a dozen false alarms a day,
the lens dirty or the model mis-tuned): its restaurant must not move up a tier. Each event is
reviewed by the firm's staff (four in five) or the regulator, who confirm a real lapse 95 times
in 100 and wrongly confirm a false alarm 2 times in 100 (a rodent 2 in 1,000); the last two days' events await review.

``restaurants``: firm ids (the register's ``catering`` firms when a register is given; else
``F000001``... like ``synth.city``). Deterministic: each restaurant draws from its own stream
(seeded by the seed and its id). ``truth`` says which restaurants were planted and which camera
cries wolf, to measure the monitor against. Snapshots are references and digests only.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fairscreen.monitors.kitchens.events import KINDS

LOCAL = timezone(timedelta(hours=8))
VIOLATOR_SHARE = 0.06
# real lapses a day, per kind: an honest kitchen, and a planted violator
HONEST: dict[str, float] = {
    "no_mask": 0.01,
    "no_hat": 0.01,
    "no_work_clothes": 0.005,
    "smoking": 0.001,
    "phone": 0.004,
    "rodent": 0.0,
    "bin_uncovered": 0.01,
    "raw_cooked_mixed": 0.001,
}
VIOLATOR: dict[str, float] = HONEST | {
    "no_mask": 0.6,
    "no_hat": 0.3,
    "phone": 0.1,
    "rodent": 0.03,
    "bin_uncovered": 0.1,
}
WOLF_PER_DAY = 12.0
CONFIRM_TRUE = 0.95
CONFIRM_FALSE = 0.02
CONFIRM_FALSE_RODENT = 0.002  # a rodent is looked at twice before it is confirmed
REGULATOR_SHARE = 0.2


@dataclass(slots=True)
class Truth:
    violators: list[str] = field(default_factory=list)
    honest: list[str] = field(default_factory=list)
    wolf: tuple[str, str] | None = None  # (restaurant, camera)

    def as_json(self) -> dict[str, Any]:
        return {
            "violators": self.violators,
            "honest": self.honest,
            "wolf": {"restaurant": self.wolf[0], "camera": self.wolf[1]} if self.wolf else None,
        }


def _stream(seed: int, *parts: object) -> random.Random:
    key = "/".join(str(p) for p in (seed, "kitchens", *parts)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def own_restaurants(count: int) -> list[str]:
    return [f"F{i:06d}" for i in range(1, count + 1)]


def catering_firms(register: Path) -> list[str]:
    """The ``catering`` firms of a register file (``fairscreen supervision city``)."""
    from fairscreen.supervision.register import load_register

    return [f.id for f in load_register(register).firms.values() if "catering" in f.scenarios]


def _at(rng: random.Random, day: date) -> datetime:
    minute = rng.randrange(9 * 60, 22 * 60)  # kitchen hours, local time
    second = rng.randrange(60)
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, second, tzinfo=LOCAL)


def _restaurant(
    org: str, seed: int, start: date, days: int, violator: bool, wolf: bool, today: date
) -> Iterator[dict[str, Any]]:
    rng = _stream(seed, org)
    cameras = [f"CAM{n:02d}" for n in range(1, rng.randint(1, 4) + 1)]
    false_rate = {c: rng.lognormvariate(math.log(0.25), 0.5) for c in cameras}
    if wolf:
        false_rate[cameras[0]] = WOLF_PER_DAY
    lapses = VIOLATOR if violator else HONEST
    number = 0
    staff = f"acct-{org}"
    for d in range(days):
        day = start + timedelta(days=d)
        found: list[tuple[datetime, str, str, bool]] = []
        for kind, rate in lapses.items():
            for _ in range(_poisson(rng, rate)):
                found.append((_at(rng, day), rng.choice(cameras), kind, True))
        for camera in cameras:
            for _ in range(_poisson(rng, false_rate[camera])):
                kind = rng.choice(KINDS[:5]) if rng.random() < 0.95 else rng.choice(KINDS[5:])
                found.append((_at(rng, day), camera, kind, False))
        found.sort()
        for at, camera, kind, real in found:
            number += 1
            eid = f"K-{org}-{number:06d}"
            yield {
                "type": "event",
                "id": eid,
                "restaurant": org,
                "camera": camera,
                "at": at.isoformat(),
                "kind": kind,
                "snapshot": {
                    "ref": f"snap://{org}/{camera}/{eid}",
                    "sha256": hashlib.sha256(f"{seed}/{eid}".encode()).hexdigest(),
                },
                "confidence": rng.randint(700, 990) if real else rng.randint(500, 900),
            }
            if (today - day).days <= 2:
                continue  # awaiting review
            mistake = CONFIRM_FALSE_RODENT if kind == "rodent" else CONFIRM_FALSE
            confirm = rng.random() < (CONFIRM_TRUE if real else mistake)
            by = "regulator-01" if rng.random() < REGULATOR_SHARE else staff
            yield {
                "type": "review",
                "event": eid,
                "verdict": "confirmed" if confirm else "dismissed",
                "by": by,
                "at": (at + timedelta(minutes=rng.randint(5, 240))).isoformat(),
            }


def generate_kitchens(
    restaurants: Sequence[str],
    seed: int = 2026,
    start: date = date(2026, 9, 1),
    days: int = 90,
    truth: Truth | None = None,
) -> Iterator[dict[str, Any]]:
    """Feed records for ``restaurants`` over ``days`` days from ``start``, restaurant by
    restaurant (each restaurant's events in time order, each followed by its review)."""
    if not restaurants:
        return
    pick = _stream(seed, "plant")
    planted = {r for r in restaurants if pick.random() < VIOLATOR_SHARE}
    if not planted:
        planted = {restaurants[0]}
    honest = [r for r in restaurants if r not in planted]
    wolf = honest[pick.randrange(len(honest))] if honest else None
    today = start + timedelta(days=days - 1)
    if truth is not None:
        truth.violators = sorted(planted)
        truth.honest = sorted(honest)
        truth.wolf = (wolf, "CAM01") if wolf is not None else None
    for org in restaurants:
        yield from _restaurant(org, seed, start, days, org in planted, org == wolf, today)


def end_of(start: date, days: int) -> datetime:
    """The moment after the simulated period (when a run over it stands)."""
    last = start + timedelta(days=days)
    return datetime(last.year, last.month, last.day, tzinfo=LOCAL).astimezone(UTC)
