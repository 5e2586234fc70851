"""``fairscreen world generate``: realistic synthetic worlds, streamed, deterministic for a seed.

This module writes the world file and its truth sidecar; the records come from one module per
record family (see the package docstring). A world is a header, the employers and agencies with
their positions, then one block of lines per candidate.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import orjson

from fairscreen.synth.candidate import candidate
from fairscreen.synth.context import Context
from fairscreen.synth.directory import directory_lines
from fairscreen.world import model

GENERATOR = "fairscreen-world-generate/1.0"
TRUTH_FORMAT = "fairscreen-world-truth"
TRUTH_VERSION = "1.0"
# Fixed so that the same seed gives the same bytes on any day; pass ``as_of`` to move it.
DEFAULT_AS_OF = date(2026, 11, 27)


@dataclass(frozen=True)
class GenerateStats:
    """What a run wrote."""

    candidates: int
    organisations: int
    positions: int
    lines: int
    bytes: int
    records: dict[str, int]  # lines by record type
    tags: dict[str, int]  # candidates carrying each planted tag


def _header(ctx: Context) -> dict[str, Any]:
    return {
        "type": "world",
        "format": model.FORMAT,
        "version": model.VERSION if ctx.decisions is None else model.DECISIONS_VERSION,
        "jurisdiction": "CN",
        "as_of": ctx.as_of,
        "seed": ctx.seed,
        "generator": GENERATOR,
        "description": f"synthetic world: {ctx.n} candidates, seed {ctx.seed} (all people and organisations fictional)",
    }


_DUMP = orjson.OPT_APPEND_NEWLINE


def write_world(
    stream: IO[bytes],
    *,
    candidates: int,
    seed: int,
    as_of: date | None = None,
    truth: IO[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
    decisions: bool = False,
) -> GenerateStats:
    """Write a world to ``stream`` (and the truth sidecar to ``truth``), line by line; with
    ``decisions``, also each application's hiring decision, with planted bias
    (``fairscreen.synth.decisions``)."""
    ctx = Context(
        candidates=candidates, seed=seed, as_of=as_of or DEFAULT_AS_OF, decisions=decisions
    )
    write = stream.write
    counts: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    size = 0
    for line in itertools.chain((_header(ctx),), directory_lines(ctx.directory)):
        size += write(orjson.dumps(line, option=_DUMP))
        counts[line["type"]] += 1
    if truth is not None:
        truth.write(
            orjson.dumps(
                {
                    "type": "truth",
                    "format": TRUTH_FORMAT,
                    "version": TRUTH_VERSION,
                    "seed": seed,
                    "as_of": ctx.as_of,
                    "candidates": candidates,
                    "generator": GENERATOR,
                    # where sentences end in generated text, which is where
                    # fairscreen.kit.sentences.split_sentences cuts it (that split also drops the
                    # marks, and cuts some texts the generator never writes); kept byte for byte
                    "sentence_split": "after 。！？, and after . ! ? followed by a space (the space dropped); empty pieces dropped",
                },
                option=_DUMP,
            )
        )
        if ctx.decisions is not None:
            for bias in sorted(ctx.decisions.biases.values(), key=lambda b: b.employer):
                truth.write(orjson.dumps(bias.truth(), option=_DUMP))
    for index in range(candidates):
        lines, truth_line = candidate(ctx, index)
        for line in lines:
            size += write(orjson.dumps(line, option=_DUMP))
            counts[line["type"]] += 1
        tags.update(truth_line["tags"])
        if truth is not None:
            truth.write(orjson.dumps(truth_line, option=_DUMP))
        if progress is not None and (index + 1) % 1000 == 0:
            progress(index + 1)
    if progress is not None:
        progress(candidates)
    return GenerateStats(
        candidates=candidates,
        organisations=counts["organisation"],
        positions=counts["position"],
        lines=sum(counts.values()),
        bytes=size,
        records=dict(sorted(counts.items())),
        tags=dict(sorted(tags.items())),
    )


@contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """Write ``path`` through a temporary file in the same directory, renamed at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    Path(name).chmod(0o666 & ~umask)  # mkstemp makes 0600; the result is an ordinary file
    try:
        with os.fdopen(handle, "wb", buffering=1 << 20) as stream:
            yield stream
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def generate_world(
    out: Path,
    *,
    candidates: int,
    seed: int,
    as_of: date | None = None,
    truth: Path | None = None,
    progress: Callable[[int], None] | None = None,
    decisions: bool = False,
) -> GenerateStats:
    """Generate a synthetic world of ``candidates`` into ``out`` (JSON Lines), deterministically
    for ``seed``; with ``truth``, also write the planted hard cases there (a sidecar, not part of
    the world). Either file appears complete or not at all."""
    with _atomic(out) as stream:
        if truth is None:
            return write_world(
                stream,
                candidates=candidates,
                seed=seed,
                as_of=as_of,
                progress=progress,
                decisions=decisions,
            )
        with _atomic(truth) as truth_stream:
            return write_world(
                stream,
                candidates=candidates,
                seed=seed,
                as_of=as_of,
                truth=truth_stream,
                progress=progress,
                decisions=decisions,
            )
