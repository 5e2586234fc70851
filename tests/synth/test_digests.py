"""Pinned bytes: the generator's output for a few seeds, world file and truth file, never drifts.

The digests were taken from the generator before it was split into ``fairscreen.synth`` (commit
b3faa6a). Any change to the generator that moves a byte of a seeded world (another draw from the
random stream, another order of keys, another template) fails here; if the change is intended,
say so in the commit and pin the new digests.

The worlds are made by ``fairscreen world generate`` in a subprocess, as a user makes them, so
this test does not depend on where the generator lives inside the package.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

# (candidates, seed, as_of or None) -> (sha256 of the world file, sha256 of the truth file)
PINNED: dict[tuple[int, int, str | None], tuple[str, str]] = {
    (300, 7, None): (
        "ff37fcef947e632d874e35b664d84bfb6036412a96da48f12adb529b9672eeb6",
        "6f10339ba71536cccaae4c7230301baf270e4ede9a78f68d69f50a2afa891ce0",
    ),
    (1000, 2026, None): (
        "e575943c9b738c1fa99ac0fdfa60535c6e1ce1cf1a7b76a9857f6bcab0b2224c",
        "977d68a2386c2748fff65d7b4320faf11cb9301d59905535d496ba34799a9d35",
    ),
    (50, -3, None): (
        "f317c5dfe563da4baad93240eb9c861751865b707e3819497573e4182930fed0",
        "460432acdefcceb954aee0aa9d3e76be3649b9cde9c4f9d67ce03c2d256c6b85",
    ),
    (200, 11, "2024-03-15"): (
        "d99d30c69fed2b91f87c273bbb645bc1600bf38d33d5cb122f457db330066f3e",
        "d443d3c3b185d56c8071dcf463b09a71bc30b31ef653d843e860a907a399ad0d",
    ),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _generate(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", "world", "generate", "--no-progress", *args],
        capture_output=True,
        check=True,
        timeout=600,
    )


@pytest.mark.parametrize(("key", "digests"), list(PINNED.items()), ids=lambda v: str(v))
def test_seeded_world_and_truth_are_byte_identical(
    tmp_path: Path, key: tuple[int, int, str | None], digests: tuple[str, str]
) -> None:
    candidates, seed, as_of = key
    world, truth = tmp_path / "world.jsonl", tmp_path / "truth.jsonl"
    args = ["--candidates", str(candidates), "--seed", str(seed)]
    args += ["--out", str(world), "--truth", str(truth)]
    if as_of is not None:
        args += ["--as-of", as_of]
    _generate(args)
    assert (_sha256(world), _sha256(truth)) == digests


def test_stdout_world_is_the_pinned_bytes(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    done = _generate(["-n", "50", "--seed", "-3", "--truth", str(truth)])
    assert (hashlib.sha256(done.stdout).hexdigest(), _sha256(truth)) == PINNED[(50, -3, None)]
