"""Generated worlds with employers' decisions, shared by the audit's tests (made once per test
process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairscreen.synth import generate_world


@pytest.fixture(scope="session")
def decided_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """600 candidates (every forced hard case), with decisions and planted bias: world, truth."""
    tmp = tmp_path_factory.mktemp("decided")
    world, truth = tmp / "world.jsonl", tmp / "truth.jsonl"
    generate_world(world, candidates=600, seed=2026, truth=truth, decisions=True)
    return world, truth
