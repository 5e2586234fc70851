"""The migrations are the schema: they build every table the models declare, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

import fairscreen.models  # noqa: F401
from fairscreen.kit.db import (
    Base,
    current_revision,
    downgrade,
    head_revision,
    secret_columns,
    upgrade,
)
from tests.conftest import Database


def test_the_chain_from_an_empty_database_builds_every_table(empty_db: Database) -> None:
    """Every other test gets a copy of a database migrated once per worker: this one runs the
    whole chain on a database nothing has touched."""
    assert current_revision(empty_db.engine) is None
    upgrade(empty_db.engine)
    assert current_revision(empty_db.engine) == head_revision()
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_models_match_migrations(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_downgrade_to_base_and_up_again(db: Database) -> None:
    downgrade(db.engine, "base")
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) != []
    upgrade(db.engine)
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_every_sealed_and_blind_index_column_is_kept_out_of_planner_statistics(
    db: Database,
) -> None:
    """Found by type in the models, so that a column added later without a migration that sets
    its statistics target to 0 fails here (docs/retention.md, "PostgreSQL")."""
    secret = [(c.table.name, c.name) for c in secret_columns()]
    assert {
        ("candidates", "name_ct"),
        ("candidates", "id_number_index"),
        ("data_keys", "wrapped"),
        ("reports", "content_ct"),
    } <= set(secret)
    with db.engine.connect() as conn:
        targets = {
            (row.relname, row.attname): row.attstattarget
            for row in conn.execute(
                text(
                    "SELECT c.relname, a.attname, a.attstattarget FROM pg_attribute a "
                    "JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0"
                )
            )
        }
    assert {column: targets.get(column) for column in secret} == dict.fromkeys(secret, 0)
    # The others keep the default, so that the planner still knows them.
    assert targets[("candidates", "retain_until")] == -1
