"""Checks started online (``screening.online``): the sandbox is read from the setting once and
again when its file changes, a sandbox that is missing or does not load is a configuration
error naming the setting, and an invited check runs once, only after the consent is signed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ConfigError, ConflictError, NotFoundError, PolicyError
from fairscreen.kit.settings import get_settings
from fairscreen.policy.pack import load_pack
from fairscreen.screening.online import (
    run_invited_check,
    sandbox,
    shipped_pack,
    shipped_ruleset,
)
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import CASES, Flow, case_candidate

ZHANG = CASES / "zhang.jsonl"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv("FAIRSCREEN_SANDBOX_WORLD", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_an_unset_missing_or_broken_sandbox_names_the_setting(
    settings: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"^FAIRSCREEN_SANDBOX_WORLD: not set"):
        sandbox()
    missing = tmp_path / "nowhere.jsonl"
    settings.setenv("FAIRSCREEN_SANDBOX_WORLD", str(missing))
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match=r"FAIRSCREEN_SANDBOX_WORLD='.*nowhere.jsonl'"):
        sandbox()
    broken = tmp_path / "broken.jsonl"
    broken.write_text(ZHANG.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"(?s)^FAIRSCREEN_SANDBOX_WORLD: .*line \d+: \$: not JSON"
    ) as raised:
        sandbox(broken)
    assert "Traceback" not in str(raised.value)


def test_the_sandbox_is_loaded_once_and_again_when_its_file_changes(tmp_path: Path) -> None:
    world = tmp_path / "sandbox.jsonl"
    world.write_text(ZHANG.read_text(encoding="utf-8"), encoding="utf-8")
    first = sandbox(world)
    assert sandbox(world) is first
    stat = world.stat()
    os.utime(world, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = sandbox(world)
    assert again is not first
    assert sandbox(world) is again


def test_only_shipped_packs_and_rule_sets_are_used() -> None:
    pack = load_pack()
    assert shipped_pack(pack.ref) is not None and shipped_pack(pack.ref).ref == pack.ref
    with pytest.raises(PolicyError, match="policy pack xx@1: not shipped with this version"):
        shipped_pack("xx@1")
    current = shipped_ruleset(pack)
    assert shipped_ruleset(pack, current.ref).ref == current.ref
    with pytest.raises(PolicyError, match=r"own-rules@1.*not shipped"):
        shipped_ruleset(pack, "own-rules@1")


@pytest.fixture
def world(db: Database, vault: Vault, settings: pytest.MonkeyPatch) -> World:
    settings.setenv("FAIRSCREEN_SANDBOX_WORLD", str(ZHANG))
    settings.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    get_settings.cache_clear()
    return make_world(db, vault)


def test_an_invited_check_runs_once_and_only_once_signed(world: World) -> None:
    flow = Flow(world, "zhang", "software_engineering")
    flow.invite("C-ZHANG")
    flow.accept()
    invitation = flow.invitation["id"]
    with world.db.sessions.begin() as session:
        with pytest.raises(NotFoundError):
            run_invited_check(session, world.vault, "0" * 32, now=utcnow())
        with pytest.raises(ConflictError, match="no signed consent yet"):
            run_invited_check(session, world.vault, invitation, now=utcnow())
    flow.sign(claims=case_candidate("zhang")["claims"])
    assert flow.check_id  # the route ran it
    with (
        world.db.sessions.begin() as session,
        pytest.raises(ConflictError, match="has run already"),
    ):
        run_invited_check(session, world.vault, invitation, now=utcnow())
