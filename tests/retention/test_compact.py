"""``retention compact``: planner statistics never hold a ciphertext or a blind index, and what
an operator let in is removed from ``pg_statistic`` and from its files; on SQLite it finishes a
checkpoint that a reader kept from completing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from fairscreen.kit.db import secret_columns
from fairscreen.retention.compact import compact
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.retention.people import screen_people
from tests.retention.scan import byte_needles, scan

PG_DATA = os.environ.get("FAIRSCREEN_TEST_PG_DATA")


def _sampled(db: Database) -> set[tuple[str, str]]:
    with db.engine.connect() as conn:
        return {
            (r.tablename, r.attname)
            for r in conn.execute(
                text("SELECT tablename, attname FROM pg_stats WHERE schemaname = current_schema()")
            )
        }


def _analyze(db: Database) -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
        conn.execute(text("CHECKPOINT"))


def _statistics_files(db: Database) -> list[Path]:
    """pg_statistic's heap and TOAST files of this database."""
    assert PG_DATA
    with db.engine.connect() as conn:
        paths = conn.execute(
            text(
                "SELECT pg_relation_filepath('pg_catalog.pg_statistic'), "
                "pg_relation_filepath(reltoastrelid) FROM pg_class "
                "WHERE oid = 'pg_catalog.pg_statistic'::regclass"
            )
        ).one()
    return [Path(PG_DATA) / p for p in paths]


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_analyze_never_samples_a_sealed_or_blind_index_column(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    screen_people(db, vault, tmp_path, others=3)
    _analyze(db)
    sampled = _sampled(db)
    assert ("candidates", "retain_until") in sampled, "ANALYZE ran"
    secret = {(c.table.name, c.name) for c in secret_columns()}
    assert sampled & secret == set()


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_compact_removes_the_statistics_an_operator_let_in(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    if not PG_DATA or not os.access(PG_DATA, os.R_OK | os.X_OK):
        pytest.skip("needs the server's data directory (scripts/test sets FAIRSCREEN_TEST_PG_DATA)")
    world = screen_people(db, vault, tmp_path, others=3)
    people = list(world.people.values())
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for column in ("name_ct", "id_number_index"):
            conn.execute(text(f"ALTER TABLE candidates ALTER COLUMN {column} SET STATISTICS -1"))
    _analyze(db)
    assert {("candidates", "name_ct"), ("candidates", "id_number_index")} <= _sampled(db)
    needles = byte_needles("name ciphertext", [p.ciphertexts[0] for p in people]) + byte_needles(
        "blind index", [p.blind_index for p in people], prefix=32
    )
    assert scan(_statistics_files(db), needles), "ANALYZE sampled them into pg_statistic"

    result = compact(db.engine)
    assert set(result.targets_set) == {"candidates.name_ct", "candidates.id_number_index"}
    assert set(result.statistics_cleared) == set(result.targets_set)
    assert result.catalog == "done" and result.checkpoint == "done" and result.complete
    assert {"candidates", "data_keys", "reports"} <= set(result.tables)
    secret = {(c.table.name, c.name) for c in secret_columns()}
    assert _sampled(db) & secret == set()
    assert ("candidates", "retain_until") in _sampled(db), "the rest is analysed again"
    # Nor in the catalog's files (heap and TOAST), rewritten by VACUUM (FULL).
    assert scan(_statistics_files(db), needles) == []

    again = compact(db.engine)  # idempotent: nothing left to set or clear
    assert again.targets_set == [] and again.statistics_cleared == [] and again.complete


def test_compact_on_sqlite_finishes_a_checkpoint_a_reader_held(
    sqlite_db: Database, vault: Vault, tmp_path: Path
) -> None:
    screen_people(sqlite_db, vault, tmp_path, others=1)
    database = Path(make_url(sqlite_db.url).database or "")
    wal = Path(f"{database}-wal")
    reader = sqlite3.connect(database, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM candidates").fetchall()
        with sqlite_db.engine.begin() as conn:  # a write after the reader's snapshot
            conn.execute(text("UPDATE candidates SET retain_until = retain_until"))
        held = compact(sqlite_db.engine, checkpoint_wait=0.2)
        assert held.checkpoint == "busy" and not held.complete
        assert wal.stat().st_size > 0
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    done = compact(sqlite_db.engine, checkpoint_wait=0.2)
    assert done.checkpoint == "truncated" and done.complete and done.tables == []
    assert wal.stat().st_size == 0
