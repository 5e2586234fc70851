"""Pinned bytes: the generator's output for a few seeds, world file and truth file, never drifts.

The digests were taken from the generator before it was split into ``fairscreen.synth`` (commit
b3faa6a), and pinned again when format 1.1 added its record types (public-security records,
non-prosecution decisions, labour arbitrations, employers' answers and disciplinary records,
sentences on convictions: issue 11). Format 1.1's draws come from each candidate's second stream,
so every draw of the first is where it was; what moved is the new lines and fields, the record
ids numbered after them, and the twenty candidates that carry format 1.1's forced cases. Any change to the generator that moves a byte of a seeded world (another draw from the
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
        "65f1acad2ee853532be1d9ed4e97226cda086f7a20d1affa153ddd03894aca6b",
        "6a5c21e8997f8f5cd713ff61ea372c310b820186431cd94561e3565f547b8e4d",
    ),
    (1000, 2026, None): (
        "b111319410c7419a28ee16a565c534d6e8d4775192c945767d1d382af4a3ac50",
        "1974df4bc79f89acec5cb7d6fcbcd02a86b7db296a616c3c3877f371a7c1d461",
    ),
    (50, -3, None): (
        "29ca2d6cc581942d180ffa2509996e0e7ffa890ce62e40c303cd043254e3686e",
        "5ce088bcd122d4a9837cb7e4eed868552853b73f7a03da918f3ba2411405cf76",
    ),
    (200, 11, "2024-03-15"): (
        "f8fd99336055f1786919f95e1195f8bc27f6d91eafc5c73bd9a30ba18ccfb54f",
        "25dd75f895a9a5580b14795c9e11f75653c2917929e664a7ccbae5a82bc6ad1d",
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
