"""0024_sqlite_times rewrites the times bulk inserts stored on SQLite in the driver's own text
as SQLAlchemy writes them, so that range queries find rows on their boundary; the instants are
unchanged, and on PostgreSQL nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from fairscreen.kit.db import downgrade, upgrade
from fairscreen.vault.models import DataKey
from tests.conftest import Database

OLD = {"k1": "2026-01-01 00:00:00+00:00", "k2": "2026-11-29 08:30:01.123456+00:00"}
NEW = {"k1": "2026-01-01 00:00:00.000000", "k2": "2026-11-29 08:30:01.123456"}
AT = {"k1": datetime(2026, 1, 1, tzinfo=UTC), "k2": datetime(2026, 11, 29, 8, 30, 1, 123456, UTC)}


def test_the_driver_texts_become_sqlalchemys_and_the_instants_stay(db: Database) -> None:
    downgrade(db.engine, "0023_kitchens")
    with db.engine.begin() as conn:
        for key, stored in OLD.items():
            when = stored if db.backend == "sqlite" else AT[key]
            conn.execute(
                text(
                    "INSERT INTO data_keys (id, provider, kek_version, wrapped, created_at) "
                    "VALUES (:id, 'local', 'local-1', :wrapped, :at)"
                ),
                {"id": key, "wrapped": b"w" * 40, "at": when},
            )
    upgrade(db.engine)
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT id, created_at FROM data_keys"))
        rows: dict[str, object] = {str(key): at for key, at in found}
    if db.backend == "sqlite":
        assert rows == NEW
    else:
        assert rows == AT
    with db.sessions() as s:
        assert {k.id: k.created_at for k in s.scalars(select(DataKey))} == AT
        for key, at in AT.items():  # each row found on its own boundary
            assert (
                s.scalar(
                    select(DataKey.id).where(DataKey.created_at >= at, DataKey.created_at <= at)
                )
                == key
            )
