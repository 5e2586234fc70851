"""The supervision tests' world: the accounts world of every role, the sandbox serving a case
fixture (``luo`` by default, or ``@pytest.mark.parametrize("world", ["zhang"], indirect=True)``),
and a private data directory (the inspection-code key lives there)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from fairscreen.kit.settings import get_settings
from fairscreen.ledger import log
from fairscreen.supervision.offsite import service
from fairscreen.supervision.offsite.models import SignalRow
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database
from tests.feedback.flow import CASES


@pytest.fixture
def world(
    db: Database,
    vault: Vault,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    tmp_path: Any,
) -> Iterator[World]:
    case = getattr(request, "param", "luo")
    monkeypatch.setenv("FAIRSCREEN_SANDBOX_WORLD", str(CASES / f"{case}.jsonl"))
    monkeypatch.setenv("FAIRSCREEN_RETENTION_SWEEP_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_FEEDBACK_INTERVAL", "0")
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield make_world(db, vault)
    get_settings.cache_clear()


def run(world: World, now: datetime, **kw: Any) -> service.RunResult:
    with world.db.sessions.begin() as session:
        return service.run(session, now=now, **kw)


def signals(world: World) -> list[SignalRow]:
    with world.db.sessions() as session:
        return list(
            session.scalars(select(SignalRow).order_by(SignalRow.opened_at, SignalRow.rule))
        )


def rules_found(world: World) -> list[str]:
    return sorted(s.rule for s in signals(world))


def entries(world: World) -> list[dict[str, Any]]:
    with world.db.sessions() as session:
        size = log.read_state(session).size
        return [orjson.loads(e) for e in log.read_entries(session, 0, size)]
