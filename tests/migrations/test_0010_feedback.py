"""0010_feedback upgrades a database that holds screenings, deletion requests and legal holds
(SQLite refuses to rebuild a table other rows refer to, so the new reference columns are added
in place); a legal hold's old free text becomes its staff-only reference."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text

from fairscreen.kit.db import downgrade, upgrade
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from fairscreen.world.load import load_world
from tests.conftest import Database

CASES = Path(__file__).parents[1] / "fixtures" / "cases"


def _audit_additions(db: Database, step: str) -> None:
    """Run 0012_audit's ``upgrade`` or ``downgrade`` alone: today's screening code writes the
    tables and columns it adds (the model registry), so they are lent to the 0009 schema while
    the world is screened, and taken back before the real upgrade."""
    module = importlib.import_module("fairscreen.migrations.versions.0012_audit")
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        getattr(module, step)()


def test_upgrading_a_database_that_holds_data(db: Database, vault: Vault) -> None:
    downgrade(db.engine, "0009_ledger_cosignatures")
    _audit_additions(db, "upgrade")
    with load_world(CASES / "luo.jsonl") as world:
        assert [r["light"] for r in screen_world(world, db.sessions, vault)] == ["green"]
    _audit_additions(db, "downgrade")
    with db.engine.begin() as conn:
        candidate = conn.execute(text("SELECT id FROM candidates")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO legal_holds (id, candidate_id, reason, placed_at) "
                "VALUES ('h1', :c, '勞動仲裁 (2026)示勞仲字第113號', :t)"
            ),
            {"c": candidate, "t": "2026-12-01 00:00:00+00"},
        )
        conn.execute(
            text(
                "INSERT INTO deletion_requests (id, status, channel, policy, received_at, due_by,"
                " failed_attempts, commitment_salt, ledger_index) VALUES ('d1', 'verified', 'api',"
                " 'cn@2026.1', :t, '2026-12-15', 0, :salt, 99999)"
            ),
            {"t": "2026-12-01 00:00:00+00", "salt": b"\0" * 16},
        )
        conn.execute(
            text("INSERT INTO deletion_request_candidates VALUES ('d1', :c)"), {"c": candidate}
        )
    upgrade(db.engine)
    with db.engine.connect() as conn:
        holds = conn.execute(text("SELECT reason_code, reference FROM legal_holds")).all()
        assert [tuple(h) for h in holds] == [("legal_obligation", "勞動仲裁 (2026)示勞仲字第113號")]
        assert conn.execute(text("SELECT count(*) FROM positions")).scalar() == 2
        assert conn.execute(text("SELECT account_id FROM deletion_requests")).scalar() is None
        if db.backend == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
