"""``retention.erasure``: no destruction outside an erasure, and an erasure makes durable what it
destroyed even when it ends by an error."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from fairscreen.kit.db import transaction
from fairscreen.policy.pack import load_pack
from fairscreen.retention.destroy import (
    RETENTION_EXPIRED,
    Certificate,
    destroy_batch,
    prepare_connection,
)
from fairscreen.retention.erasure import erasing
from fairscreen.retention.sweep import select_expired
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.retention.people import TODAY, expire, opens, screen_people
from tests.retention.scan import byte_needles, scan, sqlite_files


def _destroy(session: Session) -> Certificate | None:
    prepare_connection(session)
    select_expired(session, TODAY, 100)
    return destroy_batch(
        session,
        reason=RETENTION_EXPIRED,
        rule="test",
        now=datetime.combine(TODAY, time(3), tzinfo=UTC),
        policy=load_pack().ref,
    )


def test_destruction_outside_an_erasure_is_refused(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(db, vault, tmp_path, others=0)
    expire(db, vault, world.target.ref)
    refused = pytest.raises(RuntimeError, match=r"only inside retention\.erasure\.erasing")
    with refused, transaction(db.sessions) as session:
        _destroy(session)
    assert opens(db, vault, world.target.candidate_id) == "all"


def test_an_erasure_ended_by_an_error_still_makes_its_commits_durable(
    sqlite_db: Database, vault: Vault, tmp_path: Path
) -> None:
    world = screen_people(sqlite_db, vault, tmp_path, others=1)
    expire(sqlite_db, vault, world.target.ref)
    database = Path(make_url(sqlite_db.url).database or "")
    with pytest.raises(ValueError, match="after the commit"), erasing(sqlite_db.engine) as erasure:
        with erasure.transaction() as session:
            assert _destroy(session) is not None
        raise ValueError("after the commit")
    assert erasure.destroyed == 1 and erasure.durability == "clean"
    assert Path(f"{database}-wal").stat().st_size == 0
    assert scan(sqlite_files(database), byte_needles("key", [world.target.wrapped_key])) == []
    assert opens(sqlite_db, vault, world.people["C2"].candidate_id) == "all"


def test_an_erasure_that_destroyed_nothing_does_not_checkpoint(sqlite_db: Database) -> None:
    with erasing(sqlite_db.engine) as erasure, erasure.transaction() as session:
        assert _destroy(session) is None
    assert erasure.destroyed == 0 and erasure.durability is None and erasure.durable
