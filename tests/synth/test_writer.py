"""The world writer: deterministic bytes, a file complete or absent, valid for the loader, flat
memory, and a truth file that matches the world line for line."""

from __future__ import annotations

import io
import os
import re
import tracemalloc
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from fairscreen.kit.sentences import split_sentences
from fairscreen.synth import DEFAULT_AS_OF, TRUTH_FORMAT, generate_world, phrases, write_world
from fairscreen.world.load import load_world
from tests.synth.generated import PACK, World, generate


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 300, 42)
    b = generate(tmp_path / "b", 300, 42)
    c = generate(tmp_path / "c", 300, 43)
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()
    assert a[0].read_bytes() != c[0].read_bytes()


def test_stream_writer_matches_file_writer(tmp_path: Path) -> None:
    out, truth = generate(tmp_path, 50, 3)
    world, truth_stream = io.BytesIO(), io.BytesIO()
    stats = write_world(world, candidates=50, seed=3, truth=truth_stream)
    assert world.getvalue() == out.read_bytes()
    assert truth_stream.getvalue() == truth.read_bytes()
    assert stats.bytes == len(world.getvalue())


@pytest.mark.parametrize(
    ("seed", "n", "as_of"),
    [
        (1, 1, None),
        (2, 17, None),
        (3, 200, None),
        (4, 1500, None),
        (-5, 250, date(2019, 3, 1)),
        (2**63 - 1, 60, date(2031, 12, 31)),
    ],
)
def test_valid_against_the_loader(tmp_path: Path, seed: int, n: int, as_of: date | None) -> None:
    out, _ = generate(tmp_path, n, seed, as_of=as_of)
    stats = write_world(io.BytesIO(), candidates=n, seed=seed, as_of=as_of)
    with load_world(out) as store:
        summary = store.summary()
    assert summary.candidates == n == stats.candidates
    assert summary.header.as_of == (as_of or DEFAULT_AS_OF)
    assert summary.header.seed == seed
    assert summary.organisations == stats.organisations
    assert 21 <= stats.organisations <= 42  # 20-40 employers, 1-2 agencies
    assert summary.positions == stats.positions


def test_refuses_sizes_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        write_world(io.BytesIO(), candidates=0, seed=1)
    with pytest.raises(ValueError, match="64-bit"):
        write_world(io.BytesIO(), candidates=1, seed=2**63)
    assert not list(tmp_path.iterdir())


def test_output_is_an_ordinary_file(tmp_path: Path) -> None:
    out, truth = generate(tmp_path, 3, 1)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert truth.stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_run_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "w.jsonl"
    with pytest.raises(ValueError):
        generate_world(out, candidates=0, seed=1, truth=tmp_path / "t.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_memory_does_not_grow_with_candidates() -> None:
    """Peak traced memory of a run is flat in the number of candidates. The bounded caches
    (compiled phrases, name conversions) are filled by an untraced run first, so that whichever
    tests ran before in this process do not decide what the measured runs allocate."""
    write_world(_Sink(), candidates=3000, seed=9, truth=_Sink())  # type: ignore[arg-type]

    def peak(n: int) -> int:
        tracemalloc.start()
        write_world(_Sink(), candidates=n, seed=9, truth=_Sink())  # type: ignore[arg-type]
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(300), peak(3000)
    assert large < small * 1.5 + 2_000_000, (small, large)


class _Sink:
    """A stream that counts bytes and keeps none."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


_SENTENCE_END = re.compile(r"[。！？]|[.!?](?= |$)")


def test_truth_file_matches_the_world(world200: World) -> None:
    world = world200
    header = world.truth_header
    assert header["type"] == "truth"
    assert header["format"] == TRUTH_FORMAT
    assert header["seed"] == world.header["seed"] == 2026
    assert header["candidates"] == len(world.truth) == len(world.candidates)
    assert [t["candidate"] for t in world.truth] == list(world.candidates)
    refs_by_candidate: dict[str, list[str]] = defaultdict(list)
    for ref in world.by_type["reference"]:
        refs_by_candidate[ref["candidate"]].append(ref["id"])
    for t in world.truth:
        cand = world.candidates[t["candidate"]]
        assert t["position"] == cand["applies_to"]
        assert t["category"] == world.positions[cand["applies_to"]]["category"]
        for tag, ids in t["records"].items():
            assert tag in t["tags"]
            for rid in ids:
                assert rid in world.records, (tag, rid)
        assert [r["id"] for r in t["references"]] == refs_by_candidate[t["candidate"]]
        for ref_truth in t["references"]:
            ref = world.records[ref_truth["id"]]
            assert ref["language"] == ref_truth["language"]
            sentences = split_sentences(ref["text"])
            assert len(sentences) == len(ref_truth["sentences"]), (ref["text"], ref_truth)
            # every sentence ends with exactly one mark and holds no other: the pieces and their
            # marks give back the whole text
            ends = _SENTENCE_END.findall(ref["text"])
            joiner = " " if ref["language"] == "en" else ""
            assert joiner.join(s + e for s, e in zip(sentences, ends, strict=True)) == ref["text"]
            for label in ref_truth["sentences"]:
                assert isinstance(label["hearsay"], bool)
                assert _valid_label(label["label"]), label


def _valid_label(label: str) -> bool:
    if label in ("neutral", "positive", "private_life"):
        return True
    kind, _, value = label.partition(":")
    if kind == "misconduct":
        return value in phrases.MISCONDUCT
    return kind == "forbidden" and value in {str(c) for c in PACK.forbidden}
