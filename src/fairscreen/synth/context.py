"""The world every record family reads: its size, seed and date, the policy pack, the directory
of employers and positions, the forced hard cases, and the one allocator of ID numbers.

Everything here comes from the world seed alone (the world's random stream, index -1), drawn in
a fixed order: the directory, the ID-number offset, the schedule of forced cases.
"""

from __future__ import annotations

import random
from datetime import date

from fairscreen.policy.pack import default_pack_for
from fairscreen.synth.base import Weighted, month_index
from fairscreen.synth.decisions import Plant, plant
from fairscreen.synth.directory import build_directory
from fairscreen.synth.people import ID_SPACE, IdNumbers
from fairscreen.synth.plan import CATEGORY_WEIGHTS, schedule, schedule_1_1

MAX_CANDIDATES = 1_000_000
SEED_RANGE = (-(2**63), 2**63 - 1)  # the header holds the seed as a JSON integer


class Context:
    decisions: Plant | None

    def __init__(self, *, candidates: int, seed: int, as_of: date, decisions: bool = False) -> None:
        if not 1 <= candidates <= MAX_CANDIDATES:
            raise ValueError(f"candidates must be between 1 and {MAX_CANDIDATES:,}")
        if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
            raise ValueError("seed must be a signed 64-bit integer")
        self.n = candidates
        self.seed = seed
        self.as_of = as_of
        self.as_of_month = month_index(as_of)
        self.pack = default_pack_for("CN")
        world_rng = random.Random(self.key(-1))
        self.directory = build_directory(world_rng, candidates, self.pack)
        self.ids = IdNumbers(world_rng.randrange(ID_SPACE))
        self.forced = schedule(world_rng, candidates)
        # the hard cases format 1.1 added, on the first 200 candidates not already carrying one,
        # from a stream of their own (so the schedule above did not move)
        self.forced_1_1 = schedule_1_1(
            random.Random(self.extra_key(-1)), candidates, taken=set(self.forced)
        )
        weights = {c: CATEGORY_WEIGHTS.get(c, 1) for c in self.directory.by_category}
        self.category = Weighted(weights)
        self.sensitive = frozenset(i for i, p in self.pack.items.items() if p.separate_consent)
        # employers' decisions and planted bias: drawn from streams of their own (decisions.py)
        self.decisions = plant(self) if decisions else None

    def key(self, index: int) -> int:
        """The seed of candidate ``index``'s own random stream (-1: the world's)."""
        return ((self.seed % (1 << 64)) << 24) | (index + 1)

    def extra_key(self, index: int) -> int:
        """The seed of candidate ``index``'s second stream (``base.Block.extra``; -1: the
        world's second stream, for format 1.1's forced cases)."""
        return self.key(index) | EXTRA_STREAM


EXTRA_STREAM = 1 << 100  # above every bit ``Context.key`` uses
