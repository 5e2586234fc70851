"""Two generated worlds shared by the generator's tests (made once per test process): 200
candidates (every forced hard case) and 4,000 (the rates)."""

from __future__ import annotations

import pytest

from tests.synth.generated import World, generate, read


@pytest.fixture(scope="session")
def world200(tmp_path_factory: pytest.TempPathFactory) -> World:
    return read(*generate(tmp_path_factory.mktemp("w200"), 200, 2026))


@pytest.fixture(scope="session")
def world4k(tmp_path_factory: pytest.TempPathFactory) -> World:
    return read(*generate(tmp_path_factory.mktemp("w4k"), 4000, 7))


@pytest.fixture
def worlds(world200: World, world4k: World) -> tuple[World, World]:
    return world200, world4k
