"""0012_audit upgrades and downgrades a database that holds screenings, in place (SQLite refuses
to rebuild a table other rows refer to): the rows stay, the new columns come and go."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from fairscreen.kit.db import downgrade, upgrade
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.conftest import Database

CASES = Path(__file__).parents[1] / "fixtures" / "cases"


def _columns(db: Database, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_the_audit_migration_keeps_every_row(db: Database, vault: Vault) -> None:
    with load_world(CASES / "luo.jsonl") as world:
        assert [r["light"] for r in screen_world(world, db.sessions, vault)] == ["green"]
    count = "SELECT (SELECT count(*) FROM check_requests) + (SELECT count(*) FROM reports)"
    with db.engine.connect() as conn:
        rows = conn.execute(text(count)).scalar()
    downgrade(db.engine, "0011_notify")
    assert "models" not in _columns(db, "check_requests")
    assert "audit_consent" not in _columns(db, "candidate_demographics")
    assert "model_versions" not in inspect(db.engine).get_table_names()
    upgrade(db.engine)
    with db.engine.connect() as conn:
        assert conn.execute(text(count)).scalar() == rows
        assert conn.execute(text("SELECT models FROM check_requests")).scalar() is None
        if db.backend == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    assert "model_versions" in inspect(db.engine).get_table_names()
