"""0013_portal_locale adds the remembered language to staff and candidate accounts in place,
on a database that holds accounts: the rows stay, the column comes (NULL: not chosen yet) and
goes again on downgrade."""

from __future__ import annotations

from sqlalchemy import inspect, text

from fairscreen.kit.db import downgrade, upgrade
from fairscreen.vault import Vault
from tests.accounts.people import World, make_world
from tests.conftest import Database


def _has_locale(world: World, table: str) -> bool:
    return "locale" in {c["name"] for c in inspect(world.db.engine).get_columns(table)}


def test_the_locale_column_comes_and_goes_and_the_accounts_stay(db: Database, vault: Vault) -> None:
    world = make_world(db, vault)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE staff_accounts SET locale = 'en'"))
    count = "SELECT (SELECT count(*) FROM staff_accounts) + (SELECT count(*) FROM organisations)"
    with world.db.engine.connect() as conn:
        rows = conn.execute(text(count)).scalar()
    assert rows
    downgrade(world.db.engine, "0012_audit")
    assert not _has_locale(world, "staff_accounts")
    assert not _has_locale(world, "candidate_accounts")
    upgrade(world.db.engine)
    assert _has_locale(world, "staff_accounts") and _has_locale(world, "candidate_accounts")
    with world.db.engine.connect() as conn:
        assert conn.execute(text(count)).scalar() == rows
        # the choice went with the column: nobody has chosen yet
        assert conn.execute(text("SELECT DISTINCT locale FROM staff_accounts")).all() == [(None,)]
        if world.db.backend == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
