"""Rate limits on every API route, per address and per account (settings), through the real
app: beyond them a 429 problem with Retry-After; another account or address is not held up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fairscreen.accounts import throttle
from fairscreen.kit.errors import ConfigError
from fairscreen.kit.settings import get_settings, load_settings
from fairscreen.vault import Vault
from tests.accounts.people import Api, World, make_world
from tests.conftest import Database


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    throttle.reset()


def _too_many(response: object) -> None:
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert int(response.headers["retry-after"]) >= 1  # type: ignore[attr-defined]


def test_each_account_has_its_own_limit(
    db: Database, vault: Vault, limited: pytest.MonkeyPatch
) -> None:
    limited.setenv("FAIRSCREEN_RATE_LIMIT_PER_ACCOUNT", "5/minute")
    world: World = make_world(db, vault)
    ours, theirs = world.client("recruiter"), world.client("recruiter", tenant=1)
    for _ in range(5):
        assert ours.get("/api/v1/positions").status_code == 200
    _too_many(ours.get("/api/v1/positions"))
    _too_many(ours.get("/api/v1/checks"))  # every route counts against the same account
    assert theirs.get("/api/v1/positions").status_code == 200


def test_each_address_has_its_own_limit_before_anyone_signs_in(
    db: Database, vault: Vault, limited: pytest.MonkeyPatch
) -> None:
    limited.setenv("FAIRSCREEN_RATE_LIMIT_PER_ADDRESS", "3/minute")
    world = make_world(db, vault)
    guesser = Api(world.app())
    for _ in range(3):
        bad = guesser.get("/api/v1/checks", headers={"Authorization": "Bearer fst_guess"})
        assert bad.status_code == 401
    _too_many(guesser.get("/api/v1/checks", headers={"Authorization": "Bearer fst_guess"}))
    _too_many(guesser.post("/api/v1/auth/login", json={"email": "a@b.example", "password": "x"}))
    assert guesser.get("/health").status_code == 200  # outside the API: not counted


def test_a_malformed_limit_is_a_setting_error(limited: pytest.MonkeyPatch) -> None:
    limited.setenv("FAIRSCREEN_RATE_LIMIT_PER_ACCOUNT", "lots")
    with pytest.raises(ConfigError, match="FAIRSCREEN_RATE_LIMIT_PER_ACCOUNT='lots'"):
        load_settings()
