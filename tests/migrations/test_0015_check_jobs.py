"""0015_check_jobs comes and goes on a database that holds checks: down, the table of pending
queries (and on PostgreSQL the job engine's schema) is gone and the checks stay; up again,
both are back, empty, and the schema matches the models."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from fairscreen.kit.db import downgrade, upgrade
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.conftest import Database

CASES = Path(__file__).parents[1] / "fixtures" / "cases"
JOBS = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'procrastinate'"


def test_the_check_jobs_migration_goes_down_and_up_keeping_the_checks(
    db: Database, vault: Vault
) -> None:
    with load_world(CASES / "luo.jsonl") as world:
        assert [r["light"] for r in screen_world(world, db.sessions, vault)] == ["green"]
    downgrade(db.engine, "0014_check_listing")
    assert "check_queries" not in inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM check_requests")).scalar() == 1
        if db.backend != "sqlite":
            assert conn.execute(text(JOBS)).scalar() == 0
    upgrade(db.engine)
    assert "check_queries" in inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM check_queries")).scalar() == 0
        if db.backend != "sqlite":
            assert (conn.execute(text(JOBS)).scalar() or 0) > 0
            jobs = "SELECT count(*) FROM procrastinate.procrastinate_jobs"
            assert conn.execute(text(jobs)).scalar() == 0
